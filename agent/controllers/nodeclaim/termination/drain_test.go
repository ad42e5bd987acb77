package termination

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestDeletingANodeClaimDrainsTheNodeThenTerminatesIt(t *testing.T) {
	ctx := context.Background()
	h := running(t)
	terminatedBefore := testutil.ToFloat64(metrics.NodeClaimsTerminated.WithLabelValues("Deleted", "default"))
	nc := testenv.NodeClaim()
	node := readyNode(t, h, nc)
	ns := testenv.Namespace(t, h.kube)

	web := testenv.Pod(ns, node.Name)
	db := testenv.Pod(ns, node.Name, testenv.App("db"))
	daemon := testenv.Pod(ns, node.Name, testenv.App("agent"), testenv.OwnedBy("DaemonSet"))
	static := testenv.Pod(ns, node.Name, testenv.App("static"), testenv.OwnedBy("Node"))
	tolerant := testenv.Pod(ns, node.Name, testenv.App("tolerant"), func(p *corev1.Pod) {
		p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
	})
	testenv.Create(t, h.kube, web, db, daemon, static, tolerant)
	for _, p := range []*corev1.Pod{web, db, daemon, static, tolerant} {
		testenv.Running(t, h.kube, p)
	}
	pdb := testenv.BlockingPDB(t, h.kube, ns, "db")

	deleteNodeClaim(t, h, nc)
	testenv.Eventually(t, "the node tainted "+karpv1.DisruptedNoScheduleTaint.ToString(), func(ctx context.Context) error {
		if err := testenv.Get(ctx, h.kube, node); err != nil {
			return err
		}
		if !hasTaint(node.Spec.Taints, karpv1.DisruptedNoScheduleTaint) {
			return fmt.Errorf("taints %v", node.Spec.Taints)
		}
		return nil
	})
	testenv.Eventually(t, "the web pod evicted", func(ctx context.Context) error { return terminating(ctx, h.kube, web) })
	// The decision is published once the Eviction call returns, which can be after the pod is
	// seen terminating.
	testenv.Eventually(t, "an Evicted decision about the web pod", func(context.Context) error {
		_, err := h.rec.Find(decisions.ReasonEvicted, web.Name)
		return err
	})
	testenv.Eventually(t, "a FailedDraining event naming the PDB", func(context.Context) error {
		d, err := h.rec.Find(decisions.ReasonFailedDraining, nc.Name)
		if err != nil {
			return err
		}
		if !strings.Contains(d.Message, "PodDisruptionBudget "+ns+"/db") || !strings.Contains(d.Message, db.Name) {
			return fmt.Errorf("message %q does not name the pod and its PDB", d.Message)
		}
		return nil
	})
	testenv.Eventually(t, "a FailedDraining event on the node", func(context.Context) error {
		_, err := h.rec.Find(decisions.ReasonFailedDraining, node.Name)
		return err
	})
	testenv.Eventually(t, "Drained=False", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeDrained, metav1.ConditionFalse, ReasonDraining)
	})

	testenv.ForceDelete(t, h.kube, web) // the kubelet stops it
	if err := testenv.Get(ctx, h.kube, db); err != nil || !db.DeletionTimestamp.IsZero() {
		t.Fatalf("the PDB-protected pod was evicted (%v)", err)
	}
	if len(h.cloud.Instances()) != 1 {
		t.Fatal("the instance was terminated before the node drained")
	}

	if err := h.kube.Delete(ctx, pdb); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the db pod evicted once its PDB is gone", func(ctx context.Context) error { return terminating(ctx, h.kube, db) })
	testenv.ForceDelete(t, h.kube, db)

	testenv.Eventually(t, "the NodeClaim gone", func(ctx context.Context) error { return testenv.Gone(ctx, h.kube, nc, false) })
	if err := testenv.Gone(ctx, h.kube, node, false); err != nil {
		t.Error(err)
	}
	if n := len(h.cloud.Instances()); n != 0 {
		t.Errorf("%d instance(s) left", n)
	}
	for _, p := range []*corev1.Pod{daemon, static, tolerant} {
		if err := testenv.Get(ctx, h.kube, p); err != nil || !p.DeletionTimestamp.IsZero() {
			t.Errorf("pod %s (%s) was evicted (%v)", p.Name, p.Labels["app"], err)
		}
	}
	// Both follow the finalizer's removal, so the NodeClaim can be seen gone before them.
	testenv.Eventually(t, "a Terminated decision naming the instance, counted once", func(context.Context) error {
		d, err := h.rec.Find(decisions.ReasonTerminated, nc.Name)
		if err != nil {
			return err
		}
		if !strings.Contains(d.Message, nc.Status.ProviderID) {
			return fmt.Errorf("message %q does not name %s", d.Message, nc.Status.ProviderID)
		}
		if after := testutil.ToFloat64(metrics.NodeClaimsTerminated.WithLabelValues("Deleted", "default")); after != terminatedBefore+1 {
			return fmt.Errorf("terminated counter went from %v to %v", terminatedBefore, after)
		}
		return nil
	})
}

