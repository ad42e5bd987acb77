// Package status keeps a NodePool's status: the resources and node count of its NodeClaims, the
// conditions ValidationSucceeded (the checks its CRD cannot express), NodeClassReady and the
// summary Ready, and the NodePool's usage, limit and cost metrics. It is upstream's nodepool
// counter, validation and readiness controllers in one, so that a single writer owns the
// status and the three conditions never race each other.
//
// An invalid NodePool or an unusable node class is a False condition and one Event when it
// becomes so, never a failing reconcile: there is nothing to retry until the user edits it, and
// the edit wakes the controller.
package status

import (
	"context"
	"errors"
	"fmt"
	"maps"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

const controllerName = "nodepool.status"

// Controller reconciles NodePools.
type Controller struct {
	kubeClient    client.Client
	cloudProvider cloudprovider.CloudProvider
	clock         clock.Clock
	recorder      decisions.Recorder
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns the NodePool status controller.
func NewController(kubeClient client.Client, cloudProvider cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	return &Controller{kubeClient: kubeClient, cloudProvider: cloudProvider, clock: clk, recorder: recorder}
}

// Register adds the controller to the manager. It watches NodePools (their spec; it writes
// their status itself), their NodeClaims and the EC2NodeClasses they reference.
func (c *Controller) Register(mgr manager.Manager) error {
	err := builder.ControllerManagedBy(mgr).
		Named(controllerName).
		For(&karpv1.NodePool{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&karpv1.NodeClaim{}, handler.EnqueueRequestsFromMapFunc(nodePoolOfNodeClaim),
			builder.WithPredicates(nodeClaimCounted())).
		Watches(&ec2v1.EC2NodeClass{}, handler.EnqueueRequestsFromMapFunc(c.nodePoolsOfNodeClass)).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", controllerName, err)
	}
	return nil
}

// Reconcile brings one NodePool's status and metrics up to date.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	stored := &karpv1.NodePool{}
	if err := c.kubeClient.Get(ctx, req.NamespacedName, stored); err != nil {
		if apierrors.IsNotFound(err) {
			deleteMetrics(req.Name)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting nodepool %s: %w", req.Name, err)
	}
	var ncs karpv1.NodeClaimList
	if err := c.kubeClient.List(ctx, &ncs, client.MatchingLabels{karpv1.NodePoolLabelKey: stored.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing the nodeclaims of nodepool %s: %w", stored.Name, err)
	}

	np := stored.DeepCopy()
	now := c.clock.Now()
	used := usage(ncs.Items)
	nodes := int64(len(ncs.Items))
	np.Status.Resources = used
	np.Status.Nodes = &nodes

	setCondition(&np.Status.Conditions, validationCondition(validate(np)), np.Generation, now)
	ready, readinessErr := c.nodeClassReadiness(ctx, np)
	if readinessErr == nil {
		setCondition(&np.Status.Conditions, ready.cond, np.Generation, now)
	}
	setCondition(&np.Status.Conditions, readyCondition(np.Status.Conditions), np.Generation, now)

	if err := c.patchStatus(ctx, np, stored); err != nil {
		return reconcile.Result{}, err
	}
	c.publishTransitions(stored, np)

	setUsageMetrics(np.Name, used, np.Spec.Limits)
	if byCapacityType, complete := costs(ncs.Items, newPriceIndex(ready.instanceTypes)); complete {
		setCostMetrics(np.Name, byCapacityType)
	} else {
		log.FromContext(ctx).V(1).Info("leaving the cost metric: a NodeClaim's price is unknown", "nodepool", np.Name)
	}
	return reconcile.Result{}, readinessErr
}

func (c *Controller) patchStatus(ctx context.Context, np, stored *karpv1.NodePool) error {
	if equality.Semantic.DeepEqual(np.Status, stored.Status) {
		return nil
	}
	// This controller is the status's only writer, so a plain merge patch is safe; a stale cache
	// is corrected by the reconcile its own update triggers.
	if err := c.kubeClient.Status().Patch(ctx, np, client.MergeFrom(stored)); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("patching the status of nodepool %s: %w", np.Name, err)
	}
	return nil
}

// publishTransitions records an Event when validation or the node class has just failed, or
// fails differently: the condition says it for as long as it lasts.
func (c *Controller) publishTransitions(before, after *karpv1.NodePool) {
	now := meta.FindStatusCondition(after.Status.Conditions, karpv1.ConditionTypeValidationSucceeded)
	if newlyFalse(meta.FindStatusCondition(before.Status.Conditions, karpv1.ConditionTypeValidationSucceeded), *now) {
		d := decisions.InvalidNodePool(after, errors.New(now.Message))
		d.DedupeKey = decisions.ReasonInvalidNodePool + "/" + now.Message
		c.recorder.Publish(d)
	}
	if now := meta.FindStatusCondition(after.Status.Conditions, karpv1.ConditionTypeNodeClassReady); now != nil &&
		newlyFalse(meta.FindStatusCondition(before.Status.Conditions, karpv1.ConditionTypeNodeClassReady), *now) {
		d := decisions.NodeClassNotReady(after, now.Message)
		d.DedupeKey = decisions.ReasonNodeClassNotReady + "/" + now.Message
		c.recorder.Publish(d)
	}
}

func nodePoolOfNodeClaim(_ context.Context, o client.Object) []reconcile.Request {
	if pool := o.GetLabels()[karpv1.NodePoolLabelKey]; pool != "" {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: pool}}}
	}
	return nil
}

// nodeClaimCounted passes NodeClaims arriving and leaving, and the changes that move the sums:
// capacity, the labels that name the offering, and the price.
func nodeClaimCounted() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*karpv1.NodeClaim)
		n, ok2 := e.ObjectNew.(*karpv1.NodeClaim)
		if !ok1 || !ok2 {
			return true
		}
		return !equality.Semantic.DeepEqual(o.Status.Capacity, n.Status.Capacity) ||
			o.Status.ProviderID != n.Status.ProviderID ||
			!maps.Equal(o.Labels, n.Labels) ||
			o.Annotations[priceAnnotationKey] != n.Annotations[priceAnnotationKey]
	}}
}

// nodePoolsOfNodeClass maps an EC2NodeClass to the NodePools that reference it.
func (c *Controller) nodePoolsOfNodeClass(ctx context.Context, o client.Object) []reconcile.Request {
	var pools karpv1.NodePoolList
	if err := c.kubeClient.List(ctx, &pools, client.UnsafeDisableDeepCopy); err != nil {
		log.FromContext(ctx).Error(err, "listing nodepools for a changed EC2NodeClass", "ec2nodeclass", o.GetName())
		return nil
	}
	var out []reconcile.Request
	for i := range pools.Items {
		ref := pools.Items[i].Spec.Template.Spec.NodeClassRef
		if ref != nil && ref.Name == o.GetName() && (ref.Group == "" || ref.Group == ec2v1.Group) {
			out = append(out, reconcile.Request{NamespacedName: types.NamespacedName{Name: pools.Items[i].Name}})
		}
	}
	return out
}
