// Package termination finalizes deleted NodeClaims (the karpenter.sh/termination finalizer):
// it taints the node karpenter.sh/disrupted:NoSchedule and drains it through the Eviction API
// (drain.go), then terminates the instance, removes the Node and lets the NodeClaim go
// (terminate.go). Every step is idempotent, so a restart at any point resumes where it was.
package termination

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// ControllerName names the controller in logs and metrics.
const ControllerName = "nodeclaim.termination"

// DefaultMaxConcurrentReconciles lets a scale-down drain many nodes at once.
const DefaultMaxConcurrentReconciles = 100

// conflictRequeue is how soon a reconcile that lost an optimistic-concurrency race runs again.
const conflictRequeue = time.Second

// Controller finalizes deleted NodeClaims.
type Controller struct {
	kube     client.Client
	cloud    cloudprovider.CloudProvider
	recorder decisions.Recorder
	clock    clock.Clock
	// backoff spaces the retries of a drain that a PodDisruptionBudget or an API error blocks.
	backoff workqueue.TypedRateLimiter[string]

	// MaxConcurrentReconciles bounds the NodeClaims finalized at once.
	MaxConcurrentReconciles int
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns a termination controller.
func NewController(kube client.Client, cloud cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	return &Controller{
		kube: kube, cloud: cloud, recorder: recorder, clock: clk,
		backoff:                 workqueue.NewTypedItemExponentialFailureRateLimiter[string](time.Second, 30*time.Second),
		MaxConcurrentReconciles: DefaultMaxConcurrentReconciles,
	}
}

// Register adds the controller to the manager. Besides NodeClaims it watches pods leaving nodes,
// so a drain moves on as soon as the last pod is gone.
func (c *Controller) Register(mgr manager.Manager) error {
	ctx := context.Background()
	if err := index.NodesByProviderID(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	if err := index.PodsByNodeName(ctx, mgr.GetFieldIndexer()); err != nil {
		return err
	}
	err := builder.ControllerManagedBy(mgr).
		Named(ControllerName).
		For(&karpv1.NodeClaim{}, builder.WithPredicates(predicate.NewPredicateFuncs(func(o client.Object) bool {
			return !o.GetDeletionTimestamp().IsZero()
		}))).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(c.nodeClaimForPod), builder.WithPredicates(podLeaving)).
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

// Reconcile finalizes one deleted NodeClaim, one idempotent step after another.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	nc := &karpv1.NodeClaim{}
	if err := c.kube.Get(ctx, req.NamespacedName, nc); err != nil {
		if apierrors.IsNotFound(err) {
			c.backoff.Forget(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting NodeClaim %s: %w", req.Name, err)
	}
	if nc.DeletionTimestamp.IsZero() || !controllerutil.ContainsFinalizer(nc, karpv1.TerminationFinalizer) {
		return reconcile.Result{}, nil
	}
	ctx = log.IntoContext(ctx, log.FromContext(ctx).WithValues("nodeclaim", nc.Name))
	result, err := c.finalize(ctx, nc)
	if apierrors.IsNotFound(err) {
		// The cache was behind: the NodeClaim finished meanwhile.
		return reconcile.Result{}, nil
	}
	if apierrors.IsConflict(err) {
		log.FromContext(ctx).V(1).Info("conflict, requeueing", "error", err.Error())
		return reconcile.Result{RequeueAfter: conflictRequeue}, nil
	}
	return result, err
}

func (c *Controller) finalize(ctx context.Context, nc *karpv1.NodeClaim) (reconcile.Result, error) {
	nodes, err := index.NodesForNodeClaim(ctx, c.kube, nc)
	if err != nil {
		return reconcile.Result{}, err
	}
	for _, node := range nodes {
		if err := c.taint(ctx, node); err != nil {
			return reconcile.Result{}, err
		}
	}
	var wait reconcile.Result
	drained := true
	for _, node := range nodes {
		r, done, err := c.drain(ctx, nc, node)
		if err != nil {
			return reconcile.Result{}, err
		}
		drained = drained && done
		wait = earliest(wait, r)
	}
	if !drained {
		return wait, nil
	}
	c.backoff.Forget(nc.Name)
	if err := c.markDrained(ctx, nc, nodes); err != nil {
		return reconcile.Result{}, err
	}
	return reconcile.Result{}, c.terminate(ctx, nc, nodes)
}

func earliest(a, b reconcile.Result) reconcile.Result {
	if a.RequeueAfter == 0 || (b.RequeueAfter != 0 && b.RequeueAfter < a.RequeueAfter) {
		return b
	}
	return a
}

// podLeaving passes the pod events that can end a drain: a pod deleted, starting to terminate,
// or finished.
var podLeaving = predicate.Funcs{
	CreateFunc:  func(event.CreateEvent) bool { return false },
	GenericFunc: func(event.GenericEvent) bool { return false },
	DeleteFunc:  func(e event.DeleteEvent) bool { return e.Object.(*corev1.Pod).Spec.NodeName != "" },
	UpdateFunc: func(e event.UpdateEvent) bool {
		p := e.ObjectNew.(*corev1.Pod)
		return p.Spec.NodeName != "" && (!p.DeletionTimestamp.IsZero() || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed)
	},
}

// nodeClaimForPod maps a pod to the NodeClaim of its node, when that node is being drained.
func (c *Controller) nodeClaimForPod(ctx context.Context, o client.Object) []reconcile.Request {
	pod, ok := o.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return nil
	}
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: pod.Spec.NodeName}, node); err != nil {
		return nil
	}
	name := index.NodeClaimOwner(node)
	if name == "" || !hasTaint(node.Spec.Taints, karpv1.DisruptedNoScheduleTaint) {
		return nil
	}
	return []reconcile.Request{{NamespacedName: client.ObjectKey{Name: name}}}
}
