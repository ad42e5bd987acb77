package emptiness

import (
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestEmptyNodeIsDeletedWhenConsolidateAfterElapses(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "30s")
	nc, node := e.newNode(t, pool, pool+"-a", t0.Add(-time.Hour), t0, nil)
	e.newPod(t, pool+"-ds", node.Name, "DaemonSet", nil)
	e.cached(t, node)

	// It wakes up exactly when consolidateAfter elapses, and not before.
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 30*time.Second {
		t.Fatalf("requeue after %s, want 30s", res.RequeueAfter)
	}
	clk.Step(29 * time.Second)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != time.Second {
		t.Fatalf("after 29s: requeue after %s, want 1s", res.RequeueAfter)
	}
	if got := e.nodeClaim(t, nc.Name); got.DeletionTimestamp != nil || meta.FindStatusCondition(got.Status.Conditions, karpv1.ConditionTypeConsolidatable) != nil {
		t.Fatalf("after 29s: the nodeclaim is deleted or consolidatable: %+v", got.Status.Conditions)
	}

	clk.Step(time.Second)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 0 {
		t.Errorf("after 30s: requeue after %s, want none", res.RequeueAfter)
	}
	got := e.nodeClaim(t, nc.Name)
	if got.DeletionTimestamp == nil {
		t.Fatal("after 30s: the empty nodeclaim is not deleted")
	}
	if !meta.IsStatusConditionTrue(got.Status.Conditions, karpv1.ConditionTypeConsolidatable) {
		t.Errorf("Consolidatable is not True: %+v", got.Status.Conditions)
	}
	if r := meta.FindStatusCondition(got.Status.Conditions, karpv1.ConditionTypeDisruptionReason); r == nil || r.Reason != "Empty" {
		t.Errorf("DisruptionReason = %+v, want reason Empty", r)
	}
	for _, obj := range []client.Object{nc, node} {
		ds := rec.find(decisions.ReasonDisruptionTerminating, obj)
		if len(ds) != 1 || ds[0].Message != "Disrupting node: Empty, node was empty for 30s" {
			t.Errorf("DisruptionTerminating on %T = %q, want one saying it was empty for 30s", obj, messages(ds))
		}
	}
}

func TestConsolidateAfterFallsBackToInitialization(t *testing.T) {
	e, c, _, _ := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "5m")
	// No pod event ever: consolidateAfter counts from initialization.
	e.newNode(t, pool, pool+"-a", t0.Add(-time.Minute), time.Time{}, nil)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 4*time.Minute {
		t.Fatalf("requeue after %s, want 4m", res.RequeueAfter)
	}
}

func TestNodeWithWorkloadIsKept(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "30s")
	nc, node := e.newNode(t, pool, pool+"-a", t0, t0, nil)
	e.newPod(t, pool+"-ds", node.Name, "DaemonSet", nil)
	web := e.newPod(t, pool+"-web", node.Name, "ReplicaSet", nil)
	done := e.newPod(t, pool+"-job", node.Name, "Job", nil)
	done.Status.Phase = corev1.PodSucceeded
	if err := e.direct.Status().Update(e.ctx, done); err != nil {
		t.Fatal(err)
	}
	e.cached(t, web)
	e.cached(t, done)

	clk.Step(time.Hour)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 0 {
		t.Errorf("requeue after %s, want none: a pod leaving wakes it", res.RequeueAfter)
	}
	got := e.nodeClaim(t, nc.Name)
	if got.DeletionTimestamp != nil {
		t.Fatal("a node running a ReplicaSet pod was deleted")
	}
	// Consolidatable is about time, as upstream's: underutilisation would use it.
	if !meta.IsStatusConditionTrue(got.Status.Conditions, karpv1.ConditionTypeConsolidatable) {
		t.Errorf("Consolidatable is not True after consolidateAfter: %+v", got.Status.Conditions)
	}
	if ds := rec.find(decisions.ReasonDisruptionBlocked, nc); len(ds) != 0 {
		t.Errorf("a busy node was reported blocked: %q", messages(ds))
	}
}

