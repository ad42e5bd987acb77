package scheduling_test

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func TestLimitsAndInFlight(t *testing.T) {
	cpu := corev1.ResourceCPU
	anti := []st.PodOption{st.Labels("app", "web"), st.PodAntiAffinity(st.Term(corev1.LabelHostname, map[string]string{"app": "web"}))}
	managed := st.Node("n1", st.NodeLabels(scheduling.LabelNodePool, "default"), st.Allocatable("4", "16Gi"))
	inflight := scheduling.InFlightNodeClaim{Name: "nc-1", NodePool: "default", InstanceTypes: []string{"medium"}, Labels: map[string]string{corev1.LabelTopologyZone: "test-zone-a"}}
	runScenarios(t, []scenario{
		{name: "the cpu limit stops the second nodeclaim", in: scheduling.Input{Pods: st.Pods(2, st.Requests("3", "1Gi")), NodePools: pools(pool("default", withLimit(cpu, "4")))},
			want: []outcome{onNew("default"), fails("default", scheduling.ReasonLimits, "limit cpu reached: 4 of 4 used")}},
		{name: "usage counts against the limit", in: scheduling.Input{Pods: pods(st.Pod(st.Requests("1", "1Gi")), st.Pod(st.Requests("1500m", "1Gi"))), NodePools: pools(pool("default", withLimit(cpu, "16"), withUsage(cpu, "14")))},
			want: []outcome{fails("default", scheduling.ReasonLimits, "limit cpu reached: 16 of 16 used"), onNew("default")}},
		{name: "without usage the pool's nodes are counted", in: scheduling.Input{Pods: st.Pods(1, st.Requests("2", "1Gi")),
			Nodes: nodes(node(managed, st.Pod(st.Requests("3", "1Gi")))), NodePools: pools(pool("default", withLimit(cpu, "5")))},
			want: []outcome{fails("default", scheduling.ReasonLimits, "limit cpu reached")}},
		{name: "without usage in-flight nodeclaims are counted", in: scheduling.Input{Pods: st.Pods(1, st.Requests("3", "1Gi")),
			InFlight: []scheduling.InFlightNodeClaim{func() scheduling.InFlightNodeClaim {
				nc := inflight
				nc.Pods = pods(st.Pod(st.Requests("1", "1Gi")))
				return nc
			}()}, NodePools: pools(pool("default", withLimit(cpu, "6")))},
			want: []outcome{fails("default", scheduling.ReasonLimits, "limit cpu reached: 4 of 6 used")}},
		{name: "the node limit stops new nodes", in: scheduling.Input{Pods: st.Pods(2, anti...), NodePools: pools(pool("default", withLimit("nodes", "1")))},
			want: []outcome{onNew("default"), fails("default", scheduling.ReasonLimits, "limit nodes reached")}},
		{name: "an exhausted heavier pool falls through to the next", in: scheduling.Input{Pods: st.Pods(2, append(anti, st.Requests("1", "1Gi"))...),
			NodePools: pools(pool("heavy", withWeight(10), withLimit(cpu, "2")), pool("light"))},
			want: []outcome{onNew("heavy"), onNew("light")}},
		{name: "a pod fits an in-flight nodeclaim", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi")), InFlight: []scheduling.InFlightNodeClaim{inflight}, NodePools: pools(pool("default"))},
			want: []outcome{onInFlight("nc-1")}},
		{name: "an in-flight nodeclaim's nominated pods use its room", in: scheduling.Input{Pods: st.Pods(1, st.Requests("1", "1Gi")),
			InFlight: []scheduling.InFlightNodeClaim{func() scheduling.InFlightNodeClaim {
				nc := inflight
				nc.Pods = pods(st.Pod(st.Requests("3500m", "1Gi")))
				return nc
			}()}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "an in-flight nodeclaim with a node is skipped", in: scheduling.Input{Pods: st.Pods(1), InFlight: []scheduling.InFlightNodeClaim{func() scheduling.InFlightNodeClaim {
			nc := inflight
			nc.HasNode = true
			return nc
		}()}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
		{name: "an in-flight nodeclaim's zone is honoured", in: scheduling.Input{Pods: st.Pods(1, st.NodeSelector(corev1.LabelTopologyZone, "test-zone-b")), InFlight: []scheduling.InFlightNodeClaim{inflight}, NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}},
	})
}

func TestPacking(t *testing.T) {
	runScenarios(t, []scenario{
		{name: "small pods share one nodeclaim", in: scheduling.Input{Pods: st.Pods(3, st.Requests("1", "1Gi")), NodePools: pools(pool("default"))},
			want: []outcome{onClaim("default", 0), onClaim("default", 0), onClaim("default", 0)}, check: cheapestIs("medium")},
		{name: "more than the largest type holds opens more nodeclaims", in: scheduling.Input{Pods: st.Pods(17, st.Requests("1", "1Gi")), NodePools: pools(pool("default"))},
			want: func() []outcome {
				out := make([]outcome, 17)
				for i := range out {
					out[i] = onNew("default")
				}
				return out
			}(), check: func(t *testing.T, res scheduling.Result) {
				if len(res.NodeClaims) < 2 || len(res.NodeClaims) > 6 {
					t.Errorf("%d nodeclaims, want 2 to 6", len(res.NodeClaims))
				}
			}},
		{name: "growing stops where a node of its own is much cheaper", in: scheduling.Input{Pods: st.Pods(2, st.Requests("1500m", "1Gi")),
			NodePools: pools(pool("default", withTypes(st.InstanceType("small", "2", "4Gi"), st.InstanceType("huge", "64", "1024Gi"))))},
			want: []outcome{onClaim("default", 0), onClaim("default", 1)}, check: cheapestIs("small")},
		{name: "an existing node is filled before a nodeclaim is planned", in: scheduling.Input{Pods: st.Pods(2, st.Requests("1", "1Gi")), Nodes: nodes(node(st.Node("n1"))), NodePools: pools(pool("default"))},
			want: []outcome{onNode("n1"), onNode("n1")}, check: claimCount(0)},
		{name: "a pool without instance types", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("empty", withTypes()))},
			want: []outcome{fails("empty", scheduling.ReasonNoInstanceType, "no instance type with an available offering")}},
		{name: "nothing at all", in: scheduling.Input{Pods: st.Pods(1)},
			want: []outcome{fails("", "", "no existing nodes; no NodePool")}},
		{name: "the pool's requirements are on the nodeclaim", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default", withReq(scheduling.LabelCapacityType, corev1.NodeSelectorOpIn, "on-demand"), withLabel("team", "a")))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				nc := res.NodeClaims[0]
				if nc.Labels["team"] != "a" || nc.Labels[scheduling.LabelCapacityType] != "on-demand" || nc.Labels[scheduling.LabelNodePool] != "default" {
					t.Errorf("labels %v", nc.Labels)
				}
				found := false
				for _, r := range nc.Requirements {
					if r.Key == corev1.LabelInstanceTypeStable && r.Operator == corev1.NodeSelectorOpIn && len(r.Values) == 3 {
						found = true
					}
				}
				if !found {
					t.Errorf("no instance-type requirement with the 3 types in %v", nc.Requirements)
				}
			}},
		{name: "instance types are sorted by price", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default"))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				its := res.NodeClaims[0].InstanceTypes
				for i := 1; i < len(its); i++ {
					a, _ := its[i-1].Offerings.Available().Cheapest()
					b, _ := its[i].Offerings.Available().Cheapest()
					if a.Price > b.Price {
						t.Errorf("%s (%v) before %s (%v)", its[i-1].Name, a.Price, its[i].Name, b.Price)
					}
				}
			}},
	})
}

