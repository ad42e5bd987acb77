package emptiness

import (
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// deletingCount counts the pool's NodeClaims that are deleting or gone.
func (e *testEnv) deletingCount(t *testing.T, names []string) int {
	t.Helper()
	n := 0
	for _, name := range names {
		if e.deleting(t, name) {
			n++
		}
	}
	return n
}

// release removes the hold finalizer, as the termination path does when it is done.
func (e *testEnv) release(t *testing.T, name string) {
	t.Helper()
	nc := e.nodeClaim(t, name)
	nc.Finalizers = nil
	if err := e.direct.Update(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	eventually(t, "nodeclaim "+name+" to leave the cache", func() bool {
		return e.mgr.GetClient().Get(e.ctx, metav1ObjectKey(name), &karpv1.NodeClaim{}) != nil
	})
}

func TestBudgetOfOneNodeDisruptsOneAtATime(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	np := e.newNodePool(t, pool, "30s", karpv1.Budget{Nodes: "1"})
	var names []string
	for _, s := range []string{"a", "b", "c"} {
		nc, _ := e.newNode(t, pool, pool+"-"+s, t0, t0, nil)
		names = append(names, nc.Name)
	}
	clk.Step(time.Minute)

	e.reconcile(t, c, pool)
	if n := e.deletingCount(t, names); n != 1 {
		t.Fatalf("%d nodeclaims deleting after the first pass, want 1", n)
	}
	ds := rec.find(decisions.ReasonDisruptionBlocked, np)
	if len(ds) == 0 || !strings.Contains(ds[0].Message, "2 empty node(s) wait") {
		t.Errorf("DisruptionBlocked on the nodepool = %q", messages(ds))
	}
	// The one in progress uses up the budget until it is gone.
	e.reconcile(t, c, pool)
	if n := e.deletingCount(t, names); n != 1 {
		t.Fatalf("%d nodeclaims deleting after the second pass, want 1", n)
	}
	for i := 2; i <= 3; i++ {
		var first string
		for _, name := range names {
			if nc := e.nodeClaim(t, name); nc != nil && nc.DeletionTimestamp != nil {
				first = name
			}
		}
		e.release(t, first)
		e.reconcile(t, c, pool)
		if n := e.deletingCount(t, names); n != i {
			t.Fatalf("%d nodeclaims deleting or gone once %d finished, want %d", n, i-1, i)
		}
	}
}

func TestScalingPolicyMinNodesIsKept(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	np := e.newNodePool(t, pool, "30s")
	policy := &v1alpha1.KarpenterScalingPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: pool},
		Spec:       v1alpha1.KarpenterScalingPolicySpec{NodePoolRef: v1alpha1.NodePoolReference{Name: pool}, MinNodes: ptr.To[int32](2)},
	}
	e.create(t, policy)
	e.cached(t, policy)
	var names []string
	for _, s := range []string{"a", "b", "c"} {
		nc, _ := e.newNode(t, pool, pool+"-"+s, t0, t0, nil)
		names = append(names, nc.Name)
	}
	clk.Step(time.Minute)
	e.reconcile(t, c, pool)
	e.reconcile(t, c, pool)
	if n := e.deletingCount(t, names); n != 1 {
		t.Fatalf("%d of 3 nodeclaims deleting with minNodes 2, want 1", n)
	}
	ds := rec.find(decisions.ReasonDisruptionBlocked, np)
	if len(ds) == 0 || !strings.Contains(ds[0].Message, "KarpenterScalingPolicy "+pool+" keeps at least 2 node(s)") {
		t.Errorf("DisruptionBlocked on the nodepool = %q", messages(ds))
	}
}

func TestScheduledBudgetWakesWhenItEnds(t *testing.T) {
	e, c, clk, _ := setup(t, false)
	pool := unique(t)
	// t0 is Monday 10:00 UTC: inside a 09:00-17:00 freeze.
	e.newNodePool(t, pool, "30s", karpv1.Budget{Nodes: "0", Schedule: ptr.To("0 9 * * mon-fri"), Duration: &metav1.Duration{Duration: 8 * time.Hour}})
	nc, _ := e.newNode(t, pool, pool+"-a", t0, t0, nil)
	clk.Step(time.Minute)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 7*time.Hour-time.Minute {
		t.Fatalf("requeue after %s, want when the freeze ends (6h59m)", res.RequeueAfter)
	}
	if e.deleting(t, nc.Name) {
		t.Fatal("deleted during a zero budget")
	}
	clk.Step(7*time.Hour - time.Minute)
	e.reconcile(t, c, pool)
	if !e.deleting(t, nc.Name) {
		t.Fatal("not deleted once the freeze ended")
	}
}
