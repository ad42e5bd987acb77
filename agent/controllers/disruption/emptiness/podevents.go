package emptiness

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// podBoundOrLeft passes the pod events that start consolidateAfter over, as upstream's
// nodeclaim/podevents does: a pod bound to a node (created bound, or bound later), going
// terminal, starting to terminate, or deleted while still live.
func podBoundOrLeft() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc: func(e event.CreateEvent) bool {
			p, ok := e.Object.(*corev1.Pod)
			return ok && p.Spec.NodeName != ""
		},
		UpdateFunc: func(e event.UpdateEvent) bool {
			o, ok1 := e.ObjectOld.(*corev1.Pod)
			n, ok2 := e.ObjectNew.(*corev1.Pod)
			if !ok1 || !ok2 || n.Spec.NodeName == "" {
				return false
			}
			bound := o.Spec.NodeName == ""
			terminal := !isTerminal(o) && isTerminal(n)
			terminating := o.DeletionTimestamp == nil && n.DeletionTimestamp != nil
			return bound || terminal || terminating
		},
		DeleteFunc: func(e event.DeleteEvent) bool {
			p, ok := e.Object.(*corev1.Pod)
			// A terminal pod already left when it went terminal.
			return ok && p.Spec.NodeName != "" && !isTerminal(p)
		},
		GenericFunc: func(event.GenericEvent) bool { return false },
	}
}

// recordPodEvent notes the time of the event for the pod's node, at once and in memory, and
// queues the node so the time is written to its NodeClaim. Keying the queue by node folds a
// burst of pods landing on one node into one write.
func (c *Controller) recordPodEvent(_ context.Context, o client.Object) []reconcile.Request {
	nodeName := o.(*corev1.Pod).Spec.NodeName
	now := c.clock.Now()
	c.mu.Lock()
	if t, ok := c.podEvents[nodeName]; !ok || now.After(t) {
		c.podEvents[nodeName] = now
	}
	c.mu.Unlock()
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: nodeName}}}
}

// pendingPodEvent returns the unwritten pod event time of a node, zero when none.
func (c *Controller) pendingPodEvent(nodeName string) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.podEvents[nodeName]
}

// forgetPodEvent drops a node's pending time once written, unless a newer event came meanwhile.
func (c *Controller) forgetPodEvent(nodeName string, written time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if t, ok := c.podEvents[nodeName]; ok && !t.After(written) {
		delete(c.podEvents, nodeName)
	}
}

// reconcilePodEvents writes a node's pending pod event time to its NodeClaim's
// status.lastPodEventTime. The request names a node.
func (c *Controller) reconcilePodEvents(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	pending := c.pendingPodEvent(req.Name)
	if pending.IsZero() {
		return reconcile.Result{}, nil
	}
	node := &corev1.Node{}
	if err := c.kubeClient.Get(ctx, req.NamespacedName, node, client.UnsafeDisableDeepCopy); err != nil {
		if apierrors.IsNotFound(err) {
			c.forgetPodEvent(req.Name, pending)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting node %s: %w", req.Name, err)
	}
	if node.Labels[karpv1.NodePoolLabelKey] == "" {
		// Not a node Karpenter manages.
		c.forgetPodEvent(req.Name, pending)
		return reconcile.Result{}, nil
	}
	cached, err := nodeClaimFor(ctx, c.kubeClient, node)
	if err != nil {
		return reconcile.Result{}, err
	}
	if cached == nil || cached.DeletionTimestamp != nil {
		c.forgetPodEvent(req.Name, pending)
		return reconcile.Result{}, nil
	}
	// The API keeps whole seconds; round up so consolidateAfter never counts from before the
	// event.
	at := pending.Truncate(time.Second)
	if at.Before(pending) {
		at = at.Add(time.Second)
	}
	if !at.After(cached.Status.LastPodEventTime.Time) {
		c.forgetPodEvent(req.Name, pending)
		return reconcile.Result{}, nil
	}
	nc := cached.DeepCopy()
	nc.Status.LastPodEventTime = metav1.NewTime(at)
	// A merge patch of one scalar field cannot overwrite another controller's conditions, so no
	// optimistic lock is needed.
	if err := c.kubeClient.Status().Patch(ctx, nc, client.MergeFrom(cached)); err != nil {
		if apierrors.IsNotFound(err) {
			c.forgetPodEvent(req.Name, pending)
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("recording the last pod event time of nodeclaim %s: %w", nc.Name, err)
	}
	c.forgetPodEvent(req.Name, pending)
	return reconcile.Result{}, nil
}
