package simulated

import (
	"context"
	"errors"
	"math"
	"regexp"
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

var threeTypes = req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large", "m5.xlarge", "c5.large")

// cheapest finds the expected choice by brute force over the catalog's own prices.
func cheapest(types, zones []string, capacityType string) cloudprovider.OfferingKey {
	best, bestPrice := cloudprovider.OfferingKey{}, math.Inf(1)
	for _, name := range types {
		for _, z := range zones {
			price, _ := catalog.OnDemandPrice(name)
			if capacityType == cloudprovider.CapacityTypeSpot {
				price = catalog.SpotPrice(name, z)
			}
			if price < bestPrice {
				best, bestPrice = cloudprovider.OfferingKey{InstanceType: name, Zone: z, CapacityType: capacityType}, price
			}
		}
	}
	return best
}

func launchedKey(nc *karpv1.NodeClaim) cloudprovider.OfferingKey {
	return cloudprovider.OfferingKey{
		InstanceType: nc.Labels[corev1.LabelInstanceTypeStable],
		Zone:         nc.Labels[corev1.LabelTopologyZone],
		CapacityType: nc.Labels[karpv1.CapacityTypeLabelKey],
	}
}

func TestCreateChoosesTheCheapestSpotOffering(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	got := mustCreate(t, p, testNodeClaim("a", threeTypes))
	want := cheapest(threeTypes.Values, DefaultZones, "spot")
	if launchedKey(got) != want {
		t.Fatalf("launched %s, want the cheapest spot offering %s", launchedKey(got), want)
	}
	if !regexp.MustCompile(`^sim:///us-east-1[abc]/i-[0-9a-f]{17}$`).MatchString(got.Status.ProviderID) {
		t.Errorf("provider ID %q", got.Status.ProviderID)
	}
	if !strings.HasPrefix(got.Status.ProviderID, "sim:///"+want.Zone+"/") {
		t.Errorf("provider ID %q is not in zone %s", got.Status.ProviderID, want.Zone)
	}
	if !strings.HasPrefix(got.Status.ImageID, "ami-") {
		t.Errorf("image ID %q", got.Status.ImageID)
	}
	it, _ := catalog.Lookup(want.InstanceType)
	wantLabels := map[string]string{
		corev1.LabelTopologyRegion:           "us-east-1",
		corev1.LabelArchStable:               it.Arch,
		corev1.LabelOSStable:                 "linux",
		catalog.LabelInstanceFamily:          it.Family,
		catalog.LabelInstanceCPU:             strconv.Itoa(it.VCPU),
		catalog.LabelInstanceCPUManufacturer: it.CPUManufacturer,
		karpv1.NodePoolLabelKey:              "default",
	}
	for k, v := range wantLabels {
		if got.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, got.Labels[k], v)
		}
	}
	if got.Status.Capacity.Cpu().Value() != int64(it.VCPU) || got.Status.Allocatable.Cpu().MilliValue() != int64(it.AllocatableCPUMillicores) {
		t.Errorf("capacity %v allocatable %v", got.Status.Capacity, got.Status.Allocatable)
	}
}

func TestCreateHonoursCapacityTypeAndZoneRequirements(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	got := mustCreate(t, p, testNodeClaim("od", threeTypes,
		req(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "on-demand"),
		req(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, "us-east-1c")))
	if want := cheapest(threeTypes.Values, []string{"us-east-1c"}, "on-demand"); launchedKey(got) != want {
		t.Fatalf("launched %s, want %s", launchedKey(got), want)
	}
}

