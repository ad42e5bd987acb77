package lifecycle

import (
	"context"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// liveness deletes a NodeClaim that stalls, so that the provisioner launches another: one not
// launched LaunchTimeout after its creation, launched but not registered RegistrationTimeout
// after its launch, or registered but not initialized InitializationTimeout after registering
// (a startup taint nobody removes, a device plugin that never reports its GPUs). Until then it
// asks to be requeued exactly when the timeout falls due.
func (c *Controller) liveness(ctx context.Context, nc *karpv1.NodeClaim) (reconcile.Result, error) {
	launched := meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeLaunched)
	if launched == nil || launched.Status != metav1.ConditionTrue {
		return c.deleteAfter(ctx, nc, nc.CreationTimestamp.Time, c.LaunchTimeout, decisions.ReasonLaunchTimeout, "launched")
	}
	if !isTrue(nc, karpv1.ConditionTypeRegistered) {
		return c.deleteAfter(ctx, nc, launched.LastTransitionTime.Time, c.RegistrationTimeout, decisions.ReasonRegistrationTimeout, "registered")
	}
	registered := meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeRegistered)
	if !isTrue(nc, karpv1.ConditionTypeInitialized) && c.InitializationTimeout > 0 {
		return c.deleteAfter(ctx, nc, registered.LastTransitionTime.Time, c.InitializationTimeout, decisions.ReasonInitializationTimeout, "initialized")
	}
	return reconcile.Result{}, nil
}

// deleteAfter deletes the NodeClaim once timeout has passed since since, or returns when to look
// again.
func (c *Controller) deleteAfter(ctx context.Context, nc *karpv1.NodeClaim, since time.Time, timeout time.Duration, reason, stage string) (reconcile.Result, error) {
	if remaining := since.Add(timeout).Sub(c.clock.Now()); remaining > 0 {
		return reconcile.Result{RequeueAfter: remaining}, nil
	}
	c.recorder.Publish(decisions.Timeout(nc, reason, stage, timeout))
	log.FromContext(ctx).Info("deleting a stalled NodeClaim", "reason", reason, "timeout", timeout.String())
	return reconcile.Result{}, c.delete(ctx, nc)
}
