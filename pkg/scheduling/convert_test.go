package scheduling

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestFromNodePoolAndNodeClaim(t *testing.T) {
	w, two := int32(7), 2
	np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "p"}, Spec: karpv1.NodePoolSpec{
		Weight: &w,
		Limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("10")},
		Template: karpv1.NodeClaimTemplate{ObjectMeta: karpv1.ObjectMeta{Labels: map[string]string{"a": "b"}}, Spec: karpv1.NodeClaimTemplateSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: "k", Operator: corev1.NodeSelectorOpIn, Values: []string{"v1", "v2"}, MinValues: &two}},
			Taints:       []corev1.Taint{{Key: "t", Effect: corev1.TaintEffectNoSchedule}},
		}},
	}}
	got := FromNodePool(np, nil)
	if got.Name != "p" || got.Weight != 7 || got.Labels["a"] != "b" || len(got.Requirements) != 1 || *got.Requirements[0].MinValues != 2 ||
		len(got.Taints) != 1 || got.Limits.Cpu().Value() != 10 || got.Usage != nil {
		t.Errorf("FromNodePool = %+v", got)
	}
	if back := ToRequirements(got.Requirements); len(back) != 1 || back[0].Key != "k" || len(back[0].Values) != 2 {
		t.Errorf("ToRequirements = %+v", back)
	}

	nc := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Name: "c", Labels: map[string]string{karpv1.NodePoolLabelKey: "p"}}, Spec: karpv1.NodeClaimSpec{
		Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"m5.large", "c5.large"}}},
	}}
	f := FromNodeClaim(nc)
	if f.NodePool != "p" || len(f.InstanceTypes) != 2 || f.HasNode || !IsInFlight(nc) {
		t.Errorf("FromNodeClaim before launch = %+v", f)
	}
	nc.Labels[corev1.LabelInstanceTypeStable] = "m5.large"
	nc.Status.NodeName = "n"
	f = FromNodeClaim(nc)
	if len(f.InstanceTypes) != 1 || f.InstanceTypes[0] != "m5.large" || !f.HasNode || IsInFlight(nc) {
		t.Errorf("FromNodeClaim after registration = %+v", f)
	}
	f.Labels["x"] = "y"
	if _, leaked := nc.Labels["x"]; leaked {
		t.Error("FromNodeClaim shares the NodeClaim's label map")
	}
}

func TestPodPredicates(t *testing.T) {
	unschedulable := []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}
	now := metav1.Now()
	for _, tc := range []struct {
		name                 string
		pod                  corev1.Pod
		pending, provisioned bool
	}{
		{"unschedulable", corev1.Pod{Status: corev1.PodStatus{Conditions: unschedulable}}, true, true},
		{"not tried yet", corev1.Pod{}, true, false},
		{"bound", corev1.Pod{Spec: corev1.PodSpec{NodeName: "n"}}, false, false},
		{"deleting", corev1.Pod{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &now}, Status: corev1.PodStatus{Conditions: unschedulable}}, false, false},
		{"finished", corev1.Pod{Status: corev1.PodStatus{Phase: corev1.PodSucceeded, Conditions: unschedulable}}, false, false},
		{"preempting", corev1.Pod{Status: corev1.PodStatus{NominatedNodeName: "n", Conditions: unschedulable}}, true, false},
		{"daemonset", corev1.Pod{ObjectMeta: metav1.ObjectMeta{OwnerReferences: []metav1.OwnerReference{{Kind: "DaemonSet", Controller: &[]bool{true}[0]}}}, Status: corev1.PodStatus{Conditions: unschedulable}}, true, false},
	} {
		if got := IsPending(&tc.pod); got != tc.pending {
			t.Errorf("%s: IsPending = %v", tc.name, got)
		}
		if got := IsProvisionable(&tc.pod); got != tc.provisioned {
			t.Errorf("%s: IsProvisionable = %v", tc.name, got)
		}
	}
	np := &karpv1.NodePool{Status: karpv1.NodePoolStatus{Conditions: []metav1.Condition{{Type: karpv1.ConditionTypeNodeClassReady, Status: metav1.ConditionFalse, Message: "no subnets"}}}}
	if NodePoolUsable(np) || NodePoolUnusableReason(np) != "NodeClassReady=False: no subnets" {
		t.Errorf("NodePoolUnusableReason = %q", NodePoolUnusableReason(np))
	}
}
