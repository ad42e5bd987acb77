package simulated

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// The simulated provider launches with cloudprovider.LaunchRequirements; these cases pin the
// semantics it relies on against the catalog's labels.
func TestRequirementMatching(t *testing.T) {
	defined := func(k string) bool { return k != "team" && k != karpv1.NodePoolLabelKey }
	gpu := map[string]string{corev1.LabelInstanceTypeStable: "g5.xlarge", catalog.LabelInstanceCPU: "4", catalog.LabelInstanceGPUCount: "1"}
	plain := map[string]string{corev1.LabelInstanceTypeStable: "m5.xlarge", catalog.LabelInstanceCPU: "4"}
	for _, tc := range []struct {
		name        string
		req         karpv1.NodeSelectorRequirementWithMinValues
		gpu, plainT bool
	}{
		{"In", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.xlarge", "c5.large"), false, true},
		{"NotIn", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpNotIn, "m5.xlarge"), true, false},
		{"Exists on a label some types lack", req(catalog.LabelInstanceGPUCount, corev1.NodeSelectorOpExists), true, false},
		{"DoesNotExist", req(catalog.LabelInstanceGPUCount, corev1.NodeSelectorOpDoesNotExist), false, true},
		{"Gt", req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpGt, "3"), true, true},
		{"Gt is strict", req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpGt, "4"), false, false},
		{"Lt", req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpLt, "5"), true, true},
		{"Lt is strict", req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpLt, "4"), false, false},
		{"Gte", req(catalog.LabelInstanceCPU, karpv1.NodeSelectorOpGte, "4"), true, true},
		{"Lte", req(catalog.LabelInstanceCPU, karpv1.NodeSelectorOpLte, "3"), false, false},
		{"Gt on a missing label", req(catalog.LabelInstanceGPUCount, corev1.NodeSelectorOpGt, "0"), true, false},
		{"a NodePool's own label does not exclude", req("team", corev1.NodeSelectorOpIn, "a"), true, true},
		{"nor does the nodepool label", req(karpv1.NodePoolLabelKey, corev1.NodeSelectorOpIn, "default"), true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := cloudprovider.NewLaunchRequirements([]karpv1.NodeSelectorRequirementWithMinValues{tc.req}, defined)
			if err != nil {
				t.Fatal(err)
			}
			if got := m.MatchesType(gpu); got != tc.gpu {
				t.Errorf("GPU type: %v, want %v", got, tc.gpu)
			}
			if got := m.MatchesType(plain); got != tc.plainT {
				t.Errorf("plain type: %v, want %v", got, tc.plainT)
			}
		})
	}
}

func TestOfferingRequirements(t *testing.T) {
	m, err := cloudprovider.NewLaunchRequirements([]karpv1.NodeSelectorRequirementWithMinValues{
		req(corev1.LabelTopologyZone, corev1.NodeSelectorOpNotIn, "us-east-1a"),
		req(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "on-demand"),
	}, func(string) bool { return true })
	if err != nil {
		t.Fatal(err)
	}
	if !m.MatchesType(map[string]string{}) {
		t.Error("offering keys must not be checked against the type")
	}
	for _, tc := range []struct {
		zone, ct string
		want     bool
	}{{"us-east-1b", "on-demand", true}, {"us-east-1a", "on-demand", false}, {"us-east-1b", "spot", false}} {
		if got := m.MatchesOffering(tc.zone, tc.ct); got != tc.want {
			t.Errorf("%s/%s: %v, want %v", tc.zone, tc.ct, got, tc.want)
		}
	}
}

func TestMalformedRequirementsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		req    karpv1.NodeSelectorRequirementWithMinValues
		wantIn string
	}{
		{req("k", corev1.NodeSelectorOpGt, "1", "2"), "exactly one integer"},
		{req("k", corev1.NodeSelectorOpLt, "x"), "not an integer"},
		{req("k", corev1.NodeSelectorOpExists, "x"), "takes no values"},
		{req("k", "Near", "x"), "unsupported operator"},
	} {
		_, err := cloudprovider.NewLaunchRequirements([]karpv1.NodeSelectorRequirementWithMinValues{tc.req}, func(string) bool { return true })
		if err == nil || !strings.Contains(err.Error(), tc.wantIn) {
			t.Errorf("%v: error %v, want one saying %q", tc.req, err, tc.wantIn)
		}
	}
}
