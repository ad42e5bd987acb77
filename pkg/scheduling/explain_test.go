package scheduling_test

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	st "github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling/schedulingtest"
)

func explainOne(t *testing.T, in scheduling.Input) *scheduling.Explanation {
	t.Helper()
	res, err := scheduling.Solve(in)
	if err != nil {
		t.Fatal(err)
	}
	e := res.Placements[0].Explanation
	if e == nil {
		t.Fatalf("pod placed as %s, want unplaced", res.Placements[0].Kind)
	}
	return e
}

func TestExplanationForms(t *testing.T) {
	var ns []scheduling.Node
	for i := 0; i < 1000; i++ {
		opts := []st.NodeOption{st.Allocatable("1", "1Gi")}
		if i%3 == 0 {
			opts = append(opts, st.Taint("team", fmt.Sprint(i%2), corev1.TaintEffectNoSchedule))
		}
		ns = append(ns, node(st.Node(fmt.Sprintf("node-%04d", i), opts...)))
	}
	var ps []scheduling.NodePool
	for i := 0; i < 40; i++ {
		ps = append(ps, pool(fmt.Sprintf("pool-with-a-rather-long-name-%02d", i), withTaint("dedicated", fmt.Sprintf("team-%d", i), corev1.TaintEffectNoSchedule)))
	}
	e := explainOne(t, scheduling.Input{Pods: st.Pods(1, st.Requests("2", "1Gi")), Nodes: ns, NodePools: ps})

	t.Run("compact stays under a kilobyte and starts like kube-scheduler", func(t *testing.T) {
		c := e.Compact()
		if len(c) > 1024 {
			t.Errorf("compact form is %d bytes", len(c))
		}
		if !strings.HasPrefix(c, "0/1000 nodes are available: 1000 Insufficient cpu") {
			t.Errorf("compact form %q", c)
		}
		if strings.Contains(c, "\n") {
			t.Error("compact form has a newline")
		}
		if e.String() != c {
			t.Error("String is not the compact form")
		}
	})
	t.Run("nodes are summarised, not listed", func(t *testing.T) {
		if len(e.Nodes) != 1000 || len(e.NodeSummary) != 1 || e.NodeSummary[0].Count != 1000 {
			t.Errorf("%d nodes, summary %+v", len(e.Nodes), e.NodeSummary)
		}
		full := e.Full()
		if n := strings.Count(full, "node-"); n > 30 {
			t.Errorf("full form names %d nodes", n)
		}
		if !strings.Contains(full, "... and 980 more nodes") {
			t.Errorf("full form does not say how many nodes it left out")
		}
	})
	t.Run("every nodepool has a reason and the full form a fix", func(t *testing.T) {
		if len(e.NodePools) != 40 {
			t.Fatalf("%d nodepool reasons", len(e.NodePools))
		}
		r := e.NodePools[0].Reason
		if r.Kind != scheduling.ReasonTaint || r.Taint == nil || r.Taint.Key != "dedicated" {
			t.Errorf("reason %+v", r)
		}
		if !strings.Contains(e.Full(), "fix: add a toleration for dedicated=team-0:NoSchedule") {
			t.Errorf("no fix in %s", e.Full())
		}
	})
}

func TestExplanationReasons(t *testing.T) {
	cases := []struct {
		name  string
		in    scheduling.Input
		check func(*testing.T, scheduling.Reason)
	}{
		{"a requirement conflict names the key and both sides", scheduling.Input{Pods: st.Pods(1, st.NodeSelector(scheduling.LabelCapacityType, "spot")),
			NodePools: pools(pool("od", withReq(scheduling.LabelCapacityType, corev1.NodeSelectorOpIn, "on-demand")))},
			func(t *testing.T, r scheduling.Reason) {
				if r.Key != scheduling.LabelCapacityType || r.PodValues != "In [spot]" || r.NodeValues != "In [on-demand]" || r.Fix == "" {
					t.Errorf("%+v", r)
				}
			}},
		{"a resource shortage names the resource, request and largest type", scheduling.Input{Pods: st.Pods(1, st.Requests("40", "1Gi")), NodePools: pools(pool("default"))},
			func(t *testing.T, r scheduling.Reason) {
				if r.Resource != corev1.ResourceCPU || r.Requested.String() != "40" || r.Available.String() != "15900m" || r.InstanceType != "large" {
					t.Errorf("%+v", r)
				}
			}},
		{"a limit names the resource, used and limit", scheduling.Input{Pods: st.Pods(1), NodePools: pools(pool("default", withLimit(corev1.ResourceMemory, "1Gi"), withUsage(corev1.ResourceMemory, "1Gi")))},
			func(t *testing.T, r scheduling.Reason) {
				if r.Kind != scheduling.ReasonLimits || r.Resource != corev1.ResourceMemory || r.Used.String() != "1Gi" || r.Limit.String() != "1Gi" {
					t.Errorf("%+v", r)
				}
			}},
		{"a topology term is named", scheduling.Input{Pods: st.Pods(1, st.PodAffinity(st.Term(corev1.LabelTopologyZone, map[string]string{"app": "db"}))), NodePools: pools(pool("default"))},
			func(t *testing.T, r scheduling.Reason) {
				if r.Term != "pod affinity on topology.kubernetes.io/zone selecting app=db" {
					t.Errorf("%+v", r)
				}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := explainOne(t, tc.in)
			tc.check(t, e.NodePools[0].Reason)
		})
	}
}

func TestRelaxationOrder(t *testing.T) {
	web := map[string]string{"app": "web"}
	p := st.Pod(st.Labels("app", "web"),
		st.PreferredPodAffinity(5, st.Term(corev1.LabelHostname, map[string]string{"app": "nowhere"})),
		st.PreferredPodAntiAffinity(5, st.Term(corev1.LabelTopologyZone, web)),
		st.PreferredNodeAffinity(1, st.Expr(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "mars")),
		st.Spread("rack", 1, corev1.ScheduleAnyway, web))
	res, err := scheduling.Solve(scheduling.Input{Pods: pods(p), NodePools: pools(pool("default", withTaint("soft", "", corev1.TaintEffectPreferNoSchedule)))})
	if err != nil {
		t.Fatal(err)
	}
	pl := res.Placements[0]
	if pl.Kind != scheduling.NewNodeClaim {
		t.Fatalf("placed %s: %s", pl.Kind, pl.Explanation)
	}
	want := []string{"preferred pod affinity", "preferred pod anti-affinity", "preferred node affinity", "ScheduleAnyway", "PreferNoSchedule"}
	if len(pl.Relaxed) != len(want) {
		t.Fatalf("relaxed %q", pl.Relaxed)
	}
	for i, w := range want {
		if !strings.HasPrefix(pl.Relaxed[i], w) {
			t.Errorf("relaxation %d is %q, want %s...", i, pl.Relaxed[i], w)
		}
	}
}
