package status

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
)

func launchedNodeClaim(instanceType, zone, capacityType, cpu, memory string, annotations map[string]string) karpv1.NodeClaim {
	return karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Labels: map[string]string{
				corev1.LabelInstanceTypeStable: instanceType, corev1.LabelTopologyZone: zone, karpv1.CapacityTypeLabelKey: capacityType,
			},
			Annotations: annotations,
		},
		Status: karpv1.NodeClaimStatus{ProviderID: "fake:///" + zone + "/i-1", Capacity: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory),
		}},
	}
}

func TestUsageSumsCapacityAndCountsNodes(t *testing.T) {
	ncs := []karpv1.NodeClaim{
		launchedNodeClaim("small", "test-zone-a", "spot", "2", "4Gi", nil),
		launchedNodeClaim("medium", "test-zone-b", "on-demand", "4", "16Gi", nil),
		{}, // still launching
	}
	got := usage(ncs)
	want := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("6"), corev1.ResourceMemory: resource.MustParse("20Gi"), resourceNodes: resource.MustParse("3")}
	for name, q := range want {
		if g := got[name]; g.Cmp(q) != 0 {
			t.Errorf("%s = %s, want %s", name, g.String(), q.String())
		}
	}
	if len(got) != len(want) {
		t.Errorf("usage = %v, want %v", got, want)
	}
}

func TestCostsByCapacityType(t *testing.T) {
	prices := newPriceIndex(fake.DefaultInstanceTypes())
	ncs := []karpv1.NodeClaim{
		launchedNodeClaim("small", "test-zone-a", "spot", "2", "4Gi", nil),                                                // 0.04
		launchedNodeClaim("medium", "test-zone-b", "on-demand", "4", "16Gi", nil),                                         // 0.2
		launchedNodeClaim("large", "test-zone-c", "on-demand", "8", "32Gi", map[string]string{priceAnnotationKey: "0.5"}), // as launched
		{}, // not launched: no price
	}
	got, complete := costs(ncs, prices)
	if !complete {
		t.Fatal("prices reported incomplete")
	}
	if got["spot"] != 0.04 || got["on-demand"] != 0.7 {
		t.Errorf("costs = %v, want spot 0.04 and on-demand 0.7", got)
	}
	if _, complete := costs([]karpv1.NodeClaim{launchedNodeClaim("unknown", "z", "spot", "1", "1Gi", nil)}, prices); complete {
		t.Error("an unknown offering's price was reported complete")
	}
}
