package emptiness

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Field indexes on the manager's cache. The names carry this package's prefix because an
// informer refuses a second index of the same name, and other controllers may well index the
// same fields under the plain field path.
const (
	podNodeNameIndex         = "emptiness/pod.spec.nodeName"
	nodeProviderIDIndex      = "emptiness/node.spec.providerID"
	nodeClaimProviderIDIndex = "emptiness/nodeclaim.status.providerID"
)

func registerIndexes(ctx context.Context, mgr manager.Manager) error {
	idx := mgr.GetFieldIndexer()
	if err := idx.IndexField(ctx, &corev1.Pod{}, podNodeNameIndex, func(o client.Object) []string {
		if n := o.(*corev1.Pod).Spec.NodeName; n != "" {
			return []string{n}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing pods by node name: %w", err)
	}
	if err := idx.IndexField(ctx, &corev1.Node{}, nodeProviderIDIndex, func(o client.Object) []string {
		if id := o.(*corev1.Node).Spec.ProviderID; id != "" {
			return []string{id}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing nodes by provider ID: %w", err)
	}
	if err := idx.IndexField(ctx, &karpv1.NodeClaim{}, nodeClaimProviderIDIndex, func(o client.Object) []string {
		if id := o.(*karpv1.NodeClaim).Status.ProviderID; id != "" {
			return []string{id}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("indexing nodeclaims by provider ID: %w", err)
	}
	return nil
}

// nodeFor returns the NodeClaim's Node from the cache, nil when it has none (yet). The caller
// must not modify it.
func nodeFor(ctx context.Context, c client.Reader, nc *karpv1.NodeClaim) (*corev1.Node, error) {
	if nc.Status.ProviderID == "" {
		return nil, nil
	}
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes, client.MatchingFields{nodeProviderIDIndex: nc.Status.ProviderID}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing the node of nodeclaim %s: %w", nc.Name, err)
	}
	if len(nodes.Items) == 0 {
		return nil, nil
	}
	return &nodes.Items[0], nil
}

// nodeClaimFor returns the Node's NodeClaim from the cache, nil when it has none. The caller
// must not modify it.
func nodeClaimFor(ctx context.Context, c client.Reader, node *corev1.Node) (*karpv1.NodeClaim, error) {
	if node.Spec.ProviderID == "" {
		return nil, nil
	}
	var ncs karpv1.NodeClaimList
	if err := c.List(ctx, &ncs, client.MatchingFields{nodeClaimProviderIDIndex: node.Spec.ProviderID}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing the nodeclaim of node %s: %w", node.Name, err)
	}
	if len(ncs.Items) == 0 {
		return nil, nil
	}
	return &ncs.Items[0], nil
}

// podsOn lists the pods bound to a node from the cache. The caller must not modify them.
func podsOn(ctx context.Context, c client.Reader, nodeName string) ([]corev1.Pod, error) {
	var pods corev1.PodList
	if err := c.List(ctx, &pods, client.MatchingFields{podNodeNameIndex: nodeName}, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing the pods on node %s: %w", nodeName, err)
	}
	return pods.Items, nil
}
