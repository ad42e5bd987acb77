package kube

import (
	"context"
	"fmt"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Objects is a list of Karpenter objects both as the server returned them and decoded.
type Objects[T any] struct {
	Raw   *unstructured.UnstructuredList
	Items []T
}

// ListNodePools lists NodePools matching the label selector (empty: all).
func (c *Clients) ListNodePools(ctx context.Context, selector string) (Objects[karpv1.NodePool], error) {
	return list[karpv1.NodePool](ctx, c, NodePools, selector)
}

// ListNodeClaims lists NodeClaims matching the label selector (empty: all).
func (c *Clients) ListNodeClaims(ctx context.Context, selector string) (Objects[karpv1.NodeClaim], error) {
	return list[karpv1.NodeClaim](ctx, c, NodeClaims, selector)
}

// ListEC2NodeClasses lists all EC2NodeClasses.
func (c *Clients) ListEC2NodeClasses(ctx context.Context) (Objects[ec2v1.EC2NodeClass], error) {
	return list[ec2v1.EC2NodeClass](ctx, c, EC2NodeClasses, "")
}

// GetNodePool gets one NodePool.
func (c *Clients) GetNodePool(ctx context.Context, name string) (*unstructured.Unstructured, *karpv1.NodePool, error) {
	return get[karpv1.NodePool](ctx, c, NodePools, name)
}

// GetNodeClaim gets one NodeClaim.
func (c *Clients) GetNodeClaim(ctx context.Context, name string) (*unstructured.Unstructured, *karpv1.NodeClaim, error) {
	return get[karpv1.NodeClaim](ctx, c, NodeClaims, name)
}

// GetEC2NodeClass gets one EC2NodeClass.
func (c *Clients) GetEC2NodeClass(ctx context.Context, name string) (*unstructured.Unstructured, *ec2v1.EC2NodeClass, error) {
	return get[ec2v1.EC2NodeClass](ctx, c, EC2NodeClasses, name)
}

func list[T any](ctx context.Context, c *Clients, gvr schema.GroupVersionResource, selector string) (Objects[T], error) {
	raw, err := c.Resource(gvr).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		return Objects[T]{}, c.Explain(err, Op{Verb: "list", Resource: gvr.GroupResource()})
	}
	out := Objects[T]{Raw: raw, Items: make([]T, len(raw.Items))}
	for i := range raw.Items {
		if err := FromUnstructured(&raw.Items[i], &out.Items[i]); err != nil {
			return Objects[T]{}, err
		}
	}
	return out, nil
}

func get[T any](ctx context.Context, c *Clients, gvr schema.GroupVersionResource, name string) (*unstructured.Unstructured, *T, error) {
	raw, err := c.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		if IsNotFound(err) {
			return nil, nil, &NotFoundError{Resource: gvr.GroupResource(), Name: name, Err: err}
		}
		return nil, nil, c.Explain(err, Op{Verb: "get", Resource: gvr.GroupResource(), Name: name})
	}
	out := new(T)
	if err := FromUnstructured(raw, out); err != nil {
		return nil, nil, err
	}
	return raw, out, nil
}

// FromUnstructured decodes u into out, ignoring fields this build does not know.
func FromUnstructured(u *unstructured.Unstructured, out any) error {
	if err := runtime.DefaultUnstructuredConverter.FromUnstructured(u.Object, out); err != nil {
		return fmt.Errorf("decoding %s %s: %w", u.GetKind(), u.GetName(), err)
	}
	return nil
}
