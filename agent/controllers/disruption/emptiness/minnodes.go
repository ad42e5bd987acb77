package emptiness

import (
	"context"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
)

// minNodes returns the minNodes of the KarpenterScalingPolicy that governs the NodePool, and the
// policy's name; "" when no policy sets one. Emptiness honours it so that a pool kept warm by a
// policy is not emptied only to be scaled back up.
func (c *Controller) minNodes(ctx context.Context, pool string) (int, string, error) {
	var policies v1alpha1.KarpenterScalingPolicyList
	if err := c.kubeClient.List(ctx, &policies, client.UnsafeDisableDeepCopy); err != nil {
		return 0, "", fmt.Errorf("listing karpenterscalingpolicies: %w", err)
	}
	for i := range policies.Items {
		p := &policies.Items[i]
		if p.Spec.NodePoolRef.Name == pool && p.Spec.MinNodes != nil && p.DeletionTimestamp == nil {
			return int(*p.Spec.MinNodes), p.Name, nil
		}
	}
	return 0, "", nil
}
