package e2e

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

// timeline says where a provisioning run spent its time, as seconds after the workload was
// created: the benchmark's single A/B number hides whether the agent, the kube-scheduler or the
// pods' creation rate is the bottleneck.
type timeline struct {
	phases []phase
}

type phase struct {
	name          string
	p50, p90, max float64
}

func (tl timeline) String() string {
	var b strings.Builder
	for _, p := range tl.phases {
		fmt.Fprintf(&b, "  %-26s p50 %6.1fs  p90 %6.1fs  max %6.1fs\n", p.name, p.p50, p.p90, p.max)
	}
	return b.String()
}

func (tl *timeline) add(name string, start time.Time, times []time.Time) {
	if len(times) == 0 {
		return
	}
	secs := make([]float64, 0, len(times))
	for _, t := range times {
		secs = append(secs, t.Sub(start).Seconds())
	}
	sort.Float64s(secs)
	at := func(q float64) float64 { return secs[int(q*float64(len(secs)-1))] }
	tl.phases = append(tl.phases, phase{name: name, p50: at(0.5), p90: at(0.9), max: secs[len(secs)-1]})
}

// collectTimeline reads the objects' own timestamps (one-second resolution) after a run.
func collectTimeline(t testing.TB, env *framework.Env, labels map[string]string, start time.Time) timeline {
	t.Helper()
	ctx := context.Background()
	pods, err := env.Pods(ctx, labels)
	if err != nil {
		t.Fatal(err)
	}
	nodeClaims, err := env.NodeClaims(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nodes, err := env.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var tl timeline
	var created, scheduled, ready []time.Time
	for _, p := range pods {
		created = append(created, p.CreationTimestamp.Time)
		if c := podCondition(p, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionTrue {
			scheduled = append(scheduled, c.LastTransitionTime.Time)
		}
		if c := podCondition(p, corev1.PodReady); c != nil && c.Status == corev1.ConditionTrue {
			ready = append(ready, c.LastTransitionTime.Time)
		}
	}
	tl.add("pod created", start, created)
	var ncCreated, launched, registered, initialized []time.Time
	for _, nc := range nodeClaims {
		ncCreated = append(ncCreated, nc.CreationTimestamp.Time)
		for _, c := range nc.Status.Conditions {
			switch c.Type {
			case karpv1.ConditionTypeLaunched:
				launched = append(launched, c.LastTransitionTime.Time)
			case karpv1.ConditionTypeRegistered:
				registered = append(registered, c.LastTransitionTime.Time)
			case karpv1.ConditionTypeInitialized:
				initialized = append(initialized, c.LastTransitionTime.Time)
			}
		}
	}
	tl.add("nodeclaim created", start, ncCreated)
	tl.add("nodeclaim launched", start, launched)
	tl.add("nodeclaim registered", start, registered)
	tl.add("nodeclaim initialized", start, initialized)
	var nodeReady []time.Time
	for _, n := range nodes {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				nodeReady = append(nodeReady, c.LastTransitionTime.Time)
			}
		}
	}
	tl.add("node ready", start, nodeReady)
	tl.add("pod scheduled", start, scheduled)
	tl.add("pod ready", start, ready)
	return tl
}

func podCondition(p corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
