// Package lifecycle follows a NodeClaim from creation to a node that is ready for pods: it
// launches the instance (launch.go), adopts the Node that registers for it (registration.go),
// waits for the Node to be ready (initialization.go), and replaces NodeClaims that stall
// (liveness.go). Deleting a NodeClaim is the termination controller's job.
package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "nodeclaim.lifecycle"

// Defaults of the Controller's tunables, as upstream Karpenter's.
const (
	DefaultLaunchTimeout       = 5 * time.Minute
	DefaultRegistrationTimeout = 15 * time.Minute
	// DefaultInitializationTimeout bounds the wait for a registered node's startup taints to go
	// and its extended resources to appear.
	DefaultInitializationTimeout = 15 * time.Minute
	// DefaultMaxConcurrentReconciles lets launches, which wait on the cloud, run side by side.
	DefaultMaxConcurrentReconciles = 100
)

// Annotations on NodeClaims that this controller reads.
const (
	PriceAnnotationKey    = karpv1.PriceAnnotationKey
	PodCountAnnotationKey = karpv1.PodCountAnnotationKey
)

// conflictRequeue is how soon a reconcile that lost an optimistic-concurrency race runs again.
// The winner's update is on its way through the watch, so this is a backstop.
const conflictRequeue = time.Second

// Controller reconciles NodeClaims through launch, registration and initialization.
type Controller struct {
	kube     client.Client
	cloud    cloudprovider.CloudProvider
	recorder decisions.Recorder
	clock    clock.Clock

	// LaunchTimeout is how long a NodeClaim may go without launching before it is deleted.
	LaunchTimeout time.Duration
	// RegistrationTimeout is how long a launched NodeClaim's node may take to register before
	// the NodeClaim is deleted.
	RegistrationTimeout time.Duration
	// InitializationTimeout is how long a registered node may take to initialize before the
	// NodeClaim is deleted; zero waits forever.
	InitializationTimeout time.Duration
	// MaxConcurrentReconciles bounds the NodeClaims reconciled (launched) at once.
	MaxConcurrentReconciles int
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns a lifecycle controller with the default timeouts.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	return &Controller{
		kube: kube, cloud: cloud, recorder: recorder, clock: clk,
		LaunchTimeout:           DefaultLaunchTimeout,
		RegistrationTimeout:     DefaultRegistrationTimeout,
		InitializationTimeout:   DefaultInitializationTimeout,
		MaxConcurrentReconciles: DefaultMaxConcurrentReconciles,
	}
}

// Register adds the controller to the manager: it reconciles NodeClaims, and Nodes wake the
// NodeClaim they belong to.
func (c *Controller) Register(mgr manager.Manager) error {
	ctx := context.Background()
	if err := index.NodesByProviderID(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if err := index.NodeClaimsByProviderID(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	err := builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&karpv1.NodeClaim{}).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(c.nodeClaimsForNode)).
		WithOptions(controller.Options{
			MaxConcurrentReconciles: c.MaxConcurrentReconciles,
			RateLimiter:             workqueue.NewTypedItemExponentialFailureRateLimiter[reconcile.Request](time.Second, time.Minute),
		}).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", ControllerName, err)
	}
	return nil
}

// Reconcile moves one NodeClaim as far along its lifecycle as the world allows.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	nc := &karpv1.NodeClaim{}
	if err := c.kube.Get(ctx, req.NamespacedName, nc); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting NodeClaim %s: %w", req.Name, err)
	}
	if !nc.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("nodeclaim", nc.Name))
	if err := c.ensureFinalizer(ctx, nc); err != nil {
		return c.result(ctx, reconcile.Result{}, err)
	}

	var result reconcile.Result
	var errs []error
	for _, step := range []func(context.Context, *karpv1.NodeClaim) (reconcile.Result, error){
		c.launch, c.register, c.initialize, c.liveness,
	} {
		// A step that deleted the NodeClaim marks it; the others leave it to termination.
		if !nc.DeletionTimestamp.IsZero() {
			return reconcile.Result{}, nil
		}
		// Every step runs even after an earlier one failed: liveness must be able to replace a
		// NodeClaim whose launch keeps failing.
		r, err := step(ctx, nc)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		result = earliest(result, r)
	}
	if !nc.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	return c.result(ctx, result, errors.Join(errs...))
}