func manyTypes(n int, family func(i int) string) []*cloudprovider.InstanceType {
	var out []*cloudprovider.InstanceType
	for i := 1; i <= n; i++ {
		it := st.InstanceType(fmt.Sprintf("t%03d", i), fmt.Sprint(i+1), fmt.Sprintf("%dGi", 4*(i+1)))
		it.Labels[scheduling.LabelInstanceFamly] = family(i)
		out = append(out, it)
	}
	return out
}

func TestInstanceTypeTruncation(t *testing.T) {
	sameFamily := manyTypes(100, func(i int) string {
		if i == 100 {
			return "rare"
		}
		return "common"
	})
	runScenarios(t, []scenario{
		{name: "options are cut to the 60 cheapest", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default", withTypes(manyTypes(100, func(int) string { return "f" })...)))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				its := res.NodeClaims[0].InstanceTypes
				if len(its) != 60 || its[0].Name != "t001" || its[59].Name != "t060" {
					t.Errorf("%d types, first %s last %s", len(its), its[0].Name, its[len(its)-1].Name)
				}
			}},
		{name: "minValues keeps a dear type of another family", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default", withTypes(sameFamily...), withMinValues(scheduling.LabelInstanceFamly, 2)))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				its := res.NodeClaims[0].InstanceTypes
				if len(its) != 60 || its[len(its)-1].Name != "t100" {
					t.Errorf("%d types, last %s", len(its), its[len(its)-1].Name)
				}
			}},
		{name: "minValues on instance types", in: scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default", withMinValues(corev1.LabelInstanceTypeStable, 2)))},
			want: []outcome{onNew("default")}, check: func(t *testing.T, res scheduling.Result) {
				if n := len(res.NodeClaims[0].InstanceTypes); n < 2 {
					t.Errorf("%d types", n)
				}
			}},
		{name: "a pod that leaves fewer types than minValues", in: scheduling.Input{Pods: st.Pods(1, st.NodeSelector(corev1.LabelInstanceTypeStable, "small")), NodePools: pools(pool("default", withMinValues(corev1.LabelInstanceTypeStable, 2)))},
			want: []outcome{fails("default", scheduling.ReasonMinValues, "only 1 distinct node.kubernetes.io/instance-type values would remain, minValues is 2")}},
		{name: "a big pod that leaves fewer types than minValues", in: scheduling.Input{Pods: st.Pods(1, st.Requests("10", "1Gi")), NodePools: pools(pool("default", withMinValues(corev1.LabelInstanceTypeStable, 2)))},
			want: []outcome{fails("default", scheduling.ReasonMinValues, "")}},
	})
	_ = resource.Quantity{}
}

