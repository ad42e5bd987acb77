package aws

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// testType is an instance type of family fam with 2 vCPUs at the given on-demand price, spot at
// half of it, in us-east-1a and b.
func testType(name, fam string, price float64) *cloudprovider.InstanceType {
	return &cloudprovider.InstanceType{
		Name:        name,
		Labels:      map[string]string{corev1.LabelInstanceTypeStable: name, catalog.LabelInstanceFamily: fam},
		Allocatable: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1930m")},
		Offerings: cloudprovider.Offerings{
			{Zone: "us-east-1a", CapacityType: "spot", Price: price / 2, Available: true},
			{Zone: "us-east-1a", CapacityType: "on-demand", Price: price, Available: true},
			{Zone: "us-east-1b", CapacityType: "spot", Price: price / 2, Available: true},
			{Zone: "us-east-1b", CapacityType: "on-demand", Price: price, Available: true},
		},
	}
}

func launchReqs(t *testing.T, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *cloudprovider.LaunchRequirements {
	t.Helper()
	defined := map[string]bool{corev1.LabelTopologyZone: true, karpv1.CapacityTypeLabelKey: true, corev1.LabelInstanceTypeStable: true, catalog.LabelInstanceFamily: true}
	lr, err := cloudprovider.NewLaunchRequirements(reqs, func(k string) bool { return defined[k] })
	if err != nil {
		t.Fatal(err)
	}
	return lr
}

func never(cloudprovider.OfferingKey) bool { return false }

func names(cs []choice) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.it.Name)
	}
	return strings.Join(out, ",")
}

func TestPlanPrefersSpotAndSortsByPrice(t *testing.T) {
	its := []*cloudprovider.InstanceType{testType("c.large", "c", 0.3), testType("a.large", "a", 0.1), testType("b.large", "b", 0.2)}
	plan, err := planLaunch(its, launchReqs(t), nil, never)
	if err != nil {
		t.Fatal(err)
	}
	if plan.capacityType != "spot" || names(plan.choices) != "a.large,b.large,c.large" {
		t.Errorf("plan %s %s, want spot a,b,c", plan.capacityType, names(plan.choices))
	}
	if len(plan.choices[0].offerings) != 2 {
		t.Errorf("a.large has %d spot offerings, want one per zone", len(plan.choices[0].offerings))
	}
}

func TestPlanFallsBackToOnDemandWhenSpotIsUnavailable(t *testing.T) {
	its := []*cloudprovider.InstanceType{testType("a.large", "a", 0.1)}
	spotGone := func(k cloudprovider.OfferingKey) bool { return k.CapacityType == "spot" }
	plan, err := planLaunch(its, launchReqs(t), nil, spotGone)
	if err != nil {
		t.Fatal(err)
	}
	if plan.capacityType != "on-demand" || len(plan.skipped) != 2 {
		t.Errorf("plan %s with %d skipped, want on-demand with the 2 spot offerings skipped", plan.capacityType, len(plan.skipped))
	}
	// A NodeClaim that only allows spot gets nothing.
	plan, _ = planLaunch(its, launchReqs(t, karpv1.NodeSelectorRequirementWithMinValues{Key: karpv1.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"spot"}}), nil, spotGone)
	if len(plan.choices) != 0 {
		t.Errorf("spot-only NodeClaim planned %s %s", plan.capacityType, names(plan.choices))
	}
}

func TestPlanRespectsRequestsAndRequirements(t *testing.T) {
	its := []*cloudprovider.InstanceType{testType("a.large", "a", 0.1), testType("b.large", "b", 0.2)}
	plan, _ := planLaunch(its, launchReqs(t, karpv1.NodeSelectorRequirementWithMinValues{Key: catalog.LabelInstanceFamily, Operator: corev1.NodeSelectorOpNotIn, Values: []string{"a"}}), nil, never)
	if names(plan.choices) != "b.large" {
		t.Errorf("NotIn a: %s", names(plan.choices))
	}
	plan, _ = planLaunch(its, launchReqs(t), corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2")}, never)
	if len(plan.choices) != 0 {
		t.Errorf("2 CPUs fit no type with 1930m allocatable, planned %s", names(plan.choices))
	}
}

func TestPlanCapsTypesAndHonoursMinValues(t *testing.T) {
	var its []*cloudprovider.InstanceType
	// 70 cheap types of family "cheap", then 3 dear families.
	for i := range 70 {
		its = append(its, testType(fmt.Sprintf("cheap.s%02d", i), "cheap", 0.01+float64(i)/1000))
	}
	for i, f := range []string{"x", "y", "z"} {
		its = append(its, testType(f+".large", f, 1+float64(i)))
	}
	plan, err := planLaunch(its, launchReqs(t), nil, never)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.choices) != MaxInstanceTypes || plan.choices[0].it.Name != "cheap.s00" {
		t.Errorf("%d types starting %s, want the %d cheapest", len(plan.choices), plan.choices[0].it.Name, MaxInstanceTypes)
	}

	minFamilies := karpv1.NodeSelectorRequirementWithMinValues{Key: catalog.LabelInstanceFamily, Operator: corev1.NodeSelectorOpExists, MinValues: ptr.To(3)}
	plan, err = planLaunch(its, launchReqs(t, minFamilies), nil, never)
	if err != nil {
		t.Fatal(err)
	}
	families := map[string]bool{}
	for _, c := range plan.choices {
		families[c.it.Labels[catalog.LabelInstanceFamily]] = true
	}
	if len(families) < 3 || len(plan.choices) > MaxInstanceTypes+2 {
		t.Errorf("minValues 3 families: got %d families in %d types", len(families), len(plan.choices))
	}
	if !families["x"] || !families["y"] || families["z"] {
		t.Errorf("minValues should bring the cheapest new families (x, y), got %v", families)
	}

	minFamilies.MinValues = ptr.To(5)
	if _, err := planLaunch(its, launchReqs(t, minFamilies), nil, never); err == nil || !strings.Contains(err.Error(), "minValues") {
		t.Errorf("minValues 5 of 4 families: err %v", err)
	}
}
