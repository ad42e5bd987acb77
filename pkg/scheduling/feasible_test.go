package scheduling_test

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func TestFeasibleNodes(t *testing.T) {
	web := map[string]string{"app": "web"}
	three := func(pods1, pods2, pods3 []*corev1.Pod) []scheduling.Node {
		return nodes(node(st.Node("n1"), pods1...), node(st.Node("n2"), pods2...), node(st.Node("n3"), pods3...))
	}
	cases := []struct {
		name string
		in   scheduling.Input
		want [][]string
	}{
		{"a plain pod fits every node", scheduling.Input{Pods: st.Pods(1), Nodes: three(nil, nil, nil)}, [][]string{{"n1", "n2", "n3"}}},
		{"a taint removes a node", scheduling.Input{Pods: st.Pods(1), Nodes: nodes(node(st.Node("n1")), node(st.Node("n2", st.Taint("x", "", corev1.TaintEffectNoSchedule))))}, [][]string{{"n1"}}},
		{"PreferNoSchedule does not filter", scheduling.Input{Pods: st.Pods(1), Nodes: nodes(node(st.Node("n1")), node(st.Node("n2", st.Taint("x", "", corev1.TaintEffectPreferNoSchedule))))}, [][]string{{"n1", "n2"}}},
		{"preferences do not filter", scheduling.Input{Pods: st.Pods(1, st.PreferredNodeAffinity(1, st.Expr(corev1.LabelHostname, corev1.NodeSelectorOpIn, "n2"))), Nodes: three(nil, nil, nil)}, [][]string{{"n1", "n2", "n3"}}},
		{"hostname spread uses the minimum over existing nodes", scheduling.Input{Pods: st.Pods(1, st.Labels("app", "web"), st.Spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, web)),
			Nodes: three(st.Pods(1, st.Labels("app", "web")), nil, nil), NodePools: pools(pool("default"))}, [][]string{{"n2", "n3"}}},
		{"hostname spread with every node at one", scheduling.Input{Pods: st.Pods(1, st.Labels("app", "web"), st.Spread(corev1.LabelHostname, 1, corev1.DoNotSchedule, web)),
			Nodes: three(st.Pods(1, st.Labels("app", "web")), st.Pods(1, st.Labels("app", "web")), st.Pods(1, st.Labels("app", "web")))}, [][]string{{"n1", "n2", "n3"}}},
		{"a running pod's anti-affinity removes its node", scheduling.Input{Pods: st.Pods(1, st.Labels("app", "web")),
			Nodes: three(st.Pods(1, st.PodAntiAffinity(st.Term(corev1.LabelHostname, web))), nil, nil)}, [][]string{{"n2", "n3"}}},
		{"pods are judged one by one", scheduling.Input{Pods: st.Pods(2, st.Requests("3", "1Gi")), Nodes: nodes(node(st.Node("n1")))}, [][]string{{"n1"}, {"n1"}}},
		{"a pod that fits nowhere gets an empty list", scheduling.Input{Pods: st.Pods(1, st.Requests("8", "1Gi")), Nodes: nodes(node(st.Node("n1")))}, [][]string{{}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := scheduling.FeasibleNodes(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}
}
