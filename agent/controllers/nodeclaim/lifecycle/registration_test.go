package lifecycle

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

var (
	dedicatedTaint = corev1.Taint{Key: "dedicated", Value: "web", Effect: corev1.TaintEffectNoSchedule}
	startupTaint   = corev1.Taint{Key: "example.com/cni-not-ready", Effect: corev1.TaintEffectNoSchedule}
	nodesOwnTaint  = corev1.Taint{Key: "example.com/maintenance", Effect: corev1.TaintEffectPreferNoSchedule}
)

// launchedNode waits for the NodeClaim to launch and returns the Node its kubelet would
// register, not yet created.
func launchedNode(t *testing.T, h *harness, nc *karpv1.NodeClaim, ready corev1.ConditionStatus) *corev1.Node {
	t.Helper()
	testenv.Eventually(t, "Launched=True", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, "")
	})
	return fake.NodeFor(nc, ready)
}

func TestRegistrationSyncsTheNodeWithItsNodeClaim(t *testing.T) {
	h := running(t)
	nc := testenv.NodeClaim(func(nc *karpv1.NodeClaim) {
		nc.Labels["team"] = "web"
		nc.Annotations = map[string]string{"example.com/owner": "web-team"}
		nc.Spec.Taints = []corev1.Taint{dedicatedTaint}
		nc.Spec.StartupTaints = []corev1.Taint{startupTaint}
	})
	testenv.Create(t, h.kube, nc)
	node := launchedNode(t, h, nc, corev1.ConditionFalse)
	node.Labels["example.com/own"] = "kept"
	node.Spec.Taints = append(node.Spec.Taints, nodesOwnTaint)
	testenv.Create(t, h.kube, node)

	testenv.Eventually(t, "Registered=True", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeRegistered, metav1.ConditionTrue, ReasonRegistered)
	})
	if nc.Status.NodeName != node.Name {
		t.Errorf("status.nodeName = %q, want %q", nc.Status.NodeName, node.Name)
	}
	if err := testenv.Get(context.Background(), h.kube, node); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{
		karpv1.NodePoolLabelKey:       "default",
		karpv1.NodeRegisteredLabelKey: "true",
		"team":                        "web",
		"example.com/own":             "kept",
	} {
		if node.Labels[k] != want {
			t.Errorf("node label %s = %q, want %q", k, node.Labels[k], want)
		}
	}
	if node.Annotations["example.com/owner"] != "web-team" || node.Annotations[PriceAnnotationKey] == "" {
		t.Errorf("node annotations = %v, want the NodeClaim's", node.Annotations)
	}
	if hasTaint(node.Spec.Taints, karpv1.UnregisteredNoExecuteTaint) {
		t.Error("the unregistered taint is still on the node")
	}
	for _, want := range []corev1.Taint{dedicatedTaint, startupTaint, nodesOwnTaint} {
		if !hasTaint(node.Spec.Taints, want) {
			t.Errorf("node taints %v lack %s", node.Spec.Taints, want.ToString())
		}
	}
	if len(node.OwnerReferences) != 1 || node.OwnerReferences[0].Kind != "NodeClaim" || node.OwnerReferences[0].UID != nc.UID {
		t.Errorf("owner references = %+v, want the NodeClaim", node.OwnerReferences)
	}
	if !controllerutil.ContainsFinalizer(node, karpv1.TerminationFinalizer) {
		t.Errorf("finalizers = %v, want %s", node.Finalizers, karpv1.TerminationFinalizer)
	}
	if d, err := h.rec.Find(decisions.ReasonRegistered, nc.Name); err != nil || d.Message != "Registered node "+node.Name {
		t.Errorf("Registered event: %v %q", err, d.Message)
	}
}

func TestRegistrationDoesNotRestoreARemovedStartupTaint(t *testing.T) {
	h := stepped(t)
	nc := testenv.NodeClaim(func(nc *karpv1.NodeClaim) { nc.Spec.StartupTaints = []corev1.Taint{startupTaint} })
	testenv.Create(t, h.kube, nc)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Get(context.Background(), h.kube, nc); err != nil {
		t.Fatal(err)
	}
	// The node registered, was synced, then its CNI removed the startup taint before the
	// Registered condition was written (a crash in between).
	node := fake.NodeFor(nc, corev1.ConditionTrue)
	node.Labels[karpv1.NodeRegisteredLabelKey] = "true"
	node.Spec.Taints = nil
	testenv.Create(t, h.kube, node)

	if _, err := h.reconcile(t, nc, func(*karpv1.NodeClaim) error {
		cached := &corev1.Node{}
		if err := h.ctrl.kube.Get(context.Background(), client.ObjectKeyFromObject(node), cached); err != nil {
			return fmt.Errorf("node not in the cache yet: %w", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeRegistered, metav1.ConditionTrue, ""); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Get(context.Background(), h.kube, node); err != nil {
		t.Fatal(err)
	}
	if hasTaint(node.Spec.Taints, startupTaint) {
		t.Errorf("the startup taint came back: %v", node.Spec.Taints)
	}
}
