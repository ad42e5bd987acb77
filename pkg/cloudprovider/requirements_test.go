package cloudprovider

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestLaunchRequirements(t *testing.T) {
	defined := map[string]bool{"cpu": true, "gpu": true, LabelZone: true, LabelCapacityType: true}
	r := func(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
		return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
	}
	lr, err := NewLaunchRequirements([]karpv1.NodeSelectorRequirementWithMinValues{
		r("cpu", karpv1.NodeSelectorOpGte, "4"),
		r("gpu", corev1.NodeSelectorOpDoesNotExist),
		r("team", corev1.NodeSelectorOpIn, "a"), // not a fact of instances: never excludes one
		r(LabelCapacityType, corev1.NodeSelectorOpIn, CapacityTypeSpot),
		{Key: "family", Operator: corev1.NodeSelectorOpExists, MinValues: ptr.To(3)},
	}, func(k string) bool { return defined[k] })
	if err != nil {
		t.Fatal(err)
	}
	for labels, want := range map[*map[string]string]bool{
		{"cpu": "4"}:             true,
		{"cpu": "2"}:             false,
		{"cpu": "8", "gpu": "1"}: false,
		{}:                       false, // cpu is defined, so a type without it fails Gte
	} {
		if got := lr.MatchesType(*labels); got != want {
			t.Errorf("MatchesType(%v) = %v, want %v", *labels, got, want)
		}
	}
	if !lr.MatchesOffering("us-east-1a", CapacityTypeSpot) || lr.MatchesOffering("us-east-1a", CapacityTypeOnDemand) {
		t.Error("capacity type requirement not applied to offerings")
	}
	if mv := lr.MinValues(); mv["family"] != 3 || len(mv) != 1 {
		t.Errorf("MinValues = %v", mv)
	}
	if _, err := NewLaunchRequirements([]karpv1.NodeSelectorRequirementWithMinValues{r("cpu", corev1.NodeSelectorOpGt, "x")}, func(string) bool { return true }); err == nil {
		t.Error("a non-integer Gt was accepted")
	}
}

func TestFits(t *testing.T) {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1930m")}
	if !Fits(corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}, alloc) {
		t.Error("1 CPU does not fit 1930m")
	}
	if Fits(corev1.ResourceList{"nvidia.com/gpu": resource.MustParse("1")}, alloc) {
		t.Error("a GPU fits a type without GPUs")
	}
}
