package termination

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// These tests use controller-runtime's fake client: the controller only reads and writes two
// objects. The whole path (node deleted → NodeClaim deleted → drained → node released) runs
// against a real API server in agent/controllers/nodeclaim/termination.

type recorder struct{ decisions []decisions.Decision }

func (r *recorder) Publish(ds ...decisions.Decision) { r.decisions = append(r.decisions, ds...) }

func nodeClaim(deleting bool) *karpv1.NodeClaim {
	nc := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "nc", UID: "nc-uid", Finalizers: []string{karpv1.TerminationFinalizer}}}
	if deleting {
		nc.DeletionTimestamp = &metav1.Time{Time: time.Now()}
	}
	return nc
}

func deletedNode(ownerUID types.UID) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{
		Name:              "node",
		Finalizers:        []string{karpv1.TerminationFinalizer},
		DeletionTimestamp: &metav1.Time{Time: time.Now()},
		OwnerReferences:   []metav1.OwnerReference{{APIVersion: karpv1.SchemeGroupVersion.String(), Kind: "NodeClaim", Name: "nc", UID: ownerUID}},
	}}
}

func reconcileNode(t *testing.T, objs ...client.Object) (client.Client, *recorder) {
	t.Helper()
	kube := fake.NewClientBuilder().WithScheme(scheme.New()).WithObjects(objs...).Build()
	rec := &recorder{}
	if _, err := NewController(kube, rec).Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: "node"}}); err != nil {
		t.Fatal(err)
	}
	return kube, rec
}

func TestADeletedNodeDeletesItsNodeClaim(t *testing.T) {
	kube, rec := reconcileNode(t, nodeClaim(false), deletedNode("nc-uid"))
	nc := &karpv1.NodeClaim{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: "nc"}, nc); err != nil {
		t.Fatal(err)
	}
	if nc.DeletionTimestamp.IsZero() {
		t.Error("the NodeClaim was not deleted")
	}
	node := &corev1.Node{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: "node"}, node); err != nil || !controllerutil.ContainsFinalizer(node, karpv1.TerminationFinalizer) {
		t.Errorf("the node was released before its NodeClaim's termination drained it (%v)", err)
	}
	if len(rec.decisions) != 1 || rec.decisions[0].Reason != decisions.ReasonNodeClaimDeletedByUser {
		t.Errorf("decisions = %+v", rec.decisions)
	}
}

func TestANodeWhoseNodeClaimIsTerminatingWaits(t *testing.T) {
	kube, rec := reconcileNode(t, nodeClaim(true), deletedNode("nc-uid"))
	node := &corev1.Node{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: "node"}, node); err != nil {
		t.Fatal(err)
	}
	if !controllerutil.ContainsFinalizer(node, karpv1.TerminationFinalizer) {
		t.Error("released while the NodeClaim is still draining")
	}
	if len(rec.decisions) != 0 {
		t.Errorf("decisions = %+v", rec.decisions)
	}
}

func TestANodeWithoutItsNodeClaimIsReleased(t *testing.T) {
	for name, objs := range map[string][]client.Object{
		"NodeClaim gone":       {deletedNode("nc-uid")},
		"NodeClaim of another": {nodeClaim(false), deletedNode("other-uid")},
	} {
		t.Run(name, func(t *testing.T) {
			kube, _ := reconcileNode(t, objs...)
			node := &corev1.Node{}
			err := kube.Get(context.Background(), client.ObjectKey{Name: "node"}, node)
			// The fake client deletes an object whose last finalizer goes, as the API server does.
			if !apierrors.IsNotFound(err) {
				t.Errorf("node still there (%v), finalizers %v", err, node.Finalizers)
			}
			nc := &karpv1.NodeClaim{}
			if err := kube.Get(context.Background(), client.ObjectKey{Name: "nc"}, nc); err == nil && !nc.DeletionTimestamp.IsZero() {
				t.Error("deleted a NodeClaim that does not own the node")
			}
		})
	}
}

func TestANodeNotBeingDeletedIsLeftAlone(t *testing.T) {
	node := deletedNode("nc-uid")
	node.DeletionTimestamp = nil
	kube, rec := reconcileNode(t, nodeClaim(false), node)
	nc := &karpv1.NodeClaim{}
	if err := kube.Get(context.Background(), client.ObjectKey{Name: "nc"}, nc); err != nil || !nc.DeletionTimestamp.IsZero() {
		t.Errorf("NodeClaim touched (%v)", err)
	}
	if len(rec.decisions) != 0 {
		t.Errorf("decisions = %+v", rec.decisions)
	}
}
