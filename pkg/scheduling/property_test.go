package scheduling_test

import (
	"fmt"
	"math/rand"
	"testing"

	"github.com/go-logr/logr"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

// deployment kinds the generator draws from; each deployment's pods carry app=<name> and the
// constraint selects only that app, as real workloads do.
const (
	kindPlain = iota
	kindHostAnti
	kindZoneAnti
	kindZoneSpread
	kindHostSpread
	kindZoneAffinity
	kindZoneSelector
	kindArmSelector
	kindTolerating
	kindHostPort
	kindTeam
	numKinds
)

type generated struct {
	in    scheduling.Input
	kinds map[string]int // app -> kind
}

func randomInput(r *rand.Rand) generated {
	g := generated{kinds: map[string]int{}}
	pick := func(v ...string) string { return v[r.Intn(len(v))] }
	var types []*cloudprovider.InstanceType
	for i := 0; i < 3+r.Intn(5); i++ {
		cpu := 1 << r.Intn(5)
		mem := cpu * (2 << r.Intn(3))
		var offers []string
		for _, z := range st.Zones {
			for _, ct := range []string{"spot", "on-demand"} {
				if r.Intn(3) > 0 {
					offers = append(offers, z, ct)
				}
			}
		}
		if len(offers) == 0 {
			offers = []string{"test-zone-a", "on-demand"}
		}
		types = append(types, st.InstanceType(fmt.Sprintf("t%d-%dx%d", i, cpu, mem), fmt.Sprint(cpu), fmt.Sprintf("%dGi", mem),
			st.Arch(pick("amd64", "amd64", "arm64")), st.OnlyOfferings(offers...)))
	}
	for i := 0; i < 1+r.Intn(3); i++ {
		np := scheduling.NodePool{Name: fmt.Sprintf("pool-%d", i), Weight: int32(r.Intn(3)), InstanceTypes: types}
		if r.Intn(3) == 0 {
			np.Taints = []corev1.Taint{{Key: "dedicated", Value: np.Name, Effect: corev1.TaintEffectNoSchedule}}
		}
		if r.Intn(3) == 0 {
			np.Requirements = append(np.Requirements, scheduling.Requirement{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{pick(st.Zones...), pick(st.Zones...)}})
		}
		if r.Intn(3) == 0 {
			np.Labels = map[string]string{"team": pick("red", "blue")}
		}
		if r.Intn(5) == 0 {
			np.Limits = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(fmt.Sprint(8 + r.Intn(40)))}
		}
		g.in.NodePools = append(g.in.NodePools, np)
	}
	for i := 0; i < r.Intn(5); i++ {
		opts := []st.NodeOption{st.Zone(pick(st.Zones...)), st.Allocatable(fmt.Sprint(1+r.Intn(8)), fmt.Sprintf("%dGi", 2+r.Intn(16)))}
		if r.Intn(4) == 0 {
			opts = append(opts, st.Taint("dedicated", "pool-0", corev1.TaintEffectNoSchedule))
		}
		n := st.Node(fmt.Sprintf("node-%d", i), opts...)
		var ps []*corev1.Pod
		for j := 0; j < r.Intn(3); j++ {
			ps = append(ps, st.Pod(st.Labels("app", "legacy"), st.Requests("200m", "256Mi")))
		}
		g.in.Nodes = append(g.in.Nodes, node(n, ps...))
	}
	for i := 0; i < r.Intn(3); i++ {
		var tweak []st.PodOption
		if r.Intn(2) == 0 {
			tweak = append(tweak, st.NodeSelector(corev1.LabelArchStable, "amd64"))
		}
		g.in.DaemonSets = append(g.in.DaemonSets, st.DaemonSet(fmt.Sprintf("ds-%d", i), pick("100m", "250m"), pick("64Mi", "256Mi"), tweak...))
	}
	for d := 0; d < 4+r.Intn(6); d++ {
		app := fmt.Sprintf("app-%d", d)
		kind := r.Intn(numKinds)
		g.kinds[app] = kind
		sel := map[string]string{"app": app}
		opts := []st.PodOption{st.Labels("app", app), st.Requests(pick("100m", "250m", "500m", "1", "2"), pick("128Mi", "512Mi", "1Gi", "3Gi"))}
		switch kind {
		case kindHostAnti:
			opts = append(opts, st.PodAntiAffinity(st.Term(corev1.LabelHostname, sel)))
		case kindZoneAnti:
			opts = append(opts, st.PodAntiAffinity(st.Term(corev1.LabelTopologyZone, sel)))
		case kindZoneSpread:
			opts = append(opts, st.Spread(corev1.LabelTopologyZone, 1, corev1.DoNotSchedule, sel))
		case kindHostSpread:
			opts = append(opts, st.Spread(corev1.LabelHostname, int32(1+r.Intn(2)), corev1.DoNotSchedule, sel))
		case kindZoneAffinity:
			opts = append(opts, st.PodAffinity(st.Term(corev1.LabelTopologyZone, sel)))
		case kindZoneSelector:
			opts = append(opts, st.NodeSelector(corev1.LabelTopologyZone, pick(st.Zones...)))
		case kindArmSelector:
			opts = append(opts, st.NodeSelector(corev1.LabelArchStable, "arm64"))
		case kindTolerating:
			opts = append(opts, st.Toleration("dedicated", "", ""))
		case kindHostPort:
			opts = append(opts, st.HostPort(8080))
		case kindTeam:
			opts = append(opts, st.NodeSelector("team", pick("red", "blue")))
		}
		g.in.Pods = append(g.in.Pods, st.Pods(1+r.Intn(8), opts...)...)
	}
	r.Shuffle(len(g.in.Pods), func(i, j int) { g.in.Pods[i], g.in.Pods[j] = g.in.Pods[j], g.in.Pods[i] })
	return g
}

