package plugin

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// Object factories: a valid object with the given name, changed by the options.

func newNodePool(name string, opts ...func(*karpv1.NodePool)) *karpv1.NodePool {
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

func newEC2NodeClass(name string, zones ...string) *ec2v1.EC2NodeClass {
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
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

// newNodeClaim is a NodeClaim of the pool launched as instanceType (spot or on-demand) in zone,
// registered as nodeName when that is not empty.
func newNodeClaim(name, pool, instanceType, capacityType, zone, nodeName string) *karpv1.NodeClaim {
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
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
				{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: []string{instanceType}},
			},
		},
		Status: karpv1.NodeClaimStatus{
			NodeName:   nodeName,
			ProviderID: "sim:///" + zone + "/i-0123456789abcdef0",
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("29")},
			Conditions: []metav1.Condition{
				{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.Now()},
			},
		},
	}
}

func newNode(name string, labels map[string]string, cpu, mem string) *corev1.Node {
	rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("110")}
	l := map[string]string{corev1.LabelHostname: name, corev1.LabelOSStable: "linux", corev1.LabelArchStable: "amd64"}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Node{
		// KWOK plays the node's kubelet: it turns Ready and the pods bound to it run.
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{controlplane.KWOKNodeAnnotation: controlplane.KWOKNodeAnnotationValue}},
		Status:     corev1.NodeStatus{Capacity: rl, Allocatable: rl.DeepCopy()},
	}
}

// newPod requests cpu and memory; it is bound to nodeName, or left to the kube-scheduler when
// nodeName is empty (create waits for its verdict). The status is for reading the fixture: the
// kube-scheduler and KWOK write the real one.
func newPod(namespace, name, cpu, mem, nodeName string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			NodeName: nodeName,
			Containers: []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)},
			}}},
		},
	}
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

// newEvent is an Event about obj, as client-go's recorder writes it.
func newEvent(namespace, name string, involved corev1.ObjectReference, eventType, reason, message, component string) *corev1.Event {
	now := metav1.NewTime(time.Now())
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: namespace, Name: name},
		InvolvedObject: involved,
		Type:           eventType, Reason: reason, Message: message,
		Source:         corev1.EventSource{Component: component},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
}

func ref(obj client.Object, kind string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID()}
}

// create creates the objects, then writes the status each was given (create ignores it), but
// for Events, nodes (whose status create keeps, and KWOK then owns) and pods (the kube-scheduler
// and KWOK own theirs). It waits until the kube-scheduler has found no node for each pod left
// to it, and fails if it bound one.
func (c *cluster) create(t *testing.T, objs ...client.Object) {
	t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		withStatus := obj.DeepCopyObject().(client.Object)
		if err := c.client.Create(ctx, obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
		switch o := obj.(type) {
		case *corev1.Event, *corev1.Node:
			continue
		case *corev1.Pod:
			if o.Spec.NodeName == "" {
				c.waitUnschedulable(t, o)
			}
			continue
		}
		withStatus.SetResourceVersion(obj.GetResourceVersion())
		withStatus.SetUID(obj.GetUID())
		withStatus.SetCreationTimestamp(obj.GetCreationTimestamp())
		if err := c.client.Status().Update(ctx, withStatus); err != nil {
			t.Fatalf("writing the status of %T %s: %v", obj, obj.GetName(), err)
		}
		obj.SetResourceVersion(withStatus.GetResourceVersion())
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
