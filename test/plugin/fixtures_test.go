package plugin_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

// The namespaces the tests put pods in; reset empties them.
var namespaces = []string{"shop", "wp", "other"}

// reset brings the cluster back to empty: no Karpenter objects, nodes, pods, volumes,
// DaemonSets or Events. Every test starts with it.
func reset(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c := env.client
	for _, ns := range namespaces {
		if err := c.Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}}); client.IgnoreAlreadyExists(err) != nil {
			t.Fatal(err)
		}
	}
	// Pods go first and at once: bound pods otherwise wait for KWOK to confirm their end.
	for _, ns := range namespaces {
		inNS := client.InNamespace(ns)
		for _, obj := range []client.Object{&corev1.Pod{}, &appsv1.DaemonSet{}, &corev1.PersistentVolumeClaim{}, &corev1.Event{}} {
			if err := c.DeleteAllOf(ctx, obj, inNS, client.GracePeriodSeconds(0)); err != nil {
				t.Fatalf("deleting the %T of %s: %v", obj, ns, err)
			}
		}
	}
	if err := c.DeleteAllOf(ctx, &corev1.Event{}, client.InNamespace(metav1.NamespaceDefault)); err != nil {
		t.Fatal(err)
	}
	for _, obj := range []client.Object{&karpv1.NodeClaim{}, &karpv1.NodePool{}, &ec2v1.EC2NodeClass{}, &corev1.PersistentVolume{}, &corev1.Node{}} {
		if err := c.DeleteAllOf(ctx, obj); err != nil {
			t.Fatalf("deleting every %T: %v", obj, err)
		}
	}
	eventually(t, "an empty cluster", time.Minute, func(ctx context.Context) (bool, error) {
		for _, l := range []client.ObjectList{&corev1.PodList{}, &corev1.NodeList{}, &karpv1.NodeClaimList{}, &karpv1.NodePoolList{}, &corev1.PersistentVolumeList{}, &corev1.PersistentVolumeClaimList{}} {
			if err := c.List(ctx, l); err != nil {
				return false, err
			}
			if n := len(itemsOf(l)); n > 0 {
				return false, nil
			}
		}
		return true, nil
	})
}

func itemsOf(l client.ObjectList) []any {
	var out []any
	switch l := l.(type) {
	case *corev1.PodList:
		for i := range l.Items {
			if inTestNamespace(l.Items[i].Namespace) {
				out = append(out, &l.Items[i])
			}
		}
	case *corev1.NodeList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *karpv1.NodeClaimList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *karpv1.NodePoolList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.PersistentVolumeList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	case *corev1.PersistentVolumeClaimList:
		for i := range l.Items {
			out = append(out, &l.Items[i])
		}
	}
	return out
}

func inTestNamespace(ns string) bool {
	for _, n := range namespaces {
		if n == ns {
			return true
		}
	}
	return false
}

// create creates the objects and then writes the status each was given, which create ignores
// (Events and pods excepted: the kube-scheduler and KWOK own the pods' status).
func create(t *testing.T, objs ...client.Object) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		var err error
		switch obj.(type) {
		case *corev1.Event, *corev1.Pod, *appsv1.DaemonSet, *corev1.PersistentVolume, *corev1.PersistentVolumeClaim, *corev1.Node:
			if err = env.client.Create(ctx, obj); err != nil {
				err = fmt.Errorf("creating %T %s: %w", obj, obj.GetName(), err)
			}
		default:
			err = plugintest.CreateWithStatus(ctx, env.client, obj)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// nodeClaim is a launched NodeClaim of the pool, registered as nodeName unless that is empty,
// with the allocatable of its capacity after the kubelet's reservations.
func nodeClaim(name, pool, instanceType, capacityType, zone, nodeName string, created time.Time) *karpv1.NodeClaim {
	nc := plugintest.NodeClaim(name, pool, instanceType, capacityType, zone, nodeName, created)
	nc.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1930m"), corev1.ResourceMemory: resource.MustParse("7Gi"), corev1.ResourcePods: resource.MustParse("29")}
	return nc
}

// kwokNode is a node KWOK plays: it turns Ready and runs the pods bound to it.
func kwokNode(name, cpu, mem string, labels map[string]string) *corev1.Node {
	return controlplane.NewKWOKNode(name, cpu, mem, labels)
}

// waitRunning waits until KWOK reports the bound pods Running.
func waitRunning(t *testing.T, pods ...*corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		eventually(t, "pod "+p.Name+" running", time.Minute, func(ctx context.Context) (bool, error) {
			var got corev1.Pod
			if err := env.client.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil {
				return false, err
			}
			return got.Status.Phase == corev1.PodRunning, nil
		})
	}
}

// waitUnschedulable waits until the kube-scheduler has tried the pods and marked them
// unschedulable.
func waitUnschedulable(t *testing.T, pods ...*corev1.Pod) {
	t.Helper()
	for _, p := range pods {
		eventually(t, "the kube-scheduler's verdict on "+p.Name, time.Minute, func(ctx context.Context) (bool, error) {
			var got corev1.Pod
			if err := env.client.Get(ctx, client.ObjectKeyFromObject(p), &got); err != nil {
				return false, err
			}
			if got.Spec.NodeName != "" {
				t.Fatalf("the kube-scheduler bound %s to %s; the fixture wants it pending", p.Name, got.Spec.NodeName)
			}
			for _, c := range got.Status.Conditions {
				if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
					return true, nil
				}
			}
			return false, nil
		})
	}
}

// waitReady waits until KWOK has made the nodes Ready and the node lifecycle controller has
// lifted the not-ready taint, so that the kube-scheduler considers them.
func waitReady(t *testing.T, nodes ...*corev1.Node) {
	t.Helper()
	for _, n := range nodes {
		eventually(t, "node "+n.Name+" ready", time.Minute, func(ctx context.Context) (bool, error) {
			var got corev1.Node
			if err := env.client.Get(ctx, client.ObjectKeyFromObject(n), &got); err != nil {
				return false, err
			}
			for _, taint := range got.Spec.Taints {
				if taint.Key == corev1.TaintNodeNotReady {
					return false, nil
				}
			}
			for _, c := range got.Status.Conditions {
				if c.Type == corev1.NodeReady {
					return c.Status == corev1.ConditionTrue, nil
				}
			}
			return false, nil
		})
	}
}

func mustQuantity(s string) resource.Quantity { return resource.MustParse(s) }