// vnode is a node as it will exist: an existing node, or a planned NodeClaim realised as its
// cheapest instance type in its cheapest offering.
type vnode struct {
	node *corev1.Node
	pods []*corev1.Pod
	nc   *scheduling.NodeClaim
}

func TestPropertyHardConstraints(t *testing.T) {
	for seed := int64(1); seed <= 150; seed++ {
		g := randomInput(rand.New(rand.NewSource(seed)))
		res, err := scheduling.Solve(g.in)
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		placed := 0
		for _, p := range res.Placements {
			if p.Kind != scheduling.Unplaced {
				placed++
			} else if p.Explanation == nil || len(p.Explanation.NodePools) != len(g.in.NodePools) {
				t.Errorf("seed %d: unplaced pod %s without a reason per nodepool", seed, p.Pod.Name)
			}
		}
		if placed == 0 && len(g.in.Pods) > 0 && len(g.in.NodePools) > 0 {
			t.Logf("seed %d: nothing placed", seed)
		}
		verify(t, seed, g, res)
	}
}

func verify(t *testing.T, seed int64, g generated, res scheduling.Result) {
	t.Helper()
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("seed %d: "+format, append([]any{seed}, args...)...)
	}
	var vns []*vnode
	byName := map[string]*vnode{}
	for _, n := range g.in.Nodes {
		v := &vnode{node: n.Node, pods: append([]*corev1.Pod(nil), n.Pods...)}
		vns = append(vns, v)
		byName[n.Node.Name] = v
	}
	claims := make([]*vnode, len(res.NodeClaims))
	poolOf := map[string]scheduling.NodePool{}
	for _, np := range g.in.NodePools {
		poolOf[np.Name] = np
	}
	for i, nc := range res.NodeClaims {
		labels := map[string]string{}
		for k, v := range nc.InstanceTypes[0].Labels {
			labels[k] = v
		}
		for k, v := range nc.Labels {
			labels[k] = v
		}
		labels[corev1.LabelTopologyZone] = nc.Offering.Zone
		labels[scheduling.LabelCapacityType] = nc.Offering.CapacityType
		labels[corev1.LabelHostname] = nc.Hostname
		n := st.Node(nc.Hostname)
		n.Labels, n.Spec.Taints = labels, nc.Taints
		n.Status.Allocatable = nc.InstanceTypes[0].Allocatable
		claims[i] = &vnode{node: n, nc: nc}
		vns = append(vns, claims[i])
		// Every instance type kept must hold the pods and its daemonset overhead.
		for _, it := range nc.InstanceTypes {
			ds, err := scheduling.DaemonSetOverhead(poolOf[nc.NodePool], it.Name, g.in.DaemonSets)
			if err != nil {
				fail("%v", err)
				continue
			}
			need := nc.PodRequests.DeepCopy()
			addList(need, ds)
			for r, q := range need {
				if a := it.Allocatable[r]; a.Cmp(q) < 0 {
					fail("nodeclaim %d type %s: %s needs %s, allocatable %s", i, it.Name, r, q.String(), a.String())
				}
			}
		}
	}
	where := map[*corev1.Pod]*vnode{}
	for _, p := range res.Placements {
		switch p.Kind {
		case scheduling.ExistingNode:
			where[p.Pod] = byName[p.Node]
		case scheduling.NewNodeClaim:
			where[p.Pod] = claims[p.NodeClaim]
		default:
			continue
		}
		where[p.Pod].pods = append(where[p.Pod].pods, p.Pod)
	}
	zoneConstrained := func(p *corev1.Pod) bool {
		k := g.kinds[p.Labels["app"]]
		return k == kindZoneAnti || k == kindZoneSpread || k == kindZoneAffinity
	}
	for _, v := range vns {
		used := corev1.ResourceList{}
		ports := map[int32]bool{}
		for _, p := range v.pods {
			addList(used, scheduling.PodRequests(p))
			if where[p] == nil {
				continue
			}
			for _, taint := range v.node.Spec.Taints {
				if taint.Effect == corev1.TaintEffectPreferNoSchedule {
					continue
				}
				ok := false
				for _, tol := range p.Spec.Tolerations {
					if tol.ToleratesTaint(logr.Discard(), &taint, true) {
						ok = true
					}
				}
				if !ok {
					fail("pod %s on %s does not tolerate %s", p.Name, v.node.Name, taint.ToString())
				}
			}
			if ok, _ := nodeaffinity.GetRequiredNodeAffinity(p).Match(v.node); !ok {
				fail("pod %s on %s (labels %v) violates its node selector/affinity", p.Name, v.node.Name, v.node.Labels)
			}
			if v.nc != nil && zoneConstrained(p) && v.nc.Labels[corev1.LabelTopologyZone] == "" {
				fail("pod %s (kind %d) with a zonal constraint on nodeclaim %s whose zone is not pinned: %v", p.Name, g.kinds[p.Labels["app"]], v.node.Name, v.nc.Requirements)
			}
		}
		for _, p := range v.pods {
			for _, hp := range podPorts(p) {
				if ports[hp] {
					fail("host port %d used twice on %s", hp, v.node.Name)
				}
				ports[hp] = true
			}
		}
		if v.nc == nil {
			for r, q := range used {
				if a := v.node.Status.Allocatable[r]; a.Cmp(q) < 0 {
					fail("node %s overcommitted on %s", v.node.Name, r)
				}
			}
		}
	}
	// Topology, per deployment.
	apps := map[string][]*vnode{}
	for _, v := range vns {
		for _, p := range v.pods {
			if where[p] != nil {
				apps[p.Labels["app"]] = append(apps[p.Labels["app"]], v)
			}
		}
	}
	universe := map[string]bool{}
	for _, n := range g.in.Nodes {
		universe[n.Node.Labels[corev1.LabelTopologyZone]] = true
	}
	for _, np := range g.in.NodePools {
		for _, it := range np.InstanceTypes {
			for _, o := range it.Offerings {
				allowed := true
				for _, r := range np.Requirements {
					if r.Key == corev1.LabelTopologyZone && !containsStr(r.Values, o.Zone) {
						allowed = false
					}
				}
				if allowed {
					universe[o.Zone] = true
				}
			}
		}
	}
	for app, on := range apps {
		perNode, perZone := map[*vnode]int{}, map[string]int{}
		for _, v := range on {
			perNode[v]++
			perZone[v.node.Labels[corev1.LabelTopologyZone]]++
		}
		switch g.kinds[app] {
		case kindHostAnti:
			for v, n := range perNode {
				if n > 1 {
					fail("%s: %d anti-affine pods on %s", app, n, v.node.Name)
				}
			}
		case kindZoneAnti:
			for z, n := range perZone {
				if n > 1 {
					fail("%s: %d zonal anti-affine pods in %s", app, n, z)
				}
			}
		case kindHostSpread:
			for v, n := range perNode {
				if n > 2 {
					fail("%s: %d hostname-spread pods on %s", app, n, v.node.Name)
				}
			}
		case kindZoneSpread:
			lo, hi := 1<<30, 0
			for z := range universe {
				lo, hi = min(lo, perZone[z]), max(hi, perZone[z])
			}
			if hi-lo > 1 {
				fail("%s: zone skew %d over %v: %v", app, hi-lo, universe, perZone)
			}
		case kindZoneAffinity:
			if len(perZone) > 1 {
				fail("%s: zonal affinity pods in %d zones", app, len(perZone))
			}
		}
	}
}

func podPorts(p *corev1.Pod) []int32 {
	var out []int32
	for _, c := range p.Spec.Containers {
		for _, port := range c.Ports {
			if port.HostPort > 0 {
				out = append(out, port.HostPort)
			}
		}
	}
	return out
}

func containsStr(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

var _ = appsv1.DaemonSet{}
