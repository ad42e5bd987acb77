package emptiness

import (
	"context"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// retryAfter is how soon a reconcile whose status patch lost a race runs again. The winner's
// change may be one the watch predicates ignore, so waiting for an event could wait forever.
const retryAfter = time.Second

// markConsolidatable sets the Consolidatable condition True and returns the NodeClaim as it now
// is: a private copy the caller may patch again. It returns nil when the NodeClaim changed or
// went away meanwhile.
func (c *Controller) markConsolidatable(ctx context.Context, cached *karpv1.NodeClaim, now time.Time, message string) (*karpv1.NodeClaim, error) {
	if meta.IsStatusConditionTrue(cached.Status.Conditions, karpv1.ConditionTypeConsolidatable) {
		return cached.DeepCopy(), nil
	}
	nc := cached.DeepCopy()
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type:               karpv1.ConditionTypeConsolidatable,
		Status:             metav1.ConditionTrue,
		Reason:             karpv1.ConditionTypeConsolidatable,
		Message:            message,
		LastTransitionTime: metav1.NewTime(now),
	})
	return c.patchStatus(ctx, nc, cached)
}

// clearConsolidatable removes the Consolidatable condition, as upstream does while
// consolidateAfter has not elapsed or is Never.
func (c *Controller) clearConsolidatable(ctx context.Context, cached *karpv1.NodeClaim) error {
	if meta.FindStatusCondition(cached.Status.Conditions, karpv1.ConditionTypeConsolidatable) == nil {
		return nil
	}
	nc := cached.DeepCopy()
	meta.RemoveStatusCondition(&nc.Status.Conditions, karpv1.ConditionTypeConsolidatable)
	_, err := c.patchStatus(ctx, nc, cached)
	return err
}

// setDisruptionReason records on the NodeClaim why it is disrupted, as upstream's
// DisruptionReason condition does, so the termination path and readers can tell.
func (c *Controller) setDisruptionReason(ctx context.Context, stored *karpv1.NodeClaim, now time.Time, message string) (*karpv1.NodeClaim, error) {
	nc := stored.DeepCopy()
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type:               karpv1.ConditionTypeDisruptionReason,
		Status:             metav1.ConditionTrue,
		Reason:             string(karpv1.DisruptionReasonEmpty),
		Message:            message,
		LastTransitionTime: metav1.NewTime(now),
	})
	return c.patchStatus(ctx, nc, stored)
}

// errStale says a status patch lost a race with another writer.
type errStale struct{ name string }

func (e errStale) Error() string { return "nodeclaim " + e.name + " changed while being updated" }

// patchStatus writes nc's status over stored's. The optimistic lock matters: conditions are a
// list, which a merge patch replaces whole, so a patch from a stale copy would erase a condition
// the lifecycle controller just set. It returns nil and errStale on a conflict, nil and no error
// when the NodeClaim is gone.
func (c *Controller) patchStatus(ctx context.Context, nc, stored *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	err := c.kubeClient.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{}))
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case apierrors.IsConflict(err):
		return nil, errStale{name: nc.Name}
	case err != nil:
		return nil, fmt.Errorf("patching the status of nodeclaim %s: %w", nc.Name, err)
	}
	return nc, nil
}
