package emptiness

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/event"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
)

// nodePoolOfObject maps a NodeClaim or Node to its NodePool through the karpenter.sh/nodepool
// label.
func nodePoolOfObject(_ context.Context, o client.Object) []reconcile.Request {
	if pool := o.GetLabels()[karpv1.NodePoolLabelKey]; pool != "" {
		return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: pool}}}
	}
	return nil
}

// nodePoolOfPod maps a pod to the NodePool of the node it is bound to.
func (c *Controller) nodePoolOfPod(ctx context.Context, o client.Object) []reconcile.Request {
	pod := o.(*corev1.Pod)
	if pod.Spec.NodeName == "" {
		return nil
	}
	node := &corev1.Node{}
	if err := c.kubeClient.Get(ctx, types.NamespacedName{Name: pod.Spec.NodeName}, node, client.UnsafeDisableDeepCopy); err != nil {
		return nil
	}
	return nodePoolOfObject(ctx, node)
}

func nodePoolOfPolicy(_ context.Context, o client.Object) []reconcile.Request {
	p := o.(*v1alpha1.KarpenterScalingPolicy)
	return []reconcile.Request{{NamespacedName: types.NamespacedName{Name: p.Spec.NodePoolRef.Name}}}
}

// nodeClaimChanged passes the NodeClaim updates emptiness depends on, and not the Consolidatable
// condition it writes itself, so that it does not wake itself up.
func nodeClaimChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		o, ok1 := e.ObjectOld.(*karpv1.NodeClaim)
		n, ok2 := e.ObjectNew.(*karpv1.NodeClaim)
		if !ok1 || !ok2 {
			return true
		}
		return (o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
			!o.Status.LastPodEventTime.Equal(&n.Status.LastPodEventTime) ||
			o.Status.ProviderID != n.Status.ProviderID ||
			initialized(o) != initialized(n) ||
			doNotDisrupt(o.Annotations) != doNotDisrupt(n.Annotations) ||
			o.Labels[karpv1.NodePoolLabelKey] != n.Labels[karpv1.NodePoolLabelKey]
	}}
}

func initialized(nc *karpv1.NodeClaim) bool {
	return meta.IsStatusConditionTrue(nc.Status.Conditions, karpv1.ConditionTypeInitialized)
}

// nodeChanged passes a node's arrival and departure, and changes of its do-not-disrupt
// annotation or its NodePool label; not the heartbeats.
func nodeChanged() predicate.Predicate {
	return predicate.Funcs{UpdateFunc: func(e event.UpdateEvent) bool {
		return doNotDisrupt(e.ObjectOld.GetAnnotations()) != doNotDisrupt(e.ObjectNew.GetAnnotations()) ||
			e.ObjectOld.GetLabels()[karpv1.NodePoolLabelKey] != e.ObjectNew.GetLabels()[karpv1.NodePoolLabelKey]
	}}
}

// podDoNotDisruptChanged passes a pod's do-not-disrupt annotation being set or removed. Pods
// binding and leaving reach emptiness through the lastPodEventTime the pod-events controller
// writes.
func podDoNotDisruptChanged() predicate.Predicate {
	return predicate.Funcs{
		CreateFunc:  func(event.CreateEvent) bool { return false },
		DeleteFunc:  func(event.DeleteEvent) bool { return false },
		GenericFunc: func(event.GenericEvent) bool { return false },
		UpdateFunc: func(e event.UpdateEvent) bool {
			return doNotDisrupt(e.ObjectOld.GetAnnotations()) != doNotDisrupt(e.ObjectNew.GetAnnotations())
		},
	}
}
