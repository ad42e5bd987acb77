// Package index holds the cache field indexes that the NodeClaim controllers share, and the
// look-ups built on them. Each controller registers the indexes it needs; registering one that
// is already there (another controller of the same manager did it) is not an error.
package index

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Field names, as the API server would spell the field selectors.
const (
	// NodeProviderID indexes Nodes by spec.providerID.
	NodeProviderID = "spec.providerID"
	// NodeClaimProviderID indexes NodeClaims by status.providerID.
	NodeClaimProviderID = "status.providerID"
	// PodNodeName indexes Pods by spec.nodeName.
	PodNodeName = "spec.nodeName"
)

// NodesByProviderID registers the NodeProviderID index.
func NodesByProviderID(ctx context.Context, idx client.FieldIndexer) error {
	return field(ctx, idx, &corev1.Node{}, NodeProviderID, func(o client.Object) []string {
		if id := o.(*corev1.Node).Spec.ProviderID; id != "" {
			return []string{id}
		}
		return nil
	})
}

// NodeClaimsByProviderID registers the NodeClaimProviderID index.
func NodeClaimsByProviderID(ctx context.Context, idx client.FieldIndexer) error {
	return field(ctx, idx, &karpv1.NodeClaim{}, NodeClaimProviderID, func(o client.Object) []string {
		if id := o.(*karpv1.NodeClaim).Status.ProviderID; id != "" {
			return []string{id}
		}
		return nil
	})
}

// PodsByNodeName registers the PodNodeName index.
func PodsByNodeName(ctx context.Context, idx client.FieldIndexer) error {
	return field(ctx, idx, &corev1.Pod{}, PodNodeName, func(o client.Object) []string {
		if n := o.(*corev1.Pod).Spec.NodeName; n != "" {
			return []string{n}
		}
		return nil
	})
}

func field(ctx context.Context, idx client.FieldIndexer, obj client.Object, name string, fn client.IndexerFunc) error {
	err := idx.IndexField(ctx, obj, name, fn)
	// client-go's indexer refuses a second index of the same name with "indexer conflict". Every
	// controller that needs an index registers it, so the second registration is expected; the
	// names above are the API server's field paths, so an index of that name means the same.
	if err != nil && !strings.Contains(err.Error(), "indexer conflict") {
		return fmt.Errorf("indexing %T by %s: %w", obj, name, err)
	}
	return nil
}

// NodesForNodeClaim returns the Nodes whose provider ID is the NodeClaim's: none before launch or
// registration, normally one.
func NodesForNodeClaim(ctx context.Context, c client.Reader, nc *karpv1.NodeClaim) ([]*corev1.Node, error) {
	if nc.Status.ProviderID == "" {
		return nil, nil
	}
	list := &corev1.NodeList{}
	if err := c.List(ctx, list, client.MatchingFields{NodeProviderID: nc.Status.ProviderID}); err != nil {
		return nil, fmt.Errorf("listing the nodes with provider ID %s: %w", nc.Status.ProviderID, err)
	}
	out := make([]*corev1.Node, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

// NodeClaimsForProviderID returns the NodeClaims whose status.providerID is the given one.
func NodeClaimsForProviderID(ctx context.Context, c client.Reader, providerID string) ([]*karpv1.NodeClaim, error) {
	if providerID == "" {
		return nil, nil
	}
	list := &karpv1.NodeClaimList{}
	if err := c.List(ctx, list, client.MatchingFields{NodeClaimProviderID: providerID}); err != nil {
		return nil, fmt.Errorf("listing the NodeClaims with provider ID %s: %w", providerID, err)
	}
	out := make([]*karpv1.NodeClaim, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

// PodsOnNode returns the pods bound to the node.
func PodsOnNode(ctx context.Context, c client.Reader, nodeName string) ([]*corev1.Pod, error) {
	list := &corev1.PodList{}
	if err := c.List(ctx, list, client.MatchingFields{PodNodeName: nodeName}); err != nil {
		return nil, fmt.Errorf("listing the pods on node %s: %w", nodeName, err)
	}
	out := make([]*corev1.Pod, 0, len(list.Items))
	for i := range list.Items {
		out = append(out, &list.Items[i])
	}
	return out, nil
}

// NodeClaimOwner returns the name of the NodeClaim among the node's owner references, set at
// registration, or "".
func NodeClaimOwner(node *corev1.Node) string {
	for _, ref := range node.OwnerReferences {
		if ref.Kind == "NodeClaim" && strings.HasPrefix(ref.APIVersion, karpv1.Group+"/") {
			return ref.Name
		}
	}
	return ""
}
