// Package emptiness removes nodes that have run nothing but DaemonSet pods for their NodePool's
// spec.disruption.consolidateAfter, as upstream Karpenter's emptiness consolidation does: it
// deletes the NodeClaim and lets the NodeClaim termination path drain the node and terminate the
// instance.
//
// Two controllers live here because they share state:
//   - nodeclaim.podevents (podevents.go) keeps each NodeClaim's status.lastPodEventTime, the time
//     a pod last bound to or left its node, from which consolidateAfter counts;
//   - disruption.emptiness (reconcile.go) works per NodePool, since its disruption budgets and a
//     KarpenterScalingPolicy's minNodes bound the pool as a whole. It sets the Consolidatable
//     condition, deletes the empty NodeClaims the budgets allow, and requeues itself for the moment
//     the next NodeClaim's consolidateAfter elapses or a scheduled budget changes; it never polls.
package emptiness

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/agent/nominations"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller"
	"sigs.k8s.io/controller-runtime/pkg/handler"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// Controller names, as they appear in logs and controller-runtime's metrics.
const (
	controllerName = "disruption.emptiness"
	podEventsName  = "nodeclaim.podevents"
)

// Controller is the emptiness controller and, sharing its state, the pod-events controller.
type Controller struct {
	kubeClient client.Client
	clock      clock.Clock
	recorder   decisions.Recorder

	mu sync.Mutex
	// deleting holds the NodeClaims this controller deleted until the cache shows them deleting,
	// so that a reconcile on a lagging cache neither exceeds a budget nor deletes twice.
	// Values are NodePool names, since a reconcile lists one pool's NodeClaims.
	deleting map[types.UID]string
	// podEvents holds, per node name, the time of a pod event seen by the informer and not yet
	// written to the NodeClaim. Emptiness reads it too, so that a node whose last pod just left
	// is not taken for one that has been empty since the previous, older lastPodEventTime.
	podEvents map[string]time.Time
	// nominations says which nodes the provisioner just promised to pending pods; those are not
	// empty, only not bound yet.
	nominations *nominations.Tracker
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns the emptiness controller. The clock decides when consolidateAfter has
// elapsed; tests pass a fake one.
func NewController(kubeClient client.Client, clk clock.Clock, recorder decisions.Recorder, noms *nominations.Tracker) *Controller {
	return &Controller{
		kubeClient:  kubeClient,
		clock:       clk,
		recorder:    recorder,
		deleting:    map[types.UID]string{},
		podEvents:   map[string]time.Time{},
		nominations: noms,
	}
}

// Register adds the field indexes, the emptiness controller and the pod-events controller to
// the manager.
func (c *Controller) Register(mgr manager.Manager) error {
	if err := registerIndexes(context.Background(), mgr); err != nil {
		return err
	}
	err := builder.ControllerManagedBy(mgr).
		Named(controllerName).
		// The NodePool's spec (consolidateAfter, budgets) matters, not the status other
		// controllers write.
		For(&karpv1.NodePool{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Watches(&karpv1.NodeClaim{}, handler.EnqueueRequestsFromMapFunc(nodePoolOfObject),
			builder.WithPredicates(nodeClaimChanged())).
		Watches(&corev1.Node{}, handler.EnqueueRequestsFromMapFunc(nodePoolOfObject),
			builder.WithPredicates(nodeChanged())).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(c.nodePoolOfPod),
			builder.WithPredicates(podDoNotDisruptChanged())).
		Watches(&v1alpha1.KarpenterScalingPolicy{}, handler.EnqueueRequestsFromMapFunc(nodePoolOfPolicy)).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", controllerName, err)
	}
	err = builder.ControllerManagedBy(mgr).
		Named(podEventsName).
		Watches(&corev1.Pod{}, handler.EnqueueRequestsFromMapFunc(c.recordPodEvent),
			builder.WithPredicates(podBoundOrLeft())).
		// One write per node, each independent: as upstream, let a burst of scheduling spread.
		WithOptions(controller.Options{MaxConcurrentReconciles: 10}).
		Complete(reconcile.Func(c.reconcilePodEvents))
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", podEventsName, err)
	}
	return nil
}

// markDeleting remembers a NodeClaim this controller is deleting.
func (c *Controller) markDeleting(uid types.UID, pool string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.deleting[uid] = pool
}

func (c *Controller) unmarkDeleting(uid types.UID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.deleting, uid)
}

func (c *Controller) isDeleting(uid types.UID) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.deleting[uid]
	return ok
}

// forgetSettled drops the marks of NodeClaims the cache now shows deleting, or no longer lists.
func (c *Controller) forgetSettled(nodeClaims []karpv1.NodeClaim, pool string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.deleting) == 0 {
		return
	}
	listed := make(map[types.UID]bool, len(nodeClaims))
	for i := range nodeClaims {
		listed[nodeClaims[i].UID] = nodeClaims[i].DeletionTimestamp == nil
	}
	for uid, p := range c.deleting {
		if p != pool {
			continue
		}
		if live, ok := listed[uid]; !ok || !live {
			delete(c.deleting, uid)
		}
	}
}