func TestCreateFallsBackWhenTheCheapestOfferingHasNoCapacity(t *testing.T) {
	first := cheapest(threeTypes.Values, DefaultZones, "spot")
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	p.SetFaults(Faults{InsufficientCapacity: []OfferingPattern{{first.InstanceType, first.Zone, first.CapacityType}}})

	// The preferred offering is refused: the launch fails so the agent can record it and plan
	// again; the retry gets the next cheapest.
	_, err := p.Create(context.Background(), testNodeClaim("a", threeTypes))
	var ice *cloudprovider.InsufficientCapacityError
	if !errors.As(err, &ice) || len(ice.Offerings) != 1 || ice.Offerings[0] != first {
		t.Fatalf("Create: %v, want an InsufficientCapacityError naming %s", err, first)
	}
	got := mustCreate(t, p, testNodeClaim("a-retry", threeTypes))
	if launchedKey(got) == first {
		t.Fatalf("launched into %s, which has no capacity", first)
	}
	if got.Labels[karpv1.CapacityTypeLabelKey] != "spot" {
		t.Errorf("fell back to %s; other spot offerings were available", launchedKey(got))
	}
	if !p.UnavailableOfferings().IsUnavailable(first) {
		t.Errorf("%s not marked unavailable", first)
	}
	its, err := p.GetInstanceTypes(context.Background(), testNodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range its {
		for _, of := range it.Offerings {
			key := cloudprovider.OfferingKey{InstanceType: it.Name, Zone: of.Zone, CapacityType: of.CapacityType}
			if of.Available == (key == first) {
				t.Errorf("GetInstanceTypes: %s available=%v", key, of.Available)
			}
		}
	}
}

func TestCreateReturnsInsufficientCapacityWhenNothingHasCapacity(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"), faultsConfigMap(map[string]string{
		FaultKeyInsufficientCapacity: "m5.large/*/*, m5.xlarge/*/spot",
	}))
	p, _ := newTestProvider(t, c, Options{})
	onlyM5 := req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large", "m5.xlarge")
	if _, err := p.Create(context.Background(), testNodeClaim("a", onlyM5)); !cloudprovider.IsInsufficientCapacity(err) {
		t.Fatalf("first Create: %v, want an InsufficientCapacityError for the refused spot offerings", err)
	}
	got := mustCreate(t, p, testNodeClaim("a-retry", onlyM5))
	if want := cheapest([]string{"m5.xlarge"}, DefaultZones, "on-demand"); launchedKey(got) != want {
		t.Fatalf("launched %s, want the last offering left, %s", launchedKey(got), want)
	}

	_, err := p.Create(context.Background(), testNodeClaim("b", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large")))
	var ice *cloudprovider.InsufficientCapacityError
	if !errors.As(err, &ice) {
		t.Fatalf("Create: %v, want an InsufficientCapacityError", err)
	}
	if len(ice.Offerings) != 6 {
		t.Errorf("the error lists %v, want the 6 offerings of m5.large", ice.Offerings)
	}
	// m5.large's offerings are now all known unavailable: the next Create skips them without
	// trying, and still says so.
	_, err = p.Create(context.Background(), testNodeClaim("c", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large")))
	if !cloudprovider.IsInsufficientCapacity(err) || !strings.Contains(err.Error(), "6 were skipped as unavailable") {
		t.Errorf("second Create: %v", err)
	}
}

func TestCreateWithRequirementsNothingSatisfies(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	_, err := p.Create(context.Background(), testNodeClaim("a", req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpGt, "100000")))
	if !cloudprovider.IsInsufficientCapacity(err) || !strings.Contains(err.Error(), "satisfies the requirements") {
		t.Fatalf("Create: %v", err)
	}
}

func TestCreateMatchesNumericRequirementsAndResourceRequests(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	nc := testNodeClaim("a",
		req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpGt, "4"),
		req(catalog.LabelInstanceCPU, corev1.NodeSelectorOpLt, "32"),
		req(catalog.LabelInstanceGPUCount, corev1.NodeSelectorOpDoesNotExist),
		req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "arm64"),
		req("team", corev1.NodeSelectorOpIn, "web"))
	nc.Spec.Resources.Requests[corev1.ResourceMemory] = resource.MustParse("60Gi")
	got := mustCreate(t, p, nc)
	cpu, _ := strconv.Atoi(got.Labels[catalog.LabelInstanceCPU])
	if cpu <= 4 || cpu >= 32 || got.Labels[corev1.LabelArchStable] != "arm64" || got.Labels[catalog.LabelInstanceGPUCount] != "" {
		t.Errorf("launched %s with labels %v", got.Labels[corev1.LabelInstanceTypeStable], got.Labels)
	}
	if alloc := got.Status.Allocatable[corev1.ResourceMemory]; alloc.Cmp(resource.MustParse("60Gi")) < 0 {
		t.Errorf("allocatable memory %s does not fit the 60Gi request", alloc.String())
	}
}

