// Package termination handles the karpenter.sh/termination finalizer on Nodes. Registration puts
// it on every Node a NodeClaim adopts, so that deleting the Node (kubectl delete node, a cloud
// controller) goes through the same graceful path as deleting the NodeClaim: this controller
// deletes the NodeClaim, whose termination drains the node with PodDisruptionBudgets respected,
// terminates the instance, and only then releases this finalizer and the Node. Without it, a
// deleted Node would vanish at once and its pods would be killed without eviction.
package termination

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "node.termination"

// Controller reconciles Nodes being deleted that carry the termination finalizer.
type Controller struct {
	kube     client.Client
	recorder decisions.Recorder
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns a node termination controller.
func NewController(kube client.Client, recorder decisions.Recorder) *Controller {
	return &Controller{kube: kube, recorder: recorder}
}

// Register adds the controller to the manager. It also watches NodeClaims going away, so a Node
// whose NodeClaim vanished without releasing it (its finalizer removed by hand) is released.
func (c *Controller) Register(mgr manager.Manager) error {
	err := builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&corev1.Node{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return !o.GetDeletionTimestamp().IsZero() && controllerutil.ContainsFinalizer(o, karpv1.TerminationFinalizer)
		}))).
		Watches(&karpv1.NodeClaim{}, handler.EnqueueRequestsFromMapFunc(nodeOfNodeClaim), builder.WithPredicates(predicate.Funcs{
			CreateFunc:  func(event.CreateEvent) bool { return false },
			UpdateFunc:  func(event.UpdateEvent) bool { return false },
			GenericFunc: func(event.GenericEvent) bool { return false },
			DeleteFunc:  func(event.DeleteEvent) bool { return true },
		})).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", ControllerName, err)
	}
	return nil
}

// Reconcile deletes the NodeClaim of a Node being deleted, or releases the Node when its
// NodeClaim is gone.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, req.NamespacedName, node); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting node %s: %w", req.Name, err)
	}
	if node.DeletionTimestamp.IsZero() || !controllerutil.ContainsFinalizer(node, karpv1.TerminationFinalizer) {
		return reconcile.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("node", node.Name))

	nc, err := c.nodeClaimOf(ctx, node)
	if err != nil {
		return reconcile.Result{}, err
	}
	switch {
	case nc == nil:
		return reconcile.Result{}, c.release(ctx, node)
	case nc.DeletionTimestamp.IsZero():
		c.recorder.Publish(decisions.NodeDeleted(nc, node.Name))
		if err := c.kube.Delete(ctx, nc, client.Preconditions{UID: &nc.UID}); client.IgnoreNotFound(err) != nil {
			return reconcile.Result{}, fmt.Errorf("deleting NodeClaim %s of deleted node %s: %w", nc.Name, node.Name, err)
		}
		log.FromContext(ctx).Info("node deleted, deleting its NodeClaim", "nodeclaim", nc.Name)
	}
	// The NodeClaim's termination releases the node once the instance is gone.
	return reconcile.Result{}, nil
}

// nodeClaimOf returns the NodeClaim that owns the node (registration made it the owner), or nil
// when there is none any more.
func (c *Controller) nodeClaimOf(ctx context.Context, node *corev1.Node) (*karpv1.NodeClaim, error) {
	for _, ref := range node.OwnerReferences {
		if ref.Kind != "NodeClaim" || ref.APIVersion != karpv1.SchemeGroupVersion.String() {
			continue
		}
		nc := &karpv1.NodeClaim{}
		if err := c.kube.Get(ctx, client.ObjectKey{Name: ref.Name}, nc); err != nil {
			if apierrors.IsNotFound(err) {
				return nil, nil
			}
			return nil, fmt.Errorf("getting NodeClaim %s of node %s: %w", ref.Name, node.Name, err)
		}
		if nc.UID != ref.UID {
			return nil, nil
		}
		return nc, nil
	}
	return nil, nil
}

// release removes the finalizer. The patch is locked because finalizers are a list.
func (c *Controller) release(ctx context.Context, node *corev1.Node) error {
	stored := node.DeepCopy()
	if !controllerutil.RemoveFinalizer(node, karpv1.TerminationFinalizer) {
		return nil
	}
	if err := c.kube.Patch(ctx, node, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("removing finalizer %s from node %s: %w", karpv1.TerminationFinalizer, node.Name, err)
	}
	log.FromContext(ctx).Info("released a node whose NodeClaim is gone")
	return nil
}

func nodeOfNodeClaim(_ context.Context, o client.Object) []reconcile.Request {
	nc, ok := o.(*karpv1.NodeClaim)
	if !ok || nc.Status.NodeName == "" {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: nc.Status.NodeName}}}
}
