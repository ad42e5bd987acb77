package e2e

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

const benchPods = 1000

// BenchmarkProvisioning1000 measures the agent's overhead as a ratio within one run, since the
// kube-scheduler and KWOK set the pace on a small machine:
//
//	A: 1000 pending pods to Running on a cluster with no nodes, the agent provisioning them;
//	B: the same 1000 pods to Running on nodes of the very shapes the agent chose, created first.
//
// Run with: go test -run '^$' -bench Provisioning1000 -benchtime 1x ./test/e2e/
func BenchmarkProvisioning1000(b *testing.B) {
	for i := 0; i < b.N; i++ {
		a, shapes, rss := runWithAgent(b)
		bDur := runOnPrecreatedNodes(b, shapes)
		b.ReportMetric(a.Seconds(), "A-s")
		b.ReportMetric(bDur.Seconds(), "B-s")
		b.ReportMetric(a.Seconds()/bDur.Seconds(), "A/B")
		b.ReportMetric(float64(rss)/(1<<20), "agent-peak-RSS-MiB")
		b.ReportMetric(float64(len(shapes)), "nodes")
	}
}

func runWithAgent(b *testing.B) (time.Duration, []corev1.Node, int64) {
	env := framework.Setup(b)
	env.Create(b, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	agent := env.StartAgent(b, framework.AgentOptions{Args: []string{"--log-level=info"}})
	start := time.Now()
	env.Create(b, framework.Deployment("bench", benchPods, "250m", "256Mi"))
	env.WaitRunning(b, map[string]string{"app": "bench"}, benchPods, 10*time.Minute)
	elapsed := time.Since(start)
	b.Logf("A timeline:\n%s", collectTimeline(b, env, map[string]string{"app": "bench"}, start))
	nodes, err := env.Nodes(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	rss := agent.PeakRSS()
	agent.Stop()
	return elapsed, nodes, rss
}

func runOnPrecreatedNodes(b *testing.B, shapes []corev1.Node) time.Duration {
	env := framework.Setup(b)
	for _, s := range shapes {
		n := &corev1.Node{
			ObjectMeta: metav1.ObjectMeta{
				Name:        s.Name,
				Labels:      s.Labels,
				Annotations: map[string]string{controlplane.KWOKNodeAnnotation: controlplane.KWOKNodeAnnotationValue},
			},
			Status: corev1.NodeStatus{Capacity: s.Status.Capacity, Allocatable: s.Status.Allocatable},
		}
		delete(n.Labels, karpv1.NodePoolLabelKey) // no agent runs here; the label is only a label
		env.Create(b, n)
	}
	framework.Eventually(b, 2*time.Minute, "pre-created nodes to be Ready and untainted", func(ctx context.Context) (bool, error) {
		nodes, err := env.Nodes(ctx)
		if err != nil {
			return false, err
		}
		for _, n := range nodes {
			if len(n.Spec.Taints) > 0 || !ready(n) {
				return false, nil
			}
		}
		return len(nodes) == len(shapes), nil
	})
	start := time.Now()
	env.Create(b, framework.Deployment("bench", benchPods, "250m", "256Mi"))
	env.WaitRunning(b, map[string]string{"app": "bench"}, benchPods, 10*time.Minute)
	elapsed := time.Since(start)
	b.Logf("B timeline:\n%s", collectTimeline(b, env, map[string]string{"app": "bench"}, start))
	return elapsed
}

func ready(n corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
