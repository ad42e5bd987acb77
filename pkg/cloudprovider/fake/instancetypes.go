package fake

import (
	"math"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Zones are the zones of the default instance types.
var Zones = []string{"test-zone-a", "test-zone-b", "test-zone-c"}

// Region is the region label of every fake instance.
const Region = "test-region"

// ResourceGPU is the extended resource the GPU instance type offers.
const ResourceGPU corev1.ResourceName = "nvidia.com/gpu"

// InstanceTypeOptions shape one fake instance type.
type InstanceTypeOptions struct {
	Name string
	CPU  string
	// Memory is a quantity such as "4Gi".
	Memory string
	Arch   string
	// OnDemandPrice is in USD per hour; spot costs 40% of it and reserved 60%.
	OnDemandPrice float64
	// Extra resources, for example nvidia.com/gpu, in capacity and allocatable.
	Extra corev1.ResourceList
	// Zones default to Zones; CapacityTypes default to spot and on-demand.
	Zones         []string
	CapacityTypes []string
}

// NewInstanceType builds an instance type with one available offering per zone and capacity
// type. Allocatable is capacity less a fixed 100m CPU and 256Mi of memory.
func NewInstanceType(o InstanceTypeOptions) *cloudprovider.InstanceType {
	if o.Arch == "" {
		o.Arch = "amd64"
	}
	if len(o.Zones) == 0 {
		o.Zones = Zones
	}
	if len(o.CapacityTypes) == 0 {
		o.CapacityTypes = []string{cloudprovider.CapacityTypeSpot, cloudprovider.CapacityTypeOnDemand}
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              resource.MustParse(o.CPU),
		corev1.ResourceMemory:           resource.MustParse(o.Memory),
		corev1.ResourcePods:             resource.MustParse("110"),
		corev1.ResourceEphemeralStorage: resource.MustParse("20Gi"),
	}
	for name, q := range o.Extra {
		capacity[name] = q
	}
	allocatable := capacity.DeepCopy()
	cpu := allocatable[corev1.ResourceCPU]
	cpu.Sub(resource.MustParse("100m"))
	allocatable[corev1.ResourceCPU] = cpu
	mem := allocatable[corev1.ResourceMemory]
	mem.Sub(resource.MustParse("256Mi"))
	allocatable[corev1.ResourceMemory] = mem

	it := &cloudprovider.InstanceType{
		Name: o.Name,
		Labels: map[string]string{
			corev1.LabelInstanceTypeStable: o.Name,
			corev1.LabelArchStable:         o.Arch,
			corev1.LabelOSStable:           "linux",
			corev1.LabelTopologyRegion:     Region,
		},
		Capacity:    capacity,
		Allocatable: allocatable,
	}
	factor := map[string]float64{cloudprovider.CapacityTypeSpot: 0.4, cloudprovider.CapacityTypeReserved: 0.6, cloudprovider.CapacityTypeOnDemand: 1}
	for _, zone := range o.Zones {
		for _, ct := range o.CapacityTypes {
			it.Offerings = append(it.Offerings, cloudprovider.Offering{Zone: zone, CapacityType: ct, Price: math.Round(o.OnDemandPrice*factor[ct]*1e6) / 1e6, Available: true})
		}
	}
	return it
}

// DefaultInstanceTypes are four types of rising price, the last with one GPU:
// small (2 CPU, 4Gi), medium (4, 16Gi), large (8, 32Gi) and gpu (8, 64Gi, 1 nvidia.com/gpu).
func DefaultInstanceTypes() []*cloudprovider.InstanceType {
	return []*cloudprovider.InstanceType{
		NewInstanceType(InstanceTypeOptions{Name: "small", CPU: "2", Memory: "4Gi", OnDemandPrice: 0.1}),
		NewInstanceType(InstanceTypeOptions{Name: "medium", CPU: "4", Memory: "16Gi", OnDemandPrice: 0.2}),
		NewInstanceType(InstanceTypeOptions{Name: "large", CPU: "8", Memory: "32Gi", OnDemandPrice: 0.4}),
		NewInstanceType(InstanceTypeOptions{Name: "gpu", CPU: "8", Memory: "64Gi", OnDemandPrice: 1.2,
			Extra: corev1.ResourceList{ResourceGPU: resource.MustParse("1")}}),
	}
}
