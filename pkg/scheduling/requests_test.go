package scheduling_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func TestPodRequests(t *testing.T) {
	cases := []struct {
		name     string
		pod      *corev1.Pod
		cpu, mem string
	}{
		{"containers add up", st.Pod(st.Requests("1", "1Gi"), st.Container("500m", "512Mi")), "1500m", "1536Mi"},
		{"init container larger than steady state wins", st.Pod(st.Requests("100m", "128Mi"), st.InitContainer("2", "64Mi", false)), "2", "128Mi"},
		{"init containers do not add up", st.Pod(st.Requests("100m", "128Mi"), st.InitContainer("1", "1Gi", false), st.InitContainer("1", "1Gi", false)), "1", "1Gi"},
		{"sidecar runs alongside the containers", st.Pod(st.Requests("1", "1Gi"), st.InitContainer("500m", "256Mi", true)), "1500m", "1280Mi"},
		{"sidecar started before an init container counts during it", st.Pod(st.Requests("100m", "128Mi"), st.InitContainer("1", "128Mi", true), st.InitContainer("1500m", "128Mi", false)), "2500m", "256Mi"},
		{"init container before a sidecar does not overlap it", st.Pod(st.Requests("100m", "128Mi"), st.InitContainer("1500m", "128Mi", false), st.InitContainer("1", "128Mi", true)), "1500m", "256Mi"},
		{"overhead is added", st.Pod(st.Requests("1", "1Gi"), st.Overhead("250m", "64Mi")), "1250m", "1088Mi"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := scheduling.PodRequests(tc.pod)
			if got := r[corev1.ResourceCPU]; got.String() != tc.cpu {
				t.Errorf("cpu %s, want %s", got.String(), tc.cpu)
			}
			if got := r[corev1.ResourceMemory]; got.String() != tc.mem {
				t.Errorf("memory %s, want %s", got.String(), tc.mem)
			}
			if got := r[corev1.ResourcePods]; got.Value() != 1 {
				t.Errorf("pods %s, want 1", got.String())
			}
		})
	}
}

// cheapestIs checks the instance type the first NodeClaim would launch as.
func cheapestIs(name string) func(*testing.T, scheduling.Result) {
	return func(t *testing.T, res scheduling.Result) {
		t.Helper()
		if len(res.NodeClaims) == 0 || res.NodeClaims[0].InstanceTypes[0].Name != name {
			got := "none"
			if len(res.NodeClaims) > 0 {
				got = res.NodeClaims[0].InstanceTypes[0].Name
			}
			t.Errorf("cheapest instance type %s, want %s", got, name)
		}
	}
}

func claimCount(n int) func(*testing.T, scheduling.Result) {
	return func(t *testing.T, res scheduling.Result) {
		t.Helper()
		if len(res.NodeClaims) != n {
			t.Errorf("%d nodeclaims, want %d", len(res.NodeClaims), n)
		}
	}
}

func TestRequestsDecideInstanceType(t *testing.T) {
	gpuType := st.InstanceType("gpu", "8", "32Gi", st.GPUs("nvidia.com/gpu", "1"))
	diskType := st.InstanceType("disk", "4", "8Gi", func(it *cloudprovider.InstanceType) {
		st.GPUs(corev1.ResourceEphemeralStorage, "20Gi")(it)
	})
	runScenarios(t, []scenario{
		{name: "small pod takes the small type", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1", "1Gi"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("small")},
		{name: "two containers need the medium type", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1", "1Gi"), st.Container("1", "1Gi"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "a big init container needs the medium type", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("100m", "1Gi"), st.InitContainer("3", "1Gi", false))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "a sidecar adds to the containers", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1", "1Gi"), st.InitContainer("1", "1Gi", true))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "pod overhead tips the pod to the medium type", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1800m", "1Gi"), st.Overhead("200m", "0"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "memory decides as much as cpu", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("100m", "5Gi"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "nothing is big enough", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("20", "1Gi"))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonResources, "insufficient cpu: requested 20, largest instance type large has 15900m")}},
		{name: "a GPU pod needs a GPU type", in: scheduling.Input{Pods: pods(st.Pod(st.Request("nvidia.com/gpu", "1"))), NodePools: pools(pool("default", withTypes(append(defaultTypes(), gpuType)...)))},
			want: []outcome{onNew("default")}, check: cheapestIs("gpu")},
		{name: "a GPU pod without GPU types fails on the gpu resource", in: scheduling.Input{Pods: pods(st.Pod(st.Request("nvidia.com/gpu", "1"))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonResources, "insufficient nvidia.com/gpu")}},
		{name: "ephemeral storage within the type fits", in: scheduling.Input{Pods: pods(st.Pod(st.Request(corev1.ResourceEphemeralStorage, "10Gi"))), NodePools: pools(pool("default", withTypes(diskType)))},
			want: []outcome{onNew("default")}},
		{name: "ephemeral storage beyond the type fails", in: scheduling.Input{Pods: pods(st.Pod(st.Request(corev1.ResourceEphemeralStorage, "30Gi"))), NodePools: pools(pool("default", withTypes(diskType)))},
			want: []outcome{fails("default", scheduling.ReasonResources, "ephemeral-storage")}},
		{name: "a pod that fits an existing node goes there", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("2", "2Gi"))), Nodes: nodes(node(st.Node("n1"))), NodePools: pools(pool("default"))},
			want: []outcome{onNode("n1")}, check: claimCount(0)},
		{name: "a pod that does not fit the existing node's free room gets a new node", in: scheduling.Input{
			Pods: pods(st.Pod(st.Requests("2", "2Gi"))), Nodes: nodes(node(st.Node("n1"), st.Pod(st.Requests("3", "1Gi")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "a full pod slot count keeps pods off", in: scheduling.Input{
			Pods: pods(st.Pod()), Nodes: nodes(node(st.Node("n1", st.AllocatableResource(corev1.ResourcePods, "1")), st.Pod())), NodePools: pools()},
			want: []outcome{fails("", "", "1 Insufficient pods")}},
		{name: "first fit decreasing packs the big pod first", in: scheduling.Input{
			Pods: pods(st.Pod(st.Requests("1", "1Gi")), st.Pod(st.Requests("3500m", "1Gi"))), Nodes: nodes(node(st.Node("n1"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default"), onNode("n1")}},
	})
}