func TestCreateIsIdempotentPerNodeClaim(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, _ := newTestProvider(t, c, Options{})
	first := mustCreate(t, p, testNodeClaim("a", threeTypes))
	// A retry, even from a provider in a new process and with the cheapest offering now out of
	// capacity, returns the instance already launched.
	p2, _ := newTestProvider(t, c, Options{})
	p2.SetFaults(Faults{InsufficientCapacity: []OfferingPattern{{"*", "*", "*"}}})
	again, err := p2.Create(context.Background(), testNodeClaim("a", threeTypes))
	if err != nil {
		t.Fatal(err)
	}
	if again.Status.ProviderID != first.Status.ProviderID {
		t.Fatalf("second Create launched %s, first %s", again.Status.ProviderID, first.Status.ProviderID)
	}
	list, err := p.List(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("List: %d instances, %v", len(list), err)
	}
}

func TestInjectedLaunchErrors(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"), faultsConfigMap(map[string]string{
		FaultKeyLaunchErrors:             "2",
		FaultKeyLaunchErrorInstanceTypes: "c5.*",
	}))
	p, _ := newTestProvider(t, c, Options{})
	ctx := context.Background()
	m5 := req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large")
	for i := range 2 {
		_, err := p.Create(ctx, testNodeClaim("a", m5))
		if err == nil || cloudprovider.IsInsufficientCapacity(err) || !strings.Contains(err.Error(), "injected fault launchErrors") {
			t.Fatalf("Create %d: %v, want an injected launch error", i, err)
		}
	}
	mustCreate(t, p, testNodeClaim("a", m5))
	cm := faultsConfigMap(nil)
	if err := c.Get(ctx, client.ObjectKeyFromObject(cm), cm); err != nil || cm.Data[FaultKeyLaunchErrors] != "0" {
		t.Errorf("launchErrors left in the ConfigMap: %q, %v", cm.Data[FaultKeyLaunchErrors], err)
	}
	_, err := p.Create(ctx, testNodeClaim("b", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "c5.large")))
	if err == nil || !strings.Contains(err.Error(), "injected fault launchErrorInstanceTypes") {
		t.Errorf("Create of c5.large: %v", err)
	}

	p.SetFaults(Faults{LaunchErrors: 1})
	if _, err := p.Create(ctx, testNodeClaim("d", m5)); err == nil {
		t.Error("the Go API's launch error was not injected")
	}
	mustCreate(t, p, testNodeClaim("d", m5))
}

func TestInvalidFaultsConfigMapFailsCreateClearly(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"), faultsConfigMap(map[string]string{
		FaultKeyInsufficientCapacity: "m5.large/us-east-1z/spot",
	}))
	p, _ := newTestProvider(t, c, Options{})
	_, err := p.Create(context.Background(), testNodeClaim("a", threeTypes))
	if err == nil || !strings.Contains(err.Error(), `karpenter-simulated/faults is invalid`) || !strings.Contains(err.Error(), `"m5.large/us-east-1z/spot": unknown zone`) {
		t.Fatalf("Create: %v", err)
	}
}

func TestCreateRejectsAMissingNodeClass(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t), Options{})
	_, err := p.Create(context.Background(), testNodeClaim("a", threeTypes))
	if !cloudprovider.IsNodeClassNotReady(err) {
		t.Fatalf("Create: %v, want a NodeClassNotReadyError", err)
	}
}
