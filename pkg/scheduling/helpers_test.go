package scheduling_test

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

// Default catalog for the table tests: three sizes, spot and on-demand in three zones.
func defaultTypes() []*cloudprovider.InstanceType {
	return []*cloudprovider.InstanceType{
		st.InstanceType("small", "2", "4Gi"),
		st.InstanceType("medium", "4", "16Gi"),
		st.InstanceType("large", "16", "64Gi"),
	}
}

type poolOption func(*scheduling.NodePool)

// pool returns a NodePool over the default catalog (or types given by withTypes).
func pool(name string, opts ...poolOption) scheduling.NodePool {
	np := scheduling.NodePool{Name: name, InstanceTypes: defaultTypes()}
	for _, o := range opts {
		o(&np)
	}
	return np
}

func withTypes(its ...*cloudprovider.InstanceType) poolOption {
	return func(np *scheduling.NodePool) { np.InstanceTypes = its }
}
func withWeight(w int32) poolOption { return func(np *scheduling.NodePool) { np.Weight = w } }
func withTaint(key, value string, effect corev1.TaintEffect) poolOption {
	return func(np *scheduling.NodePool) {
		np.Taints = append(np.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}
func withStartupTaint(key string) poolOption {
	return func(np *scheduling.NodePool) {
		np.StartupTaints = append(np.StartupTaints, corev1.Taint{Key: key, Effect: corev1.TaintEffectNoSchedule})
	}
}
func withLabel(k, v string) poolOption {
	return func(np *scheduling.NodePool) {
		if np.Labels == nil {
			np.Labels = map[string]string{}
		}
		np.Labels[k] = v
	}
}
func withReq(key string, op corev1.NodeSelectorOperator, values ...string) poolOption {
	return func(np *scheduling.NodePool) {
		np.Requirements = append(np.Requirements, scheduling.Requirement{Key: key, Operator: op, Values: values})
	}
}
func withMinValues(key string, n int) poolOption {
	return func(np *scheduling.NodePool) {
		np.Requirements = append(np.Requirements, scheduling.Requirement{Key: key, Operator: corev1.NodeSelectorOpExists, MinValues: &n})
	}
}
func withLimit(name corev1.ResourceName, q string) poolOption {
	return func(np *scheduling.NodePool) {
		if np.Limits == nil {
			np.Limits = corev1.ResourceList{}
		}
		np.Limits[name] = resource.MustParse(q)
	}
}
func withUsage(name corev1.ResourceName, q string) poolOption {
	return func(np *scheduling.NodePool) {
		if np.Usage == nil {
			np.Usage = corev1.ResourceList{}
		}
		np.Usage[name] = resource.MustParse(q)
	}
}

// node pairs a node with the pods bound to it.
func node(n *corev1.Node, pods ...*corev1.Pod) scheduling.Node {
	for _, p := range pods {
		p.Spec.NodeName = n.Name
		p.Status.Phase = corev1.PodRunning
	}
	return scheduling.Node{Node: n, Pods: pods}
}

// outcome is what a table expects for one pod.
type outcome struct {
	kind scheduling.PlacementKind
	// node names the existing node or in-flight NodeClaim.
	node string
	// pool is the NodePool of the new NodeClaim, or, for an unplaced pod, the NodePool whose
	// reason is checked ("" checks the first).
	pool string
	// claim, when >= 0 for a new NodeClaim, is the NodeClaim index expected.
	claim int
	// reason is the expected Reason.Kind for an unplaced pod (per pool above).
	reason scheduling.ReasonKind
	// contains must appear in the explanation's compact form.
	contains string
}

func onNode(name string) outcome {
	return outcome{kind: scheduling.ExistingNode, node: name, claim: -1}
}
func onNew(pool string) outcome { return outcome{kind: scheduling.NewNodeClaim, pool: pool, claim: -1} }
func onClaim(pool string, i int) outcome {
	return outcome{kind: scheduling.NewNodeClaim, pool: pool, claim: i}
}
func onInFlight(name string) outcome {
	return outcome{kind: scheduling.InFlight, node: name, claim: -1}
}
func fails(pool string, reason scheduling.ReasonKind, contains string) outcome {
	return outcome{kind: scheduling.Unplaced, pool: pool, reason: reason, contains: contains, claim: -1}
}

type scenario struct {
	name  string
	in    scheduling.Input
	want  []outcome
	check func(t *testing.T, res scheduling.Result)
}

func runScenarios(t *testing.T, cases []scenario) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := scheduling.Solve(tc.in)
			if err != nil {
				t.Fatalf("Solve: %v", err)
			}
			if len(tc.want) != len(tc.in.Pods) {
				t.Fatalf("test has %d outcomes for %d pods", len(tc.want), len(tc.in.Pods))
			}
			for i, w := range tc.want {
				assertOutcome(t, res, i, w)
			}
			assertConsistent(t, tc.in, res)
			if tc.check != nil {
				tc.check(t, res)
			}
		})
	}
}

