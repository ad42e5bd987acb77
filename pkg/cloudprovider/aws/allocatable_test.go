package aws

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// The embedded catalog's allocatable columns were computed with Karpenter's own formulas, so
// every catalog type is a test case for this provider's.
func TestAllocatableMatchesTheCatalogForEveryType(t *testing.T) {
	for _, ty := range catalog.Types() {
		_, alloc := nodeResources(ty.Arch, int64(ty.VCPU), int64(ty.MemoryMiB), int64(ty.MaxPods), nil, 0)
		if got := alloc.Cpu().MilliValue(); got != int64(ty.AllocatableCPUMillicores) {
			t.Errorf("%s: allocatable cpu %dm, catalog %dm", ty.Name, got, ty.AllocatableCPUMillicores)
		}
		if got := alloc.Memory().Value() >> 20; got != int64(ty.AllocatableMemoryMiB) {
			t.Errorf("%s: allocatable memory %dMi, catalog %dMi", ty.Name, got, ty.AllocatableMemoryMiB)
		}
		if got := alloc.StorageEphemeral().Value(); got != 17<<30 {
			t.Errorf("%s: allocatable ephemeral storage %d, want 17Gi", ty.Name, got)
		}
	}
}

func TestKubeReservedCPUTiers(t *testing.T) {
	for vcpu, want := range map[int64]int64{1: 60, 2: 70, 3: 75, 4: 80, 5: 83, 8: 90, 96: 310} {
		if got := kubeReservedCPU(vcpu); got != want {
			t.Errorf("kubeReservedCPU(%d) = %d, want %d", vcpu, got, want)
		}
	}
}

func TestENIMaxPods(t *testing.T) {
	for _, c := range []struct {
		enis, ips int32
		want      int64
	}{
		{3, 10, 29},   // m5.large
		{4, 15, 58},   // m5.xlarge
		{15, 50, 737}, // m5.24xlarge
		{0, 0, 110},   // unknown: the kubelet default
	} {
		if got := eniMaxPods(c.enis, c.ips); got != c.want {
			t.Errorf("eniMaxPods(%d, %d) = %d, want %d", c.enis, c.ips, got, c.want)
		}
	}
}

func TestKubeletSettingsChangeAllocatable(t *testing.T) {
	base := func(k *ec2v1.KubeletConfiguration) (corev1.ResourceList, corev1.ResourceList) {
		return nodeResources("amd64", 2, 8192, 29, k, 0) // m5.large
	}
	_, def := base(nil)

	capacity, alloc := base(&ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](110)})
	if capacity.Pods().Value() != 110 || alloc.Pods().Value() != 110 {
		t.Errorf("maxPods 110: pods %v/%v", capacity.Pods(), alloc.Pods())
	}
	if diff := def.Memory().Value() - alloc.Memory().Value(); diff != 81*11<<20 {
		t.Errorf("maxPods 110 should reserve 11Mi for each of 81 more pods, reserved %d more bytes", diff)
	}

	_, alloc = base(&ec2v1.KubeletConfiguration{PodsPerCore: ptr.To[int32](4)})
	if alloc.Pods().Value() != 8 {
		t.Errorf("podsPerCore 4 on 2 vCPUs: pods %v, want 8", alloc.Pods())
	}

	_, alloc = base(&ec2v1.KubeletConfiguration{
		KubeReserved:   map[string]string{"cpu": "200m"},
		SystemReserved: map[string]string{"cpu": "100m", "memory": "100Mi"},
		EvictionHard:   map[string]string{"memory.available": "5%"},
	})
	if got := alloc.Cpu().MilliValue(); got != 2000-200-100 {
		t.Errorf("kubeReserved 200m + systemReserved 100m: cpu %dm, want 1700m", got)
	}
	visible := int64(8192-615) << 20
	want := visible - (11*29+255)<<20 - 100<<20 - (visible*5+99)/100
	if got := alloc.Memory().Value(); got != want {
		t.Errorf("memory with systemReserved and a 5%% eviction threshold = %d, want %d", got, want)
	}

	hundred := resource.MustParse("100Gi")
	_, alloc = nodeResources("amd64", 2, 8192, 29, nil, hundred.Value())
	if got := alloc.StorageEphemeral().Value(); got != 100<<30-1<<30-10<<30 {
		t.Errorf("100Gi root volume: ephemeral %d, want 89Gi", got)
	}
}
