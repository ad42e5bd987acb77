package kube

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var (
	eventsResource = schema.GroupResource{Resource: "events"}
	podsResource   = schema.GroupResource{Resource: "pods"}
	nodesResource  = schema.GroupResource{Resource: "nodes"}
)

// EventsFor lists the Events about one object of the kind, in every namespace. Events about
// cluster-scoped objects are recorded in "default", so when listing all namespaces is forbidden
// it lists "default" alone.
func (c *Clients) EventsFor(ctx context.Context, kind, name string) ([]corev1.Event, error) {
	sel := fields.Set{"involvedObject.kind": kind, "involvedObject.name": name}.AsSelector().String()
	return c.ListEvents(ctx, sel)
}

// ListEvents lists Events matching the field selector in every namespace, or in "default" when
// that is all RBAC allows.
func (c *Clients) ListEvents(ctx context.Context, fieldSelector string) ([]corev1.Event, error) {
	opts := metav1.ListOptions{FieldSelector: fieldSelector}
	list, err := c.Kube.CoreV1().Events(metav1.NamespaceAll).List(ctx, opts)
	if apierrors.IsForbidden(err) {
		list, err = c.Kube.CoreV1().Events(metav1.NamespaceDefault).List(ctx, opts)
		if err != nil {
			return nil, c.Explain(err, Op{Verb: "list", Resource: eventsResource, Namespace: metav1.NamespaceDefault})
		}
	}
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "list", Resource: eventsResource, AllNamespaces: true})
	}
	return list.Items, nil
}

// ListPods lists pods in the namespace ("" for all) matching the selectors.
func (c *Clients) ListPods(ctx context.Context, namespace, labelSelector, fieldSelector string) ([]corev1.Pod, error) {
	list, err := c.Kube.CoreV1().Pods(namespace).List(ctx, metav1.ListOptions{LabelSelector: labelSelector, FieldSelector: fieldSelector})
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "list", Resource: podsResource, Namespace: namespace, AllNamespaces: namespace == ""})
	}
	return list.Items, nil
}

// GetPod gets one pod.
func (c *Clients) GetPod(ctx context.Context, namespace, name string) (*corev1.Pod, error) {
	pod, err := c.Kube.CoreV1().Pods(namespace).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "get", Resource: podsResource, Namespace: namespace, Name: name})
	}
	return pod, nil
}

// ListNodes lists nodes matching the label selector.
func (c *Clients) ListNodes(ctx context.Context, labelSelector string) ([]corev1.Node, error) {
	list, err := c.Kube.CoreV1().Nodes().List(ctx, metav1.ListOptions{LabelSelector: labelSelector})
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "list", Resource: nodesResource})
	}
	return list.Items, nil
}

// GetNode gets one node; a missing node is (nil, nil).
func (c *Clients) GetNode(ctx context.Context, name string) (*corev1.Node, error) {
	node, err := c.Kube.CoreV1().Nodes().Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.Explain(err, Op{Verb: "get", Resource: nodesResource, Name: name})
	}
	return node, nil
}
