package scheduling_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func labelIs(key, value string) func(*testing.T, scheduling.Result) {
	return func(t *testing.T, res scheduling.Result) {
		t.Helper()
		if len(res.NodeClaims) == 0 || res.NodeClaims[0].Labels[key] != value {
			t.Errorf("first nodeclaim label %s, want %q", key, value)
			if len(res.NodeClaims) > 0 {
				t.Logf("labels: %v", res.NodeClaims[0].Labels)
			}
		}
	}
}

func TestNodeSelection(t *testing.T) {
	const (
		zone = corev1.LabelTopologyZone
		arch = corev1.LabelArchStable
		cpu  = scheduling.LabelInstanceCPU
		ct   = scheduling.LabelCapacityType
		In   = corev1.NodeSelectorOpIn
	)
	armType := st.InstanceType("arm", "2", "4Gi", st.Arch("arm64"))
	runScenarios(t, []scenario{
		{name: "nodeSelector on zone pins the nodeclaim", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(zone, "test-zone-b"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-b")},
		{name: "a custom label no nodepool offers does not match", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector("team", "a"))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonRequirement, "label team (pod wants In [a]) is not offered by the nodepool")}},
		{name: "a custom label from the template matches", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector("team", "a"))), NodePools: pools(pool("default"), pool("team-a", withLabel("team", "a")))},
			want: []outcome{onNew("team-a")}, check: labelIs("team", "a")},
		{name: "a template label with another value conflicts", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector("team", "a"))), NodePools: pools(pool("team-b", withLabel("team", "b")))},
			want: []outcome{fails("team-b", scheduling.ReasonRequirement, "requirement team: pod wants In [a], nodepool offers In [b]")}},
		{name: "arm64 without arm types finds no instance type", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr(arch, In, "arm64")))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonNoInstanceType, "no instance type has kubernetes.io/arch In [arm64] (types offer [amd64])")}},
		{name: "arm64 with an arm type", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr(arch, In, "arm64")))), NodePools: pools(pool("default", withTypes(append(defaultTypes(), armType)...)))},
			want: []outcome{onNew("default")}, check: cheapestIs("arm")},
		{name: "spot pod on an on-demand pool conflicts", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(ct, "spot"))), NodePools: pools(pool("od", withReq(ct, In, "on-demand")))},
			want: []outcome{fails("od", scheduling.ReasonRequirement, "requirement karpenter.sh/capacity-type: pod wants In [spot], nodepool offers In [on-demand]")}},
		{name: "on-demand pod gets on-demand", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(ct, "on-demand"))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if res.NodeClaims[0].Offering.CapacityType != cloudprovider.CapacityTypeOnDemand {
					t.Errorf("offering %+v", res.NodeClaims[0].Offering)
				}
			}},
		{name: "no preference takes the cheaper spot offering", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if res.NodeClaims[0].Offering.CapacityType != cloudprovider.CapacityTypeSpot {
					t.Errorf("offering %+v", res.NodeClaims[0].Offering)
				}
			}},
		{name: "NotIn zones excludes them", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr(zone, corev1.NodeSelectorOpNotIn, "test-zone-a", "test-zone-b")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if z := res.NodeClaims[0].Offering.Zone; z != "test-zone-c" {
					t.Errorf("zone %s", z)
				}
			}},
		{name: "Gt on instance cpu picks a bigger type", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr(cpu, corev1.NodeSelectorOpGt, "4")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: cheapestIs("large")},
		{name: "Lt on instance cpu keeps it small", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1", "5Gi"), st.RequiredNodeAffinity(st.Expr(cpu, corev1.NodeSelectorOpLt, "3")))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonResources, "insufficient memory")}},
		{name: "Gte on a nodepool requirement includes the bound", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("default", withReq(cpu, scheduling.OpGte, "4")))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "Lte on a nodepool requirement includes the bound", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("3", "1Gi"))), NodePools: pools(pool("default", withReq(cpu, scheduling.OpLte, "4")))},
			want: []outcome{onNew("default")}, check: cheapestIs("medium")},
		{name: "Lte too low for the pod", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("3", "1Gi"))), NodePools: pools(pool("default", withReq(cpu, scheduling.OpLte, "2")))},
			want: []outcome{fails("default", scheduling.ReasonResources, "largest instance type small has 1900m")}},
		{name: "the second ORed term is tried when the first cannot match", in: scheduling.Input{Pods: pods(st.Pod(
			st.RequiredNodeAffinity(st.Expr(arch, In, "arm64")), st.RequiredNodeAffinity(st.Expr(zone, In, "test-zone-c")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-c")},
		{name: "DoesNotExist on a label the pool sets conflicts", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr("team", corev1.NodeSelectorOpDoesNotExist)))), NodePools: pools(pool("t", withLabel("team", "a")))},
			want: []outcome{fails("t", scheduling.ReasonRequirement, "team")}},
		{name: "DoesNotExist on a label nobody sets is fine", in: scheduling.Input{Pods: pods(st.Pod(st.RequiredNodeAffinity(st.Expr("team", corev1.NodeSelectorOpDoesNotExist)))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "heavier compatible pool wins", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("a"), pool("b", withWeight(50)))},
			want: []outcome{onNew("b")}},
		{name: "the nodepool label selects a pool", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(scheduling.LabelNodePool, "a"))), NodePools: pools(pool("a"), pool("b", withWeight(50)))},
			want: []outcome{onNew("a")}},
		{name: "preferred zone is honoured when possible", in: scheduling.Input{Pods: pods(st.Pod(st.PreferredNodeAffinity(10, st.Expr(zone, In, "test-zone-b")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-b")},
		{name: "an impossible preference is relaxed", in: scheduling.Input{Pods: pods(st.Pod(st.PreferredNodeAffinity(10, st.Expr(zone, In, "mars")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if len(res.Placements[0].Relaxed) != 1 {
					t.Errorf("relaxed %v", res.Placements[0].Relaxed)
				}
			}},
		{name: "nodeSelector matching an existing node", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector("disk", "ssd"))), Nodes: nodes(node(st.Node("n1")), node(st.Node("n2", st.NodeLabels("disk", "ssd")))), NodePools: pools(pool("default"))},
			want: []outcome{onNode("n2")}},
		{name: "a pod asking for a node by hostname gets only that node", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(corev1.LabelHostname, "n2"))), Nodes: nodes(node(st.Node("n1")), node(st.Node("n2"))), NodePools: pools(pool("default"))},
			want: []outcome{onNode("n2")}},
		{name: "a pod asking for a missing hostname cannot get a new node", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(corev1.LabelHostname, "gone"))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonRequirement, "a new node cannot match")}},
		{name: "zone not offered by any instance type", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(zone, "test-zone-z"))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonNoOffering, "no available offering in zones In [test-zone-z]")}},
		{name: "unavailable offerings are not used", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("default", withTypes(st.InstanceType("small", "2", "4Gi", st.Unavailable()))))},
			want: []outcome{fails("default", scheduling.ReasonNoInstanceType, "no instance type with an available offering")}},
		{name: "spot only in one zone narrows the zone", in: scheduling.Input{Pods: pods(st.Pod(st.NodeSelector(ct, "spot"))),
			NodePools: pools(pool("default", withTypes(st.InstanceType("small", "2", "4Gi", st.OnlyOfferings("test-zone-a", "on-demand", "test-zone-b", "spot")))))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if o := res.NodeClaims[0].Offering; o.Zone != "test-zone-b" {
					t.Errorf("offering %+v", o)
				}
			}},
	})
}
