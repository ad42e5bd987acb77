package plugin_test

import (
	"context"
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
		withStatus := obj.DeepCopyObject().(client.Object)
		if err := env.client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
		switch obj.(type) {
		case *corev1.Event, *corev1.Pod, *appsv1.DaemonSet, *corev1.PersistentVolume, *corev1.PersistentVolumeClaim, *corev1.Node:
			continue
		}
		withStatus.SetResourceVersion(obj.GetResourceVersion())
		withStatus.SetUID(obj.GetUID())
		withStatus.SetCreationTimestamp(obj.GetCreationTimestamp())
		if err := env.client.Status().Update(ctx, withStatus); err != nil {
			t.Fatalf("writing the status of %T %s: %v", obj, obj.GetName(), err)
		}
		obj.SetResourceVersion(withStatus.GetResourceVersion())
	}
}

// nodeClass is the EC2NodeClass "default" with a subnet in each zone.
func nodeClass(zones ...string) *ec2v1.EC2NodeClass {
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole-test",
		},
	}
	for i, z := range zones {
		nc.Status.Subnets = append(nc.Status.Subnets, ec2v1.Subnet{ID: "subnet-" + string(rune('a'+i)), Zone: z})
	}
	return nc
}

// nodePool is an on-demand amd64 NodePool of c, m and r instances of generation 5 and later on
// the node class "default", changed by the options.
func nodePool(name string, opts ...func(*karpv1.NodePool)) *karpv1.NodePool {
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
				Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
					{Key: karpv1.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"on-demand"}},
					{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}},
					{Key: "karpenter.k8s.aws/instance-category", Operator: corev1.NodeSelectorOpIn, Values: []string{"c", "m", "r"}},
					{Key: "karpenter.k8s.aws/instance-generation", Operator: corev1.NodeSelectorOpGt, Values: []string{"4"}},
				},
				ExpireAfter: karpv1.MustParseNillableDuration("720h"),
			}},
			Disruption: karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("30s")},
		},
	}
	for _, o := range opts {
		o(np)
	}
	return np
}

func requirement(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}

// nodeClaim is a launched NodeClaim of the pool, registered as nodeName unless that is empty.
func nodeClaim(name, pool, instanceType, capacityType, zone, nodeName string, created time.Time) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			karpv1.NodePoolLabelKey:          pool,
			corev1.LabelInstanceTypeStable:   instanceType,
			karpv1.CapacityTypeLabelKey:      capacityType,
			corev1.LabelTopologyZone:         zone,
			"karpenter.k8s.aws/ec2nodeclass": "default",
		}},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{requirement(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, instanceType)},
		},
		Status: karpv1.NodeClaimStatus{
			NodeName:    nodeName,
			ProviderID:  "sim:///" + zone + "/i-0123456789abcdef0",
			Capacity:    corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("29")},
			Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1930m"), corev1.ResourceMemory: resource.MustParse("7Gi"), corev1.ResourcePods: resource.MustParse("29")},
			Conditions: []metav1.Condition{
				{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.NewTime(created)},
			},
		},
	}
}

// kwokNode is a node KWOK plays: it turns Ready and runs the pods bound to it.
func kwokNode(name, cpu, mem string, labels map[string]string) *corev1.Node {
	return controlplane.NewKWOKNode(name, cpu, mem, labels)
}

// pod requests cpu and memory; bound to nodeName, or left to the kube-scheduler when empty.
func pod(namespace, name, cpu, mem, nodeName string, opts ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			NodeName: nodeName,
			Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			}}},
		},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// event is an Event about the object, as client-go's recorder writes it.
func event(namespace, name string, involved corev1.ObjectReference, eventType, reason, message, component string) *corev1.Event {
	now := metav1.NewTime(time.Now())
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: namespace, Name: name},
		InvolvedObject: involved,
		Type:           eventType, Reason: reason, Message: message,
		Source:         corev1.EventSource{Component: component},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
}

func refTo(obj client.Object, kind string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID()}
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
