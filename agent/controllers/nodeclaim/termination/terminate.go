package termination

import (
	"context"
	"encoding/json"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// terminate runs once the node is drained: it terminates the instance, removes the Node, and
// removes the NodeClaim's finalizer. The instance goes before the Node object, so that a kubelet
// still running cannot register the Node again.
func (c *Controller) terminate(ctx context.Context, nc *karpv1.NodeClaim, nodes []*corev1.Node) error {
	providerID, err := c.terminateInstance(ctx, nc)
	if err != nil {
		return err
	}
	for _, node := range nodes {
		if err := c.removeNode(ctx, node); err != nil {
			return err
		}
	}
	stored := nc.DeepCopy()
	controllerutil.RemoveFinalizer(nc, karpv1.TerminationFinalizer)
	// The lock matters twice. A launch that recorded a provider ID since this pass read the
	// NodeClaim makes it fail, and the next pass terminates that instance too. A pass working
	// from a cache that has not seen the NodeClaim go fails here (not found) or conflicts, and
	// so does not record the termination a second time.
	if err := c.kube.Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		return fmt.Errorf("removing finalizer %s from NodeClaim %s: %w", karpv1.TerminationFinalizer, nc.Name, err)
	}
	if providerID != "" {
		c.recorder.Publish(decisions.Terminated(nc, providerID))
	}
	metrics.NodeClaimsTerminated.WithLabelValues(terminationReason(nc), nc.Labels[karpv1.NodePoolLabelKey]).Inc()
	log.FromContext(ctx).Info("terminated", "providerID", providerID)
	return nil
}

// terminateInstance deletes the NodeClaim's instance and returns its provider ID ("" when it had
// none). An instance already gone counts as deleted. A NodeClaim without a provider ID may still
// have an instance, when the agent stopped between launching it and recording it; the provider
// lists it under the NodeClaim's name.
func (c *Controller) terminateInstance(ctx context.Context, nc *karpv1.NodeClaim) (string, error) {
	if nc.Status.ProviderID != "" {
		if err := c.cloud.Delete(ctx, nc); err != nil && !cloudprovider.IsNodeClaimNotFound(err) {
			return "", fmt.Errorf("terminating instance %s: %w", nc.Status.ProviderID, err)
		}
		return nc.Status.ProviderID, nil
	}
	instances, err := c.cloud.List(ctx)
	if err != nil {
		return "", fmt.Errorf("looking for an instance launched for NodeClaim %s: %w", nc.Name, err)
	}
	var providerID string
	for _, in := range instances {
		if in.Name != nc.Name {
			continue
		}
		if err := c.cloud.Delete(ctx, in); err != nil && !cloudprovider.IsNodeClaimNotFound(err) {
			return "", fmt.Errorf("terminating instance %s: %w", in.Status.ProviderID, err)
		}
		providerID = in.Status.ProviderID
	}
	return providerID, nil
}

// removeNode releases the Node's termination finalizer, then deletes it. The finalizer goes by a
// JSON patch that tests the entry it removes: the Node changes often (its kubelet's status, the
// provider deleting it), and a patch locked to the whole object would lose those races for
// nothing. A restart between the two steps finds the node drained and deletes it then.
func (c *Controller) removeNode(ctx context.Context, node *corev1.Node) error {
	if patch, ok := removeFinalizer(node, karpv1.TerminationFinalizer); ok {
		if err := c.kube.Patch(ctx, node, patch); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("removing finalizer %s from node %s: %w", karpv1.TerminationFinalizer, node.Name, err)
		}
	}
	if node.DeletionTimestamp.IsZero() {
		if err := c.kube.Delete(ctx, node, client.Preconditions{UID: &node.UID}); client.IgnoreNotFound(err) != nil {
			return fmt.Errorf("deleting node %s: %w", node.Name, err)
		}
	}
	return nil
}

// removeFinalizer returns a JSON patch that removes the finalizer from the object's list,
// provided it is still at the index it has in o, and whether o has it at all.
func removeFinalizer(o client.Object, finalizer string) (client.Patch, bool) {
	for i, f := range o.GetFinalizers() {
		if f != finalizer {
			continue
		}
		path := fmt.Sprintf("/metadata/finalizers/%d", i)
		ops, _ := json.Marshal([]map[string]any{
			{"op": "test", "path": path, "value": finalizer},
			{"op": "remove", "path": path},
		})
		return client.RawPatch(types.JSONPatchType, ops), true
	}
	return nil, false
}

// taint puts karpenter.sh/disrupted:NoSchedule on the node, so no new pod lands while it drains.
func (c *Controller) taint(ctx context.Context, node *corev1.Node) error {
	if hasTaint(node.Spec.Taints, karpv1.DisruptedNoScheduleTaint) {
		return nil
	}
	stored := node.DeepCopy()
	taint := karpv1.DisruptedNoScheduleTaint
	taint.TimeAdded = &metav1.Time{Time: c.clock.Now()}
	node.Spec.Taints = append(node.Spec.Taints, taint)
	// Taints are a list, which a merge patch replaces whole: lock it.
	if err := c.kube.Patch(ctx, node, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); client.IgnoreNotFound(err) != nil {
		return fmt.Errorf("tainting node %s %s:%s: %w", node.Name, taint.Key, taint.Effect, err)
	}
	return nil
}

// markDrained records Drained=True.
func (c *Controller) markDrained(ctx context.Context, nc *karpv1.NodeClaim, nodes []*corev1.Node) error {
	stored := nc.DeepCopy()
	msg := "The NodeClaim has no node to drain"
	if len(nodes) > 0 {
		msg = fmt.Sprintf("Node %s has no pods left to evict", nodes[0].Name)
	}
	c.setCondition(nc, karpv1.ConditionTypeDrained, metav1.ConditionTrue, ReasonDrained, msg)
	return c.patchStatus(ctx, nc, stored)
}

func (c *Controller) setCondition(nc *karpv1.NodeClaim, typ string, status metav1.ConditionStatus, reason, message string) {
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type: typ, Status: status, Reason: reason, Message: message,
		ObservedGeneration: nc.Generation, LastTransitionTime: metav1.NewTime(c.clock.Now()),
	})
}

// patchStatus writes the status if it changed, locked to stored's resourceVersion because
// conditions are a list.
func (c *Controller) patchStatus(ctx context.Context, nc, stored *karpv1.NodeClaim) error {
	if equality.Semantic.DeepEqual(stored.Status, nc.Status) {
		return nil
	}
	if err := c.kube.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("patching the status of NodeClaim %s: %w", nc.Name, err)
	}
	return nil
}

// terminationReason labels the terminated metric: the disruption reason when disruption set
// one, otherwise Deleted.
func terminationReason(nc *karpv1.NodeClaim) string {
	if cond := meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeDisruptionReason); cond != nil && cond.Reason != "" {
		return cond.Reason
	}
	return "Deleted"
}

func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	for i := range taints {
		if taints[i].MatchTaint(&t) {
			return true
		}
	}
	return false
}
