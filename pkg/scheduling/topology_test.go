package scheduling_test

import (
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

// domainsOfPods returns, per pod, the value of key on the node or NodeClaim it went to.
func domainsOfPods(in scheduling.Input, res scheduling.Result, key string) []string {
	nodeLabels := map[string]map[string]string{}
	for _, n := range in.Nodes {
		nodeLabels[n.Node.Name] = n.Node.Labels
	}
	var out []string
	for _, p := range res.Placements {
		switch p.Kind {
		case scheduling.ExistingNode:
			out = append(out, nodeLabels[p.Node][key])
		case scheduling.NewNodeClaim:
			nc := res.NodeClaims[p.NodeClaim]
			v := nc.Labels[key]
			if key == corev1.LabelHostname {
				v = nc.Hostname
			}
			out = append(out, v)
		default:
			out = append(out, "-")
		}
	}
	return out
}

// spreadAcross checks that the pods use exactly domains values of key and that per-domain
// counts differ by at most maxSkew.
func spreadAcross(in scheduling.Input, key string, domains, maxSkew int) func(*testing.T, scheduling.Result) {
	return func(t *testing.T, res scheduling.Result) {
		t.Helper()
		counts := map[string]int{}
		for _, d := range domainsOfPods(in, res, key) {
			if d != "-" {
				counts[d]++
			}
		}
		if len(counts) != domains {
			t.Errorf("%d %s domains used (%v), want %d", len(counts), key, counts, domains)
		}
		lo, hi := 1<<30, 0
		for _, n := range counts {
			lo, hi = min(lo, n), max(hi, n)
		}
		if hi-lo > maxSkew {
			t.Errorf("skew %d > %d: %v", hi-lo, maxSkew, counts)
		}
	}
}

func TestTopologySpread(t *testing.T) {
	const zone, host = corev1.LabelTopologyZone, corev1.LabelHostname
	web := map[string]string{"app": "web"}
	spreadPods := func(n int, key string, skew int32, opts ...st.PodOption) []*corev1.Pod {
		return st.Pods(n, append([]st.PodOption{st.Labels("app", "web"), st.Spread(key, skew, corev1.DoNotSchedule, web)}, opts...)...)
	}
	var cases []scenario
	add := func(name string, in scheduling.Input, want []outcome, check func(scheduling.Input) func(*testing.T, scheduling.Result)) {
		sc := scenario{name: name, in: in, want: want}
		if check != nil {
			sc.check = check(in)
		}
		cases = append(cases, sc)
	}
	all := func(n int, o outcome) []outcome {
		out := make([]outcome, n)
		for i := range out {
			out[i] = o
		}
		return out
	}
	add("three pods over three zones", scheduling.Input{Pods: spreadPods(3, zone, 1), NodePools: pools(pool("default"))}, all(3, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, zone, 3, 0) })
	add("seven pods over three zones", scheduling.Input{Pods: spreadPods(7, zone, 1), NodePools: pools(pool("default"))}, all(7, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, zone, 3, 1) })
	add("running pods count", scheduling.Input{Pods: spreadPods(1, zone, 1),
		Nodes: nodes(node(st.Node("n1", st.Zone("test-zone-a")), st.Pod(st.Labels("app", "web")), st.Pod(st.Labels("app", "web")))), NodePools: pools(pool("default"))},
		[]outcome{onNew("default")}, func(in scheduling.Input) func(*testing.T, scheduling.Result) {
			return func(t *testing.T, res scheduling.Result) {
				if z := res.NodeClaims[0].Labels[zone]; z == "test-zone-a" || z == "" {
					t.Errorf("zone %q, want b or c", z)
				}
			}
		})
	add("hostname spread puts each pod on its own node", scheduling.Input{Pods: spreadPods(3, host, 1), NodePools: pools(pool("default"))}, all(3, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, host, 3, 0) })
	add("hostname maxSkew 2 allows pairs", scheduling.Input{Pods: spreadPods(4, host, 2), NodePools: pools(pool("default"))}, all(4, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, host, 2, 0) })
	add("hostname spread uses the emptier existing node", scheduling.Input{Pods: spreadPods(1, host, 1),
		Nodes: nodes(node(st.Node("n1"), st.Pod(st.Labels("app", "web"))), node(st.Node("n2"))), NodePools: pools(pool("default"))},
		[]outcome{onNode("n2")}, nil)
	oneZonePool := pool("zone-a", withReq(zone, corev1.NodeSelectorOpIn, "test-zone-a"))
	crowded := nodes(node(st.Node("n1", st.Zone("test-zone-a"), st.Allocatable("1", "1Gi")), st.Pod(st.Labels("app", "web"), st.Requests("300m", "100Mi")), st.Pod(st.Labels("app", "web"), st.Requests("300m", "100Mi"))),
		node(st.Node("n2", st.Zone("test-zone-b"), st.Taint("full", "", corev1.TaintEffectNoSchedule))))
	add("DoNotSchedule fails when the only reachable zone is over the skew", scheduling.Input{Pods: spreadPods(1, zone, 1), Nodes: crowded, NodePools: pools(oneZonePool)},
		[]outcome{fails("zone-a", scheduling.ReasonTopology, "topology spread topology.kubernetes.io/zone maxSkew=1 selecting app=web")}, nil)
	add("ScheduleAnyway is relaxed in the same situation", scheduling.Input{
		Pods: st.Pods(1, st.Labels("app", "web"), st.Spread(zone, 1, corev1.ScheduleAnyway, web)), Nodes: crowded, NodePools: pools(oneZonePool)},
		[]outcome{onNode("n1")}, nil)
	minDomains := func(n int32) func(*corev1.TopologySpreadConstraint) {
		return func(c *corev1.TopologySpreadConstraint) { c.MinDomains = &n }
	}
	add("minDomains above the zone count caps each zone at maxSkew", scheduling.Input{
		Pods: st.Pods(4, st.Labels("app", "web"), st.Spread(zone, 1, corev1.DoNotSchedule, web, minDomains(5))), NodePools: pools(pool("default"))},
		append(all(3, onNew("default")), fails("default", scheduling.ReasonTopology, "global minimum 0")), nil)
	abOnly := st.RequiredNodeAffinity(st.Expr(zone, corev1.NodeSelectorOpIn, "test-zone-a", "test-zone-b"))
	add("nodeAffinityPolicy Honor spreads over the pod's zones only", scheduling.Input{Pods: spreadPods(4, zone, 1, abOnly), NodePools: pools(pool("default"))}, all(4, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, zone, 2, 0) })
	ignore := corev1.NodeInclusionPolicyIgnore
	add("nodeAffinityPolicy Ignore counts the zone the pod cannot use", scheduling.Input{
		Pods:      st.Pods(3, st.Labels("app", "web"), abOnly, st.Spread(zone, 1, corev1.DoNotSchedule, web, func(c *corev1.TopologySpreadConstraint) { c.NodeAffinityPolicy = &ignore })),
		NodePools: pools(pool("default"))},
		[]outcome{onNew("default"), onNew("default"), fails("default", scheduling.ReasonTopology, "")}, nil)
	honor := corev1.NodeInclusionPolicyHonor
	taintedC := nodes(node(st.Node("nc", st.Zone("test-zone-c"), st.Taint("x", "", corev1.TaintEffectNoSchedule))))
	abPools := pools(pool("ab", withReq(zone, corev1.NodeSelectorOpIn, "test-zone-a", "test-zone-b")))
	add("nodeTaintsPolicy Honor leaves a tainted zone out", scheduling.Input{
		Pods:  st.Pods(4, st.Labels("app", "web"), st.Spread(zone, 1, corev1.DoNotSchedule, web, func(c *corev1.TopologySpreadConstraint) { c.NodeTaintsPolicy = &honor })),
		Nodes: taintedC, NodePools: abPools}, all(4, onNew("ab")), nil)
	add("nodeTaintsPolicy Ignore (default) counts the tainted zone", scheduling.Input{Pods: spreadPods(3, zone, 1), Nodes: taintedC, NodePools: abPools},
		[]outcome{onNew("ab"), onNew("ab"), fails("ab", scheduling.ReasonTopology, "")}, nil)
	add("matchLabelKeys spreads each version on its own", scheduling.Input{
		Pods: append(st.Pods(2, st.Labels("app", "web", "version", "v1"), st.Spread(host, 1, corev1.DoNotSchedule, web, func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"version"} })),
			st.Pods(2, st.Labels("app", "web", "version", "v2"), st.Spread(host, 1, corev1.DoNotSchedule, web, func(c *corev1.TopologySpreadConstraint) { c.MatchLabelKeys = []string{"version"} }))...),
		NodePools: pools(pool("default"))}, all(4, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) {
			return func(t *testing.T, res scheduling.Result) { claimCount(2)(t, res) }
		})
	add("spread on capacity type", scheduling.Input{Pods: spreadPods(2, scheduling.LabelCapacityType, 1), NodePools: pools(pool("default"))}, all(2, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) {
			return func(t *testing.T, res scheduling.Result) {
				if len(res.NodeClaims) != 2 || res.NodeClaims[0].Offering.CapacityType == res.NodeClaims[1].Offering.CapacityType {
					t.Errorf("want one spot and one on-demand nodeclaim")
				}
			}
		})
	add("a spread that does not select the pod only counts others", scheduling.Input{
		Pods: st.Pods(3, st.Labels("app", "api"), st.Spread(host, 1, corev1.DoNotSchedule, web)), NodePools: pools(pool("default"))}, all(3, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) {
			return func(t *testing.T, res scheduling.Result) { claimCount(1)(t, res) }
		})
	add("spread on a key no node carries fails", scheduling.Input{Pods: spreadPods(1, "rack", 1), NodePools: pools(pool("default"))},
		[]outcome{fails("default", scheduling.ReasonTopology, "has no rack label")}, nil)
	add("spread on a template label key", scheduling.Input{Pods: spreadPods(2, "rack", 1), NodePools: pools(pool("default", withReq("rack", corev1.NodeSelectorOpIn, "r1", "r2")))}, all(2, onNew("default")),
		func(in scheduling.Input) func(*testing.T, scheduling.Result) { return spreadAcross(in, "rack", 2, 0) })
	runScenarios(t, cases)
}