func TestDoNotDisruptPodsWaitForTheTerminationGracePeriod(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	const grace = 10 * time.Minute
	nc := testenv.NodeClaim(func(nc *karpv1.NodeClaim) { nc.Spec.TerminationGracePeriod = &metav1.Duration{Duration: grace} })
	node := launchedNode(t, h, nc)
	ns := testenv.Namespace(t, h.kube)
	pinned := testenv.Pod(ns, node.Name, testenv.App("batch"), func(p *corev1.Pod) {
		p.Annotations = map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"}
	})
	protected := testenv.Pod(ns, node.Name, testenv.App("db"))
	testenv.Create(t, h.kube, pinned, protected)
	testenv.Running(t, h.kube, pinned)
	testenv.Running(t, h.kube, protected)
	testenv.BlockingPDB(t, h.kube, ns, "db")
	deleteNodeClaim(t, h, nc)

	res, err := h.reconcile(t, nc, node.Name, 2)
	if err != nil {
		t.Fatal(err)
	}
	d, err := h.rec.Find(decisions.ReasonDisruptionBlocked, nc.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Message, pinned.Name) || !strings.Contains(d.Message, "terminationGracePeriod") {
		t.Errorf("DisruptionBlocked %q does not name the pod and when it ends", d.Message)
	}
	if res.RequeueAfter <= 0 || res.RequeueAfter > grace {
		t.Errorf("RequeueAfter = %s, want at most the grace period", res.RequeueAfter)
	}
	for _, p := range []*corev1.Pod{pinned, protected} {
		if err := testenv.Get(ctx, h.kube, p); err != nil || !p.DeletionTimestamp.IsZero() {
			t.Fatalf("pod %s removed before the grace period (%v)", p.Name, err)
		}
	}

	// The grace period counts from the NodeClaim's deletion timestamp, which the API server
	// stamped after the fake clock started.
	h.clk.Step(grace + 2*time.Second)
	if _, err := h.reconcile(t, nc, node.Name, 2); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*corev1.Pod{pinned, protected} {
		if err := terminating(ctx, h.kube, p); err != nil {
			t.Errorf("after the grace period: %v", err)
		}
	}
}

func TestDoNotDisruptWithoutAGracePeriodSaysTheNodeWaits(t *testing.T) {
	h := stepped(t)
	nc := testenv.NodeClaim()
	node := launchedNode(t, h, nc)
	ns := testenv.Namespace(t, h.kube)
	pinned := testenv.Pod(ns, node.Name, func(p *corev1.Pod) {
		p.Annotations = map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"}
	})
	testenv.Create(t, h.kube, pinned)
	deleteNodeClaim(t, h, nc)
	res, err := h.reconcile(t, nc, node.Name, 1)
	if err != nil {
		t.Fatal(err)
	}
	if res.RequeueAfter != 0 {
		t.Errorf("RequeueAfter = %s; nothing but the pod leaving can unblock it, and that is watched", res.RequeueAfter)
	}
	d, err := h.rec.Find(decisions.ReasonDisruptionBlocked, nc.Name)
	if err != nil || !strings.Contains(d.Message, "waits until") {
		t.Errorf("DisruptionBlocked: %v %q", err, d.Message)
	}
}

func TestClassify(t *testing.T) {
	now := time.Now()
	pod := func(o ...func(*corev1.Pod)) *corev1.Pod { return testenv.Pod("ns", "node", o...) }
	deleting := func(ago time.Duration) func(*corev1.Pod) {
		return func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: now.Add(-ago)} }
	}
	for name, tc := range map[string]struct {
		pod  *corev1.Pod
		want podClass
	}{
		"plain":       {pod(), podEvictable},
		"succeeded":   {pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }), podIgnored},
		"failed":      {pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }), podIgnored},
		"daemonset":   {pod(testenv.OwnedBy("DaemonSet")), podIgnored},
		"replicaset":  {pod(testenv.OwnedBy("ReplicaSet")), podEvictable},
		"static":      {pod(testenv.OwnedBy("Node")), podIgnored},
		"mirror":      {pod(func(p *corev1.Pod) { p.Annotations = map[string]string{mirrorPodAnnotation: "x"} }), podIgnored},
		"terminating": {pod(deleting(30 * time.Second)), podTerminating},
		"stuck":       {pod(deleting(2 * time.Minute)), podIgnored},
		"do-not-disrupt": {pod(func(p *corev1.Pod) {
			p.Annotations = map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"}
		}), podDoNotDisrupt},
		"tolerates everything": {pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Operator: corev1.TolerationOpExists}}
		}), podIgnored},
		"tolerates the disrupted taint": {pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: karpv1.DisruptedNoScheduleTaint.Key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule}}
		}), podIgnored},
		"tolerates another taint": {pod(func(p *corev1.Pod) {
			p.Spec.Tolerations = []corev1.Toleration{{Key: "dedicated", Operator: corev1.TolerationOpExists}}
		}), podEvictable},
	} {
		if got := classify(context.Background(), tc.pod, now); got != tc.want {
			t.Errorf("%s: classify = %d, want %d", name, got, tc.want)
		}
	}
}

func TestBudgetOfNamesThePDB(t *testing.T) {
	err := apierrors.NewTooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0)
	err.ErrStatus.Details.Causes = append(err.ErrStatus.Details.Causes, metav1.StatusCause{
		Type: policyv1.DisruptionBudgetCause, Message: "The disruption budget web needs 2 healthy pods and has 2 currently",
	})
	if got := budgetOf("shop", fmt.Errorf("wrapped: %w", err)); !strings.Contains(got, "PodDisruptionBudget shop/web") || !strings.Contains(got, "needs 2 healthy pods") {
		t.Errorf("budgetOf = %q", got)
	}
	if got := budgetOf("shop", errors.New("rate limited")); !strings.Contains(got, "rate limited") {
		t.Errorf("budgetOf(other) = %q", got)
	}
}
