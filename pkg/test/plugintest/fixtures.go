// Package plugintest builds the Karpenter and Kubernetes objects the plugin's tests put on a
// real control plane (plugin and test/plugin): valid objects with the given names, which each
// test changes only where it is about something.
package plugintest

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// NodeClassName is the EC2NodeClass the NodePools and NodeClaims refer to.
const NodeClassName = "default"

// NodePool is an on-demand amd64 NodePool of c, m and r instances of generation 5 and later on
// the node class "default", changed by the options.
func NodePool(name string, opts ...func(*karpv1.NodePool)) *karpv1.NodePool {
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				NodeClassRef: nodeClassRef(),
				Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
					Requirement(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "on-demand"),
					Requirement(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64"),
					Requirement("karpenter.k8s.aws/instance-category", corev1.NodeSelectorOpIn, "c", "m", "r"),
					Requirement("karpenter.k8s.aws/instance-generation", corev1.NodeSelectorOpGt, "4"),
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

// EC2NodeClass is a node class selecting subnets and security groups by discovery tag, with a
// resolved subnet in each zone.
func EC2NodeClass(name string, zones ...string) *ec2v1.EC2NodeClass {
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

// Requirement is a NodePool or NodeClaim requirement without minValues.
func Requirement(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}

// NodeClaim is a NodeClaim of the pool launched at created as instanceType (spot or on-demand)
// in zone with a 2 CPU, 8Gi capacity, registered as nodeName when that is not empty. Its status
// has no allocatable: set it where a test needs one.
func NodeClaim(name, pool, instanceType, capacityType, zone, nodeName string, created time.Time) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			karpv1.NodePoolLabelKey:          pool,
			corev1.LabelInstanceTypeStable:   instanceType,
			karpv1.CapacityTypeLabelKey:      capacityType,
			corev1.LabelTopologyZone:         zone,
			"karpenter.k8s.aws/ec2nodeclass": NodeClassName,
		}},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: nodeClassRef(),
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{Requirement(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, instanceType)},
		},
		Status: karpv1.NodeClaimStatus{
			NodeName:   nodeName,
			ProviderID: "sim:///" + zone + "/i-0123456789abcdef0",
			Capacity:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourcePods: resource.MustParse("29")},
			Conditions: []metav1.Condition{
				{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.NewTime(created)},
			},
		},
	}
}

func nodeClassRef() *karpv1.NodeClassReference {
	return &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: NodeClassName}
}

// Pod requests cpu and memory of one pause container; it is bound to nodeName, or left to the
// kube-scheduler when nodeName is empty. It has no status: the kube-scheduler and KWOK write it.
func Pod(namespace, name, cpu, mem, nodeName string, opts ...func(*corev1.Pod)) *corev1.Pod {
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

// Event is an Event about the involved object, as client-go's recorder writes it.
func Event(namespace, name string, involved corev1.ObjectReference, eventType, reason, message, component string) *corev1.Event {
	now := metav1.NewTime(time.Now())
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: namespace, Name: name},
		InvolvedObject: involved,
		Type:           eventType, Reason: reason, Message: message,
		Source:         corev1.EventSource{Component: component},
		FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}
}

// Ref refers to obj, of the kind, as an Event's involved object.
func Ref(obj client.Object, kind string) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: kind, Namespace: obj.GetNamespace(), Name: obj.GetName(), UID: obj.GetUID()}
}
