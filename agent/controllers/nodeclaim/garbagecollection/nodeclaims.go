package garbagecollection

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// reasonInstanceTerminated is the DisruptionReason of a NodeClaim collected because its
// instance is gone, so that the termination path labels its metric with it.
const reasonInstanceTerminated = "InstanceTerminated"

// collectNodeClaims deletes the NodeClaims launched more than the grace period ago whose
// instance the provider no longer has. List said so; Get confirms it, since a List can lag.
func (c *Controller) collectNodeClaims(ctx context.Context, s snapshot, instances []*karpv1.NodeClaim) {
	listed := make(map[string]bool, len(instances))
	for _, in := range instances {
		listed[in.Status.ProviderID] = true
	}
	now := c.clock.Now()
	for _, nc := range s.byProviderID {
		launched := meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeLaunched)
		if nc.DeletionTimestamp != nil || listed[nc.Status.ProviderID] ||
			launched == nil || launched.Status != metav1.ConditionTrue || now.Sub(launched.LastTransitionTime.Time) < GracePeriod {
			continue
		}
		if _, err := c.cloudProvider.Get(ctx, nc.Status.ProviderID); !cloudprovider.IsNodeClaimNotFound(err) {
			if err != nil {
				c.log.Error(err, "confirming that an instance is gone", "nodeclaim", nc.Name, "providerID", nc.Status.ProviderID)
			}
			continue
		}
		if err := c.deleteNodeClaim(ctx, nc); err != nil {
			c.log.Error(err, "deleting a nodeclaim whose instance is gone", "nodeclaim", nc.Name)
		}
	}
}

func (c *Controller) deleteNodeClaim(ctx context.Context, nc *karpv1.NodeClaim) error {
	stored := nc.DeepCopy()
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type:               karpv1.ConditionTypeDisruptionReason,
		Status:             metav1.ConditionTrue,
		Reason:             reasonInstanceTerminated,
		Message:            "instance " + nc.Status.ProviderID + " no longer exists",
		LastTransitionTime: metav1.NewTime(c.clock.Now()),
	})
	// Optimistic lock: conditions are a list a merge patch replaces whole. A conflict waits for
	// the next pass.
	if err := c.kubeClient.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("recording why nodeclaim %s goes: %w", nc.Name, err)
	}
	if err := c.kubeClient.Delete(ctx, nc, client.Preconditions{UID: &nc.UID}); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil
		}
		return fmt.Errorf("deleting nodeclaim %s: %w", nc.Name, err)
	}
	c.recorder.Publish(decisions.InstanceTerminated(nc, nc.Status.ProviderID))
	c.log.Info("deleted a nodeclaim whose instance no longer exists", "nodeclaim", nc.Name, "providerID", nc.Status.ProviderID,
		"nodepool", nc.Labels[karpv1.NodePoolLabelKey])
	return nil
}