func TestConsolidateAfterNever(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "Never")
	nc, _ := e.newNode(t, pool, pool+"-a", t0.Add(-time.Hour), t0.Add(-time.Hour), nil)
	clk.Step(30 * 24 * time.Hour)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != 0 {
		t.Errorf("requeue after %s, want none", res.RequeueAfter)
	}
	got := e.nodeClaim(t, nc.Name)
	if got.DeletionTimestamp != nil {
		t.Fatal("consolidateAfter Never: the empty nodeclaim was deleted")
	}
	if cond := meta.FindStatusCondition(got.Status.Conditions, karpv1.ConditionTypeConsolidatable); cond != nil {
		t.Errorf("consolidateAfter Never: Consolidatable = %+v, want none", cond)
	}
	if ds := rec.find(decisions.ReasonDisruptionTerminating, nc); len(ds) != 0 {
		t.Errorf("events: %q", messages(ds))
	}
}

func TestDoNotDisruptNodeBlocks(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "30s")
	nc, node := e.newNode(t, pool, pool+"-a", t0, t0, map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"})
	e.cached(t, node)
	clk.Step(time.Minute)
	e.reconcile(t, c, pool)
	e.reconcile(t, c, pool)
	if e.deleting(t, nc.Name) {
		t.Fatal("a do-not-disrupt node was deleted")
	}
	for _, obj := range []client.Object{nc, node} {
		ds := rec.find(decisions.ReasonDisruptionBlocked, obj)
		if len(ds) == 0 || !strings.Contains(ds[0].Message, "annotated karpenter.sh/do-not-disrupt=true") {
			t.Fatalf("DisruptionBlocked on %T = %q", obj, messages(ds))
		}
		// Every pass repeats it; the recorder folds repeats with the same key.
		if ds[0].DedupeKey == "" || ds[len(ds)-1].DedupeKey != ds[0].DedupeKey {
			t.Errorf("DisruptionBlocked on %T is not de-duplicated: %+v", obj, ds)
		}
	}

	// Removing the annotation releases it.
	node.Annotations = nil
	if err := e.direct.Update(e.ctx, node); err != nil {
		t.Fatal(err)
	}
	e.cached(t, node)
	e.reconcile(t, c, pool)
	if !e.deleting(t, nc.Name) {
		t.Fatal("the node is kept once the annotation is removed")
	}
}

func TestDoNotDisruptPodBlocks(t *testing.T) {
	e, c, clk, rec := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "30s")
	nc, node := e.newNode(t, pool, pool+"-a", t0, t0, nil)
	// A DaemonSet pod does not keep a node busy, but its annotation still protects the node.
	pod := e.newPod(t, pool+"-agent", node.Name, "DaemonSet", map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"})
	e.cached(t, pod)
	clk.Step(time.Minute)
	e.reconcile(t, c, pool)
	if e.deleting(t, nc.Name) {
		t.Fatal("a node with a do-not-disrupt pod was deleted")
	}
	ds := rec.find(decisions.ReasonDisruptionBlocked, nc)
	if len(ds) != 1 || !strings.Contains(ds[0].Message, "pod default/"+pod.Name+" is annotated karpenter.sh/do-not-disrupt=true") {
		t.Fatalf("DisruptionBlocked = %q", messages(ds))
	}
}

// A node or NodeClaim the provisioner nominated for pending pods waits for them to bind before
// it counts as empty, even with consolidateAfter 0s, for as long as the nomination is renewed.
func TestNominatedNodeWaitsForItsPods(t *testing.T) {
	e, c, clk, _ := setup(t, false)
	pool := unique(t)
	e.newNodePool(t, pool, "0s")
	nc, _ := e.newNode(t, pool, pool+"-a", t0, time.Time{}, nil)
	c.nominations.Nominate(nc.Name)
	if res := e.reconcile(t, c, pool); res.RequeueAfter != testNominationTTL {
		t.Fatalf("requeue after %s, want the nomination's remaining %s", res.RequeueAfter, testNominationTTL)
	}
	if e.deleting(t, nc.Name) {
		t.Fatal("a node nominated for pending pods was deleted before they could bind")
	}
	// The next batch renews the nomination while the pods are still pending.
	clk.Step(testNominationTTL / 2)
	c.nominations.Nominate(nc.Name)
	clk.Step(testNominationTTL / 2)
	e.reconcile(t, c, pool)
	if e.deleting(t, nc.Name) {
		t.Fatal("a renewed nomination did not protect the node")
	}
	clk.Step(testNominationTTL / 2)
	e.reconcile(t, c, pool)
	if !e.deleting(t, nc.Name) {
		t.Fatal("the node is kept after its nomination expired though its pods never came")
	}
}
