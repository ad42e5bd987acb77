// Package scheduling cross-checks the scheduling engine against the real kube-scheduler: for
// generated workloads on existing nodes, where the engine says a pod fits, the scheduler binds it
// there; where the engine says it fits nowhere, the scheduler leaves it unschedulable.
package scheduling

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

var zones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// clusterNodes are six KWOK nodes that differ in zone, arch, size, a tier label and a taint.
func clusterNodes() []*corev1.Node {
	var out []*corev1.Node
	for i := 0; i < 6; i++ {
		cpu, mem := "4", "8Gi"
		if i%2 == 1 {
			cpu, mem = "8", "16Gi"
		}
		arch := "amd64"
		if i >= 4 {
			arch = "arm64"
		}
		tier := []string{"web", "batch"}[i%2]
		n := controlplane.NewKWOKNode(fmt.Sprintf("node-%d", i), cpu, mem, map[string]string{
			corev1.LabelTopologyZone: zones[i%3], corev1.LabelArchStable: arch, "tier": tier,
		})
		if i == 5 {
			n.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
		}
		out = append(out, n)
	}
	return out
}

// randomPod draws one pod with a mix of the constraints both schedulers implement.
func randomPod(r *rand.Rand, i int) *corev1.Pod {
	cpus := []string{"100m", "500m", "1", "2", "3", "6"}
	mems := []string{"128Mi", "512Mi", "1Gi", "4Gi", "7Gi"}
	opts := []st.PodOption{
		st.Name(fmt.Sprintf("p%03d", i)), st.Namespace("default"),
		st.Requests(cpus[r.IntN(len(cpus))], mems[r.IntN(len(mems))]),
	}
	// Distinct constraint kinds: the API server rejects a spread or term given twice.
	for _, kind := range r.Perm(9)[:1+r.IntN(2)] {
		switch kind {
		case 0:
			opts = append(opts, st.NodeSelector(corev1.LabelTopologyZone, zones[r.IntN(3)]))
		case 1:
			opts = append(opts, st.RequiredNodeAffinity(st.Expr(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "arm64")))
		case 2:
			opts = append(opts, st.RequiredNodeAffinity(st.Expr("tier", corev1.NodeSelectorOpNotIn, "web")))
		case 3:
			opts = append(opts, st.Toleration("dedicated", "gpu", corev1.TaintEffectNoSchedule))
		case 4:
			opts = append(opts, st.HostPort(8080))
		case 5:
			opts = append(opts, st.Labels("app", "solo"),
				st.PodAntiAffinity(st.Term(corev1.LabelHostname, map[string]string{"app": "solo"})))
		case 6:
			opts = append(opts, st.Labels("app", "spread"),
				st.Spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, map[string]string{"app": "spread"}))
		case 7:
			opts = append(opts, st.Labels("app", "with-solo"),
				st.PodAffinity(st.Term(corev1.LabelTopologyZone, map[string]string{"app": "solo"})))
		case 8:
			opts = append(opts, st.RequiredNodeAffinity(
				st.Expr(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "us-east-1a", "us-east-1b"),
				st.Expr(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64")))
		}
	}
	p := st.Pod(opts...)
	// The factory's pods carry fields for the engine's own tests; the API server wants a clean
	// pod spec it can default.
	p.UID, p.ResourceVersion, p.Status = "", "", corev1.PodStatus{}
	p.Spec.TerminationGracePeriodSeconds = ptr.To[int64](0)
	for i := range p.Spec.Containers {
		p.Spec.Containers[i].Image = "registry.k8s.io/pause:3.10"
	}
	return p
}

func TestEngineAgreesWithKubeScheduler(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.AllComponents())
	kube, err := client.New(cp.RESTConfig(), client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	nodes := clusterNodes()
	for _, n := range nodes {
		if err := kube.Create(ctx, n); err != nil {
			t.Fatal(err)
		}
	}
	waitNodesReady(t, kube, len(nodes))

	var exactlyOne, none, several int
	for seed := uint64(1); seed <= 3; seed++ {
		r := rand.New(rand.NewPCG(seed, 42))
		for i := 0; i < 14; i++ {
			pod := randomPod(r, int(seed)*100+i)
			feasible := engineFeasible(t, kube, pod)
			if err := kube.Create(ctx, pod); err != nil {
				t.Fatalf("creating %s: %v", pod.Name, err)
			}
			bound := waitOutcome(t, kube, pod)
			switch {
			case len(feasible) == 0:
				none++
				if bound != "" {
					t.Errorf("seed %d %s: engine says it fits no node, kube-scheduler bound it to %s", seed, pod.Name, bound)
				}
			case bound == "":
				t.Errorf("seed %d %s: engine says it fits %v, kube-scheduler found no node", seed, pod.Name, feasible)
			case !slices.Contains(feasible, bound):
				t.Errorf("seed %d %s: kube-scheduler bound it to %s, which the engine says does not fit (engine: %v)", seed, pod.Name, bound, feasible)
			default:
				if len(feasible) == 1 {
					exactlyOne++
				} else {
					several++
				}
			}
		}
	}
	t.Logf("pods that fit exactly one node: %d, several: %d, none: %d", exactlyOne, several, none)
	// The workload must exercise both the single-answer and the no-answer cases, or the
	// agreement above proves little.
	if exactlyOne < 3 || none < 3 {
		t.Errorf("workload too easy: %d single-node and %d no-node pods; want at least 3 of each", exactlyOne, none)
	}
}

// engineFeasible asks the engine where the pod fits, given the nodes and the pods bound now.
func engineFeasible(t *testing.T, kube client.Client, pod *corev1.Pod) []string {
	t.Helper()
	ctx := context.Background()
	var nodes corev1.NodeList
	var pods corev1.PodList
	if err := kube.List(ctx, &nodes); err != nil {
		t.Fatal(err)
	}
	if err := kube.List(ctx, &pods); err != nil {
		t.Fatal(err)
	}
	in := scheduling.Input{Pods: []*corev1.Pod{pod}}
	for i := range nodes.Items {
		n := scheduling.Node{Node: &nodes.Items[i]}
		for j := range pods.Items {
			if pods.Items[j].Spec.NodeName == n.Node.Name {
				n.Pods = append(n.Pods, &pods.Items[j])
			}
		}
		in.Nodes = append(in.Nodes, n)
	}
	out, err := scheduling.FeasibleNodes(in)
	if err != nil {
		t.Fatalf("engine: %v", err)
	}
	return out[0]
}

// waitOutcome returns the node kube-scheduler bound the pod to, or "" once it marked the pod
// unschedulable.
func waitOutcome(t *testing.T, kube client.Client, pod *corev1.Pod) string {
	t.Helper()
	var bound string
	var lastErr error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var p corev1.Pod
		if err := kube.Get(ctx, client.ObjectKeyFromObject(pod), &p); err != nil {
			lastErr = err
			return false, nil //nolint:nilerr // keep polling until the deadline; the last error is reported
		}
		if p.Spec.NodeName != "" {
			bound = p.Spec.NodeName
			return true, nil
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("kube-scheduler made no decision on %s: %v (last error getting the pod: %v)", pod.Name, err, lastErr)
	}
	return bound
}

func waitNodesReady(t *testing.T, kube client.Client, n int) {
	t.Helper()
	var lastErr error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		var nodes corev1.NodeList
		if err := kube.List(ctx, &nodes); err != nil {
			lastErr = err
			return false, nil //nolint:nilerr // keep polling until the deadline; the last error is reported
		}
		ready := 0
		for _, node := range nodes.Items {
			// The controller-manager removes the not-ready taint once KWOK reports Ready.
			if isReady(node) && !hasTaint(node, corev1.TaintNodeNotReady) {
				ready++
			}
		}
		return ready == n, nil
	})
	if err != nil {
		t.Fatalf("nodes not ready: %v (last error listing nodes: %v)", err, lastErr)
	}
}

func isReady(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hasTaint(n corev1.Node, key string) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key {
			return true
		}
	}
	return false
}
