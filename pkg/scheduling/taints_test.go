package scheduling_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func TestTaints(t *testing.T) {
	gpuPool := pool("gpu", withTaint("dedicated", "gpu", corev1.TaintEffectNoSchedule))
	relaxedPNS := func(t *testing.T, res scheduling.Result) {
		if r := res.Placements[0].Relaxed; len(r) == 0 || r[len(r)-1] != "PreferNoSchedule taints" {
			t.Errorf("relaxed %v, want PreferNoSchedule taints last", r)
		}
	}
	runScenarios(t, []scenario{
		{name: "untolerated NoSchedule taint blocks the pool", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(gpuPool)},
			want: []outcome{fails("gpu", scheduling.ReasonTaint, "nodepool gpu: taint dedicated=gpu:NoSchedule not tolerated")}},
		{name: "an Equal toleration lets the pod in", in: scheduling.Input{Pods: pods(st.Pod(st.Toleration("dedicated", "gpu", corev1.TaintEffectNoSchedule))), NodePools: pools(gpuPool)},
			want: []outcome{onNew("gpu")}},
		{name: "an Exists toleration lets the pod in", in: scheduling.Input{Pods: pods(st.Pod(st.Toleration("dedicated", "", ""))), NodePools: pools(gpuPool)},
			want: []outcome{onNew("gpu")}},
		{name: "a toleration with another value does not", in: scheduling.Input{Pods: pods(st.Pod(st.Toleration("dedicated", "cpu", corev1.TaintEffectNoSchedule))), NodePools: pools(gpuPool)},
			want: []outcome{fails("gpu", scheduling.ReasonTaint, "dedicated=gpu:NoSchedule")}},
		{name: "a toleration for another effect does not", in: scheduling.Input{Pods: pods(st.Pod(st.Toleration("dedicated", "gpu", corev1.TaintEffectNoExecute))), NodePools: pools(gpuPool)},
			want: []outcome{fails("gpu", scheduling.ReasonTaint, "dedicated=gpu:NoSchedule")}},
		{name: "NoExecute blocks too", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("x", withTaint("evict", "", corev1.TaintEffectNoExecute)))},
			want: []outcome{fails("x", scheduling.ReasonTaint, "evict:NoExecute")}},
		{name: "startup taints do not block", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("default", withStartupTaint("node.cilium.io/agent-not-ready")))},
			want: []outcome{onNew("default")}},
		{name: "a tainted heavier pool loses to an untainted lighter one", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("light"), pool("heavy", withWeight(10), withTaint("team", "a", corev1.TaintEffectNoSchedule)))},
			want: []outcome{onNew("light")}},
		{name: "a PreferNoSchedule pool loses to a clean one even with more weight", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("clean"), pool("soft", withWeight(10), withTaint("spot", "", corev1.TaintEffectPreferNoSchedule)))},
			want: []outcome{onNew("clean")}},
		{name: "a PreferNoSchedule pool is used once the preference is relaxed", in: scheduling.Input{Pods: pods(st.Pod()), NodePools: pools(pool("soft", withTaint("spot", "", corev1.TaintEffectPreferNoSchedule)))},
			want: []outcome{onNew("soft")}, check: relaxedPNS},
		{name: "an untolerated node taint sends the pod to a new node", in: scheduling.Input{Pods: pods(st.Pod()), Nodes: nodes(node(st.Node("n1", st.Taint("team", "b", corev1.TaintEffectNoSchedule)))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "node taint is explained kube-scheduler style", in: scheduling.Input{Pods: pods(st.Pod()), Nodes: nodes(node(st.Node("n1", st.Taint("team", "b", corev1.TaintEffectNoSchedule))))},
			want: []outcome{fails("", "", "0/1 nodes are available: 1 untolerated taint team=b:NoSchedule")}},
		{name: "a cordoned node is skipped", in: scheduling.Input{Pods: pods(st.Pod()), Nodes: nodes(node(st.Node("n1", st.Cordoned())))},
			want: []outcome{fails("", "", "1 unschedulable")}},
		{name: "an uninitialised node's startup taint does not block", in: scheduling.Input{Pods: pods(st.Pod()),
			Nodes:     nodes(node(st.Node("n1", st.NodeLabels(scheduling.LabelNodePool, "default"), st.Taint("node.cilium.io/agent-not-ready", "", corev1.TaintEffectNoSchedule)))),
			NodePools: pools(pool("default", withStartupTaint("node.cilium.io/agent-not-ready")))},
			want: []outcome{onNode("n1")}},
		{name: "an initialised node's leftover startup taint does block", in: scheduling.Input{Pods: pods(st.Pod()),
			Nodes: nodes(node(st.Node("n1", st.NodeLabels(scheduling.LabelNodePool, "default", scheduling.LabelInitialized, "true"),
				st.Taint("node.cilium.io/agent-not-ready", "", corev1.TaintEffectNoSchedule)))),
			NodePools: pools(pool("default", withStartupTaint("node.cilium.io/agent-not-ready")))},
			want: []outcome{onNew("default")}},
	})
}
