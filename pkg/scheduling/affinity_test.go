package scheduling_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func sameDomain(in scheduling.Input, key string) func(*testing.T, scheduling.Result) {
	return func(t *testing.T, res scheduling.Result) {
		t.Helper()
		ds := domainsOfPods(in, res, key)
		for _, d := range ds {
			if d != ds[0] || d == "" {
				t.Errorf("pods not in one %s: %v", key, ds)
				return
			}
		}
	}
}

func TestPodAffinity(t *testing.T) {
	const zone, host = corev1.LabelTopologyZone, corev1.LabelHostname
	web, db := map[string]string{"app": "web"}, map[string]string{"app": "db"}
	selfAff := func(n int, key string) []*corev1.Pod {
		return st.Pods(n, st.Labels("app", "web"), st.PodAffinity(st.Term(key, web)))
	}
	anti := func(n int, key string, opts ...st.PodOption) []*corev1.Pod {
		return st.Pods(n, append([]st.PodOption{st.Labels("app", "web"), st.PodAntiAffinity(st.Term(key, web))}, opts...)...)
	}
	fullNode := func(name, z string, p ...*corev1.Pod) scheduling.Node {
		return node(st.Node(name, st.Zone(z), st.Allocatable("200m", "256Mi")), p...)
	}
	var cases []scenario
	self3 := scheduling.Input{Pods: selfAff(3, zone), NodePools: pools(pool("default"))}
	cases = append(cases,
		scenario{name: "zonal self-affinity keeps pods in one zone", in: self3, want: []outcome{onNew("default"), onNew("default"), onNew("default")}, check: sameDomain(self3, zone)},
		scenario{name: "hostname affinity to a running pod", in: scheduling.Input{Pods: st.Pods(1, st.PodAffinity(st.Term(host, db))),
			Nodes: nodes(node(st.Node("n1")), node(st.Node("n2"), st.Pod(st.Labels("app", "db")))), NodePools: pools(pool("default"))}, want: []outcome{onNode("n2")}},
		scenario{name: "zonal affinity to a running pod on a full node opens a node in its zone", in: scheduling.Input{Pods: st.Pods(1, st.PodAffinity(st.Term(zone, db))),
			Nodes: nodes(fullNode("n1", "test-zone-b", st.Pod(st.Labels("app", "db"), st.Requests("200m", "100Mi")))), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: labelIs(zone, "test-zone-b")},
		scenario{name: "affinity to pods that do not exist", in: scheduling.Input{Pods: st.Pods(1, st.PodAffinity(st.Term(zone, db))), NodePools: pools(pool("default"))},
			want: []outcome{fails("default", scheduling.ReasonAffinity, "pod affinity on topology.kubernetes.io/zone selecting app=db: no pod matching the term runs anywhere yet")}},
		scenario{name: "affinity to a pod placed earlier in the run", in: scheduling.Input{Pods: pods(st.Pod(st.Labels("app", "db"), st.Requests("1", "1Gi")), st.Pod(st.PodAffinity(st.Term(host, db)))),
			NodePools: pools(pool("default"))}, want: []outcome{onClaim("default", 0), onClaim("default", 0)}},
		scenario{name: "affinity to a pod placed later in the run is retried", in: scheduling.Input{Pods: pods(st.Pod(st.Labels("app", "db"), st.Requests("100m", "1Gi")), st.Pod(st.Requests("1", "1Gi"), st.PodAffinity(st.Term(host, db)))),
			NodePools: pools(pool("default"))}, want: []outcome{onClaim("default", 0), onClaim("default", 0)}},
		scenario{name: "hostname anti-affinity gives each pod a node", in: scheduling.Input{Pods: anti(3, host), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default"), onNew("default"), onNew("default")}, check: claimCount(3)},
		scenario{name: "zonal anti-affinity runs out of zones", in: scheduling.Input{Pods: anti(4, zone), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default"), onNew("default"), onNew("default"), fails("default", scheduling.ReasonAntiAffinity, "pod anti-affinity on topology.kubernetes.io/zone selecting app=web")}},
		scenario{name: "a running pod's anti-affinity repels the new pod", in: scheduling.Input{Pods: st.Pods(1, st.Labels("app", "web")),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.PodAntiAffinity(st.Term(host, web))))), NodePools: pools(pool("default"))}, want: []outcome{onNew("default")}},
		scenario{name: "a running pod's anti-affinity is explained", in: scheduling.Input{Pods: st.Pods(1, st.Labels("app", "web")),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.PodAntiAffinity(st.Term(host, web)))))}, want: []outcome{fails("", "", "1 didn't match pod anti-affinity rules")}},
		scenario{name: "anti-affinity to a running pod picks the other node", in: scheduling.Input{Pods: st.Pods(1, st.PodAntiAffinity(st.Term(host, db))),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "db"))), node(st.Node("n2"))), NodePools: pools(pool("default"))}, want: []outcome{onNode("n2")}},
		scenario{name: "preferred anti-affinity is honoured when it can be", in: scheduling.Input{Pods: st.Pods(2, st.Labels("app", "web"), st.PreferredPodAntiAffinity(10, st.Term(host, web))),
			NodePools: pools(pool("default"))}, want: []outcome{onNew("default"), onNew("default")}, check: claimCount(2)},
		scenario{name: "preferred anti-affinity is relaxed when it cannot be", in: scheduling.Input{Pods: st.Pods(2, st.Labels("app", "web"), st.PreferredPodAntiAffinity(10, st.Term(host, web))),
			Nodes: nodes(node(st.Node("n1")))}, want: []outcome{onNode("n1"), onNode("n1")}},
		scenario{name: "preferred affinity picks the node with the pod", in: scheduling.Input{Pods: st.Pods(1, st.PreferredPodAffinity(10, st.Term(host, db))),
			Nodes: nodes(node(st.Node("n1")), node(st.Node("n2"), st.Pod(st.Labels("app", "db")))), NodePools: pools(pool("default"))}, want: []outcome{onNode("n2")}},
		scenario{name: "a term only sees its own namespace", in: scheduling.Input{Pods: st.Pods(1, st.Namespace("other"), st.PodAntiAffinity(st.Term(host, db))),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "db"))))}, want: []outcome{onNode("n1")}},
		scenario{name: "an empty namespace selector sees every namespace", in: scheduling.Input{Pods: st.Pods(1, st.Namespace("other"), st.PodAntiAffinity(func() corev1.PodAffinityTerm {
			t := st.Term(host, db)
			t.NamespaceSelector = &metav1.LabelSelector{}
			return t
		}())), Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "db"))))}, want: []outcome{fails("", "", "anti-affinity")}},
		scenario{name: "affinity on a key the node lacks fails there", in: scheduling.Input{Pods: st.Pods(1, st.PodAffinity(st.Term("rack", db))),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "db"))))}, want: []outcome{fails("", "", "1 didn't match pod affinity rules")}},
		scenario{name: "anti-affinity on a key the node lacks does not block", in: scheduling.Input{Pods: st.Pods(1, st.PodAntiAffinity(st.Term("rack", db))),
			Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "db"))))}, want: []outcome{onNode("n1")}},
	)
	runScenarios(t, cases)
}
