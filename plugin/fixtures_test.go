package plugin

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

// newNodeClaim is a NodeClaim of the pool launched now as instanceType (spot or on-demand) in
// zone, registered as nodeName when that is not empty.
func newNodeClaim(name, pool, instanceType, capacityType, zone, nodeName string) *karpv1.NodeClaim {
	return plugintest.NodeClaim(name, pool, instanceType, capacityType, zone, nodeName, time.Now())
}

// newPod requests cpu and memory; it is bound to nodeName, or left to the kube-scheduler when
// nodeName is empty (create waits for its verdict). The status is for reading the fixture: the
// kube-scheduler and KWOK write the real one.
func newPod(namespace, name, cpu, mem, nodeName string) *corev1.Pod {
	p := plugintest.Pod(namespace, name, cpu, mem, nodeName)
	if nodeName == "" {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable,
			Message: "0/1 nodes are available: 1 Insufficient cpu.", LastTransitionTime: metav1.Now(),
		}}}
	} else {
		p.Status = corev1.PodStatus{Phase: corev1.PodRunning}
	}
	return p
}

// create creates the objects, then writes the status each was given (create ignores it), but
// for Events, nodes (whose status create keeps, and KWOK then owns) and pods (the kube-scheduler
// and KWOK own theirs). It waits until the kube-scheduler has found no node for each pod left
// to it, and fails if it bound one.
func (c *cluster) create(t *testing.T, objs ...client.Object) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		switch o := obj.(type) {
		case *corev1.Event, *corev1.Node, *corev1.Pod:
			if err := c.client.Create(ctx, obj); err != nil {
				t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
			}
			if p, ok := o.(*corev1.Pod); ok && p.Spec.NodeName == "" {
				c.waitUnschedulable(t, p)
			}
		default:
			if err := plugintest.CreateWithStatus(ctx, c.client, obj); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// ensureNamespace creates the namespace and waits for its default ServiceAccount, without which
// pods are refused.
func ensureNamespace(t *testing.T, c *cluster, name string) {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if err := c.client.Create(context.Background(), ns); client.IgnoreAlreadyExists(err) != nil {
		t.Fatal(err)
	}
	c.nsMu.Lock()
	c.namespaces[name] = true
	c.nsMu.Unlock()
	c.poll(t, "the default ServiceAccount of "+name, func(ctx context.Context) (bool, error) {
		err := c.client.Get(ctx, client.ObjectKey{Namespace: name, Name: "default"}, &corev1.ServiceAccount{})
		return err == nil, client.IgnoreNotFound(err)
	})
}

// waitUnschedulable waits until the kube-scheduler has tried the pod and found no node.
func (c *cluster) waitUnschedulable(t *testing.T, p *corev1.Pod) {
	t.Helper()
	c.poll(t, "the kube-scheduler's verdict on "+p.Name, func(ctx context.Context) (bool, error) {
		var got corev1.Pod
		if err := c.client.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil {
			return false, err
		}
		if got.Spec.NodeName != "" {
			t.Fatalf("the kube-scheduler bound %s to %s; the fixture wants it pending", p.Name, got.Spec.NodeName)
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == corev1.PodScheduled && cond.Reason == corev1.PodReasonUnschedulable {
				return true, nil
			}
		}
		return false, nil
	})
}