// A planned NodeClaim holds against the limit only what it could launch as: the largest of the
// cheapest MaxInstanceTypes options, not the largest compatible type. Otherwise a few small
// NodeClaims exhaust a limit their nodes are far from.
func TestLimitReservationCountsOnlyTheTypesKept(t *testing.T) {
	types := st.DiverseInstanceTypes(70) // type i: i vCPU at a price growing with i
	anti := []st.PodOption{st.Requests("500m", "128Mi"), st.Labels("app", "solo"),
		st.PodAntiAffinity(st.Term(corev1.LabelHostname, map[string]string{"app": "solo"}))}
	np := scheduling.NodePool{Name: "default", InstanceTypes: types,
		Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("30")}}
	res, err := scheduling.Solve(scheduling.Input{Pods: st.Pods(10, anti...), NodePools: []scheduling.NodePool{np}, MaxInstanceTypes: 5})
	if err != nil {
		t.Fatal(err)
	}
	// Each NodeClaim keeps types 1..5 vCPU, so reserves 5: six fit under 30.
	if got := len(res.NodeClaims); got != 6 {
		t.Fatalf("planned %d NodeClaims under a 30 cpu limit with 5-vCPU reservations, want 6", got)
	}
	for _, nc := range res.NodeClaims {
		if len(nc.InstanceTypes) != 5 {
			t.Errorf("NodeClaim keeps %d types, want 5", len(nc.InstanceTypes))
		}
	}
	if got := len(res.Unplaced()); got != 4 {
		t.Errorf("%d pods unplaced, want 4 turned away by the limit", got)
	}
}