// result turns a lost optimistic-concurrency race into a quiet requeue; other errors go to the
// workqueue's backoff.
func (c *Controller) result(ctx context.Context, r reconcile.Result, err error) (reconcile.Result, error) {
	if err == nil {
		return r, nil
	}
	if apierrors.IsConflict(err) {
		log.FromContext(ctx).V(1).Info("conflict, requeueing", "error", err.Error())
		return reconcile.Result{RequeueAfter: conflictRequeue}, nil
	}
	return reconcile.Result{}, err
}

func earliest(a, b reconcile.Result) reconcile.Result {
	if a.RequeueAfter == 0 || (b.RequeueAfter != 0 && b.RequeueAfter < a.RequeueAfter) {
		return b
	}
	return a
}

// ensureFinalizer adds karpenter.sh/termination, which the provisioner sets at creation, to a
// NodeClaim that lacks it, so that deleting it always goes through termination and never
// leaks an instance.
func (c *Controller) ensureFinalizer(ctx context.Context, nc *karpv1.NodeClaim) error {
	stored := nc.DeepCopy()
	if !controllerutil.AddFinalizer(nc, karpv1.TerminationFinalizer) {
		return nil
	}
	if err := c.kube.Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("adding finalizer %s to NodeClaim %s: %w", karpv1.TerminationFinalizer, nc.Name, err)
	}
	return nil
}

// delete deletes the NodeClaim (its finalizer then terminates the instance) and marks it deleted
// in memory so that the rest of this pass leaves it alone.
func (c *Controller) delete(ctx context.Context, nc *karpv1.NodeClaim) error {
	if err := c.kube.Delete(ctx, nc, client.Preconditions{UID: &nc.UID}); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("deleting NodeClaim %s: %w", nc.Name, err)
	}
	now := metav1.NewTime(c.clock.Now())
	nc.DeletionTimestamp = &now
	return nil
}

// setCondition sets a condition stamped with the controller's clock and the NodeClaim's
// generation. The transition time only moves when the status does.
func (c *Controller) setCondition(nc *karpv1.NodeClaim, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message,
		ObservedGeneration: nc.Generation, LastTransitionTime: metav1.NewTime(c.clock.Now()),
	})
}

// patchStatus writes the status if it differs from stored, after summarizing Ready. The patch
// carries stored's resourceVersion, so a status written meanwhile by someone else makes it fail
// with a conflict instead of being overwritten (conditions are a list, which a merge patch
// replaces whole).
func (c *Controller) patchStatus(ctx context.Context, nc, stored *karpv1.NodeClaim) error {
	c.summarize(nc)
	if equality.Semantic.DeepEqual(stored.Status, nc.Status) {
		return nil
	}
	if err := c.kube.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("patching the status of NodeClaim %s: %w", nc.Name, err)
	}
	return nil
}

// nodeClaimsForNode maps a Node to the NodeClaim it belongs to, by owner reference once
// registered and by provider ID before, while that NodeClaim still has lifecycle work to do.
func (c *Controller) nodeClaimsForNode(ctx context.Context, o client.Object) []reconcile.Request {
	node, ok := o.(*corev1.Node)
	if !ok {
		return nil
	}
	var ncs []*karpv1.NodeClaim
	if name := index.NodeClaimOwner(node); name != "" {
		nc := &karpv1.NodeClaim{}
		if err := c.kube.Get(ctx, client.ObjectKey{Name: name}, nc); err == nil {
			ncs = append(ncs, nc)
		}
	} else {
		found, err := index.NodeClaimsForProviderID(ctx, c.kube, node.Spec.ProviderID)
		if err != nil {
			log.FromContext(ctx).Error(err, "mapping a node to its NodeClaim", "node", node.Name)
			return nil
		}
		ncs = found
	}
	var reqs []reconcile.Request
	for _, nc := range ncs {
		if !isTrue(nc, karpv1.ConditionTypeInitialized) {
			reqs = append(reqs, reconcile.Request{NamespacedName: client.ObjectKey{Name: nc.Name}})
		}
	}
	return reqs
}
