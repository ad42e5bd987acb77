package provisioning

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/nominations"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// Controller feeds the provisioner's batcher: a pending pod, a deleted NodeClaim or Node (its
// pods or its capacity need a new home) or a changed NodePool each start or extend a batch.
type Controller struct {
	batcher     *Batcher
	provisioner *Provisioner
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController builds the provisioning controller and its provisioner.
func NewController(kube client.Client, reader client.Reader, cp cloudprovider.CloudProvider, rec decisions.Recorder, clk clock.Clock, batcher *Batcher, noms *nominations.Tracker) *Controller {
	return &Controller{batcher: batcher, provisioner: NewProvisioner(kube, reader, cp, rec, clk, batcher, noms)}
}

// Provisioner returns the provisioner, for tests that drive a solve directly.
func (c *Controller) Provisioner() *Provisioner { return c.provisioner }

// Reconcile is called for pending pods only (see the predicates), so it just opens a batch.
func (c *Controller) Reconcile(context.Context, reconcile.Request) (reconcile.Result, error) {
	c.batcher.Trigger()
	return reconcile.Result{}, nil
}

// Register adds the trigger controller and the provisioner to the manager.
func (c *Controller) Register(mgr manager.Manager) error {
	err := ctrl.NewControllerManagedBy(mgr).
		Named("provisioning").
		For(&corev1.Pod{}, builder.WithPredicates(becameProvisionable())).
		Watches(&corev1.Pod{}, c.onRetried()).
		Watches(&karpv1.NodeClaim{}, c.onDelete()).
		Watches(&corev1.Node{}, c.onDelete()).
		Watches(&karpv1.NodePool{}, c.onAnyChange(), builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the provisioning controller: %w", err)
	}
	if err := mgr.Add(c.provisioner); err != nil {
		return fmt.Errorf("adding the provisioner: %w", err)
	}
	return nil
}

// becameProvisionable passes a pod when it becomes one the agent should provision for: created
// so, or updated into it; those trigger (open or extend) a batch. Updates of a pod that was
// already pending do not pass: the kube-scheduler rewrites its message ("0/N nodes are
// available") each time new nodes appear, and as triggers those kept a batch from ever going idle
// while nodes came up, so every batch ran to its max duration. They only nudge (onRetried).
func becameProvisionable() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool { return provisionable(e.Object) },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return provisionable(e.ObjectNew) && !provisionable(e.ObjectOld)
		},
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(e event.GenericEvent) bool { return provisionable(e.Object) },
	}
}

// onRetried nudges the batcher when the kube-scheduler tried a pending pod again and still could
// not place it (its PodScheduled condition changed). Usually the pod just waits for a node that is
// still booting and the solve changes nothing; but when the nodes it was nominated to came up and
// filled with other pods, this is the only prompt sign that it needs a new home.
func (c *Controller) onRetried() handler.EventHandler {
	return handler.Funcs{
		UpdateFunc: func(_ context.Context, e event.UpdateEvent, _ queue) {
			if provisionable(e.ObjectOld) && provisionable(e.ObjectNew) &&
				scheduledCondition(e.ObjectOld) != scheduledCondition(e.ObjectNew) {
				c.batcher.Nudge()
			}
		},
	}
}

// scheduledCondition is what changes when the kube-scheduler retries a pod: its message (which
// counts the nodes it tried) or the time of its last transition.
func scheduledCondition(o client.Object) string {
	pod, ok := o.(*corev1.Pod)
	if !ok {
		return ""
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Message + "@" + c.LastTransitionTime.UTC().String()
		}
	}
	return ""
}

func provisionable(o client.Object) bool {
	pod, ok := o.(*corev1.Pod)
	return ok && scheduling.IsProvisionable(pod)
}

type queue = workqueue.TypedRateLimitingInterface[reconcile.Request]

// onDelete opens a batch when an object goes away: the pods of a deleted NodeClaim or Node need a
// new home.
func (c *Controller) onDelete() handler.EventHandler {
	return handler.Funcs{
		DeleteFunc: func(context.Context, event.DeleteEvent, queue) { c.batcher.Trigger() },
	}
}

// onAnyChange opens a batch on any change: a new or edited NodePool may take pending pods.
func (c *Controller) onAnyChange() handler.EventHandler {
	return handler.Funcs{
		CreateFunc: func(context.Context, event.CreateEvent, queue) { c.batcher.Trigger() },
		UpdateFunc: func(context.Context, event.UpdateEvent, queue) { c.batcher.Trigger() },
		DeleteFunc: func(context.Context, event.DeleteEvent, queue) { c.batcher.Trigger() },
	}
}
