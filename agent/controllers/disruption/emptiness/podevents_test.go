package emptiness

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// With the controllers running: pods binding and leaving are written to lastPodEventTime, and
// the last workload pod leaving a node starts its consolidateAfter, after which it is deleted
// without any test calling Reconcile.
func TestPodEventsDriveEmptiness(t *testing.T) {
	e, _, clk, _ := setup(t, true)
	pool := unique(t)
	e.newNodePool(t, pool, "0s")
	nc, node := e.newNode(t, pool, pool+"-a", t0.Add(-time.Hour), t0.Add(-time.Hour), nil)

	clk.Step(1500 * time.Millisecond)
	web := e.newPod(t, pool+"-web", node.Name, "ReplicaSet", nil)
	// Rounded up to the second: consolidateAfter never counts from before the event.
	eventually(t, "lastPodEventTime to record the pod binding", func() bool {
		got := e.nodeClaim(t, nc.Name)
		return got.Status.LastPodEventTime.Time.Equal(t0.Add(2 * time.Second))
	})
	// consolidateAfter 0s elapses at the recorded second; the reconcile requeued for it runs
	// once the clock gets there.
	clk.Step(500 * time.Millisecond)
	eventually(t, "the busy node to become consolidatable but stay", func() bool {
		got := e.nodeClaim(t, nc.Name)
		return isConsolidatable(got)
	})
	if e.deleting(t, nc.Name) {
		t.Fatal("a busy node was deleted")
	}

	clk.Step(10 * time.Second)
	if err := e.direct.Delete(e.ctx, web, client.GracePeriodSeconds(0)); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the node to be deleted once its last pod left", func() bool { return e.deleting(t, nc.Name) })
	if got := e.nodeClaim(t, nc.Name); got != nil && !got.Status.LastPodEventTime.Time.Equal(t0.Add(12*time.Second)) {
		t.Errorf("lastPodEventTime = %s, want the pod's deletion at %s", got.Status.LastPodEventTime, t0.Add(12*time.Second))
	}
}

func isConsolidatable(nc *v1.NodeClaim) bool {
	for _, c := range nc.Status.Conditions {
		if c.Type == v1.ConditionTypeConsolidatable && c.Status == metav1.ConditionTrue {
			return true
		}
	}
	return false
}
