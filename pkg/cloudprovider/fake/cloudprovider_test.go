package fake

import (
	"context"
	"errors"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func nodeClaim(name string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: "default"}},
		Spec:       karpv1.NodeClaimSpec{Requirements: reqs},
	}
}

func in(key string, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}
}

func TestCreateLaunchesTheCheapestAllowedOffering(t *testing.T) {
	p := New(nil)
	got, err := p.Create(context.Background(), nodeClaim("a",
		in(corev1.LabelInstanceTypeStable, "medium", "large"),
		in(karpv1.CapacityTypeLabelKey, "on-demand"),
		in(corev1.LabelTopologyZone, "test-zone-b")))
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels[corev1.LabelInstanceTypeStable] != "medium" || got.Labels[corev1.LabelTopologyZone] != "test-zone-b" ||
		got.Labels[karpv1.CapacityTypeLabelKey] != "on-demand" || got.Labels[karpv1.NodePoolLabelKey] != "default" {
		t.Errorf("labels = %v", got.Labels)
	}
	if got.Annotations[PriceAnnotationKey] != "0.2" {
		t.Errorf("price annotation = %q, want 0.2", got.Annotations[PriceAnnotationKey])
	}
	if got.Status.ProviderID == "" || got.Status.ImageID != ImageID || got.Status.Allocatable.Cpu().String() != "3900m" {
		t.Errorf("status = %+v", got.Status)
	}
	if len(p.Instances()) != 1 {
		t.Errorf("instances = %d, want 1", len(p.Instances()))
	}
}

func TestCreateIsIdempotentPerNodeClaimName(t *testing.T) {
	p := New(nil)
	first, err := p.Create(context.Background(), nodeClaim("a"))
	if err != nil {
		t.Fatal(err)
	}
	second, err := p.Create(context.Background(), nodeClaim("a"))
	if err != nil {
		t.Fatal(err)
	}
	if first.Status.ProviderID != second.Status.ProviderID || len(p.Instances()) != 1 {
		t.Errorf("second Create launched again: %s, %s, %d instances", first.Status.ProviderID, second.Status.ProviderID, len(p.Instances()))
	}
	if got := p.Calls().Create; len(got) != 2 {
		t.Errorf("Create calls = %v", got)
	}
}

func TestCreateSkipsOfferingsWithoutCapacityAndMarksThem(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Now())
	p := New(clk)
	cheapest := cloudprovider.OfferingKey{InstanceType: "small", Zone: "test-zone-a", CapacityType: "spot"}
	p.InsufficientCapacity(cheapest)
	got, err := p.Create(context.Background(), nodeClaim("a", in(corev1.LabelTopologyZone, "test-zone-a")))
	if err != nil {
		t.Fatal(err)
	}
	// The next cheapest: medium spot ($0.08/h) beats small on-demand ($0.10/h).
	if got.Labels[corev1.LabelInstanceTypeStable] != "medium" || got.Labels[karpv1.CapacityTypeLabelKey] != "spot" {
		t.Errorf("launched %v, want medium spot", got.Labels)
	}
	if !p.IsUnavailable(cheapest) {
		t.Error("the refused offering is not marked unavailable")
	}
	its, _ := p.GetInstanceTypes(context.Background(), nil)
	for _, of := range its[0].Offerings {
		if of.Zone == cheapest.Zone && of.CapacityType == cheapest.CapacityType && of.Available {
			t.Error("GetInstanceTypes still offers the refused offering")
		}
	}
	clk.Step(cloudprovider.UnavailableTTL)
	if p.IsUnavailable(cheapest) {
		t.Error("the offering is still unavailable after the TTL")
	}
}

func TestCreateReturnsInsufficientCapacityNamingEveryOfferingTried(t *testing.T) {
	p := New(nil)
	a := cloudprovider.OfferingKey{InstanceType: "small", Zone: "test-zone-a", CapacityType: "spot"}
	b := cloudprovider.OfferingKey{InstanceType: "small", Zone: "test-zone-a", CapacityType: "on-demand"}
	p.InsufficientCapacity(a, b)
	_, err := p.Create(context.Background(), nodeClaim("a", in(corev1.LabelInstanceTypeStable, "small"), in(corev1.LabelTopologyZone, "test-zone-a")))
	var ice *cloudprovider.InsufficientCapacityError
	if !errors.As(err, &ice) {
		t.Fatalf("err = %v, want InsufficientCapacityError", err)
	}
	if len(ice.Offerings) != 2 || ice.Offerings[0] != a || ice.Offerings[1] != b {
		t.Errorf("offerings = %v, want [%v %v] cheapest first", ice.Offerings, a, b)
	}
	if len(p.Instances()) != 0 {
		t.Error("an instance was launched")
	}
}

func TestCreateHonoursResourceRequests(t *testing.T) {
	p := New(nil)
	nc := nodeClaim("a")
	nc.Spec.Resources.Requests = corev1.ResourceList{ResourceGPU: resource.MustParse("1")}
	got, err := p.Create(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	if got.Labels[corev1.LabelInstanceTypeStable] != "gpu" {
		t.Errorf("launched %s, want gpu", got.Labels[corev1.LabelInstanceTypeStable])
	}
}

func TestFailNextAndDelete(t *testing.T) {
	ctx := context.Background()
	p := New(nil)
	boom := errors.New("boom")
	p.FailNext(MethodCreate, boom)
	if _, err := p.Create(ctx, nodeClaim("a")); !errors.Is(err, boom) {
		t.Fatalf("err = %v, want boom", err)
	}
	got, err := p.Create(ctx, nodeClaim("a"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Get(ctx, got.Status.ProviderID); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, got); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, got); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("second Delete = %v, want NodeClaimNotFound", err)
	}
	if _, err := p.Get(ctx, got.Status.ProviderID); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Get after Delete = %v, want NodeClaimNotFound", err)
	}
	if calls := p.Calls(); len(calls.Delete) != 2 || calls.Delete[0] != got.Status.ProviderID {
		t.Errorf("Delete calls = %v", calls.Delete)
	}
}

func TestDeleteFindsAnUnlaunchedNodeClaimByName(t *testing.T) {
	ctx := context.Background()
	p := New(nil)
	if _, err := p.Create(ctx, nodeClaim("a")); err != nil {
		t.Fatal(err)
	}
	if err := p.Delete(ctx, nodeClaim("a")); err != nil {
		t.Fatal(err)
	}
	if len(p.Instances()) != 0 {
		t.Error("instance not deleted")
	}
}

func TestNodeForRegistersLikeAKubelet(t *testing.T) {
	p := New(nil)
	nc := nodeClaim("a")
	nc.Spec.StartupTaints = []corev1.Taint{{Key: "cni", Effect: corev1.TaintEffectNoSchedule}}
	launched, err := p.Create(context.Background(), nc)
	if err != nil {
		t.Fatal(err)
	}
	n := NodeFor(launched, corev1.ConditionTrue)
	if n.Spec.ProviderID != launched.Status.ProviderID || len(n.Spec.Taints) != 2 || n.Spec.Taints[0] != karpv1.UnregisteredNoExecuteTaint {
		t.Errorf("node = %+v", n.Spec)
	}
	if n.Labels[corev1.LabelHostname] != n.Name || n.Labels[corev1.LabelInstanceTypeStable] != "small" {
		t.Errorf("labels = %v", n.Labels)
	}
}