func assertOutcome(t *testing.T, res scheduling.Result, i int, w outcome) {
	t.Helper()
	p := res.Placements[i]
	if p.Kind != w.kind {
		msg := ""
		if p.Explanation != nil {
			msg = p.Explanation.Full()
		}
		t.Fatalf("pod %d (%s): placed %s %q claim %d, want %s\n%s", i, p.Pod.Name, p.Kind, p.Node, p.NodeClaim, w.kind, msg)
	}
	switch w.kind {
	case scheduling.ExistingNode, scheduling.InFlight:
		if p.Node != w.node {
			t.Errorf("pod %d: on %q, want %q", i, p.Node, w.node)
		}
	case scheduling.NewNodeClaim:
		nc := res.NodeClaims[p.NodeClaim]
		if w.pool != "" && nc.NodePool != w.pool {
			t.Errorf("pod %d: new nodeclaim from %q, want %q", i, nc.NodePool, w.pool)
		}
		if w.claim >= 0 && p.NodeClaim != w.claim {
			t.Errorf("pod %d: on nodeclaim %d, want %d", i, p.NodeClaim, w.claim)
		}
	case scheduling.Unplaced:
		e := p.Explanation
		if e == nil {
			t.Fatalf("pod %d: unplaced without explanation", i)
		}
		if w.reason != "" {
			found := false
			for _, np := range e.NodePools {
				if w.pool == "" || np.NodePool == w.pool {
					found = true
					if np.Reason.Kind != w.reason {
						t.Errorf("pod %d: nodepool %s reason %s (%s), want %s", i, np.NodePool, np.Reason.Kind, np.Reason.Message, w.reason)
					}
					break
				}
			}
			if !found {
				t.Errorf("pod %d: no reason for nodepool %q in %s", i, w.pool, e.Compact())
			}
		}
		if w.contains != "" && !strings.Contains(e.Compact(), w.contains) {
			t.Errorf("pod %d: explanation %q does not contain %q", i, e.Compact(), w.contains)
		}
		if len(e.Compact()) > 1024 {
			t.Errorf("pod %d: compact explanation is %d bytes", i, len(e.Compact()))
		}
	}
}

// assertConsistent checks invariants every result must hold: each planned NodeClaim has at
// least one instance type, every one of its types holds its pods plus daemonset overhead, and
// existing nodes are not overcommitted.
func assertConsistent(t *testing.T, in scheduling.Input, res scheduling.Result) {
	t.Helper()
	for i, nc := range res.NodeClaims {
		if len(nc.InstanceTypes) == 0 {
			t.Fatalf("nodeclaim %d has no instance types", i)
		}
		if len(nc.InstanceTypes) > scheduling.DefaultMaxInstanceTypes {
			t.Errorf("nodeclaim %d has %d instance types", i, len(nc.InstanceTypes))
		}
		for _, it := range nc.InstanceTypes[:1] {
			need := nc.PodRequests.DeepCopy()
			for n, q := range nc.DaemonSetRequests {
				x := need[n]
				x.Add(q)
				need[n] = x
			}
			for n, q := range need {
				if a := it.Allocatable[n]; a.Cmp(q) < 0 {
					t.Errorf("nodeclaim %d: %s needs %s %s, has %s", i, it.Name, n, q.String(), a.String())
				}
			}
		}
	}
	used := map[string]corev1.ResourceList{}
	for _, n := range in.Nodes {
		l := corev1.ResourceList{}
		for _, p := range n.Pods {
			addList(l, scheduling.PodRequests(p))
		}
		used[n.Node.Name] = l
	}
	for _, p := range res.Placements {
		if p.Kind == scheduling.ExistingNode {
			addList(used[p.Node], scheduling.PodRequests(p.Pod))
		}
	}
	for _, n := range in.Nodes {
		for name, q := range used[n.Node.Name] {
			if a := n.Node.Status.Allocatable[name]; a.Cmp(q) < 0 {
				t.Errorf("node %s overcommitted on %s: %s > %s", n.Node.Name, name, q.String(), a.String())
			}
		}
	}
}

func addList(to, l corev1.ResourceList) {
	for n, q := range l {
		x := to[n]
		x.Add(q)
		to[n] = x
	}
}

// pods is shorthand for a list.
func pods(p ...*corev1.Pod) []*corev1.Pod { return p }

func nodes(n ...scheduling.Node) []scheduling.Node { return n }

func pools(p ...scheduling.NodePool) []scheduling.NodePool { return p }
