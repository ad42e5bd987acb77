package catalog

import (
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// defaultZones are used when the caller names none, so a bare catalog still offers every type
// somewhere; us-east-1 because that is the only region the prices are for.
var defaultZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

const (
	// rootVolumeBytes is Karpenter's default root volume for AL2023 (20Gi gp3), which
	// becomes the node's ephemeral-storage capacity.
	rootVolumeBytes = 20 << 30
	// allocatableEphemeralBytes is what remains after Karpenter's default kube-reserved 1Gi and
	// the 10% nodefs eviction threshold: 20Gi - 1Gi - 2Gi.
	allocatableEphemeralBytes = 17 << 30
)

// InstanceTypes converts every type in the catalog, offering each in zones (us-east-1a..c when
// none are given). It builds fresh objects on each call, so callers that need it often should
// cache the result.
func InstanceTypes(zones ...string) []*cloudprovider.InstanceType {
	out := make([]*cloudprovider.InstanceType, len(types))
	for i, t := range types {
		out[i] = t.InstanceType(zones...)
	}
	return out
}

// InstanceType converts t into the scheduler's view, with an on-demand and a spot offering in
// each zone (us-east-1a..c when none are given), all available.
func (t Type) InstanceType(zones ...string) *cloudprovider.InstanceType {
	if len(zones) == 0 {
		zones = defaultZones
	}
	offerings := make(cloudprovider.Offerings, 0, 2*len(zones))
	for _, z := range zones {
		offerings = append(offerings,
			cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeOnDemand, Price: t.OnDemandPrice, Available: true},
			cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeSpot, Price: spotPrice(t.OnDemandPrice, t.Name, z), Available: true},
		)
	}
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(t.VCPU), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(int64(t.MemoryMiB)<<20, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(t.MaxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(rootVolumeBytes, resource.BinarySI),
	}
	allocatable := corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(int64(t.AllocatableCPUMillicores), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(int64(t.AllocatableMemoryMiB)<<20, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(t.MaxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(allocatableEphemeralBytes, resource.BinarySI),
	}
	// Device plugins reserve nothing, so accelerators are allocatable in full.
	if name, n := t.extendedResource(); n > 0 {
		capacity[name] = *resource.NewQuantity(int64(n), resource.DecimalSI)
		allocatable[name] = *resource.NewQuantity(int64(n), resource.DecimalSI)
	}
	return &cloudprovider.InstanceType{
		Name:        t.Name,
		Labels:      t.labels(),
		Capacity:    capacity,
		Allocatable: allocatable,
		Offerings:   offerings,
	}
}

// extendedResource names the device-plugin resource the type's accelerators appear as.
func (t Type) extendedResource() (corev1.ResourceName, int) {
	switch {
	case t.GPUManufacturer == "nvidia":
		return ResourceNVIDIAGPU, t.GPUCount
	case t.GPUManufacturer == "amd":
		return ResourceAMDGPU, t.GPUCount
	case t.GPUManufacturer == "habana":
		return ResourceHabanaGaudi, t.GPUCount
	case t.isNeuron():
		return ResourceAWSNeuron, t.AcceleratorCount
	}
	return "", 0
}

// isNeuron tells Inferentia and Trainium apart from accelerators a future snapshot might add,
// which the Neuron device plugin would not serve.
func (t Type) isNeuron() bool {
	return strings.HasPrefix(t.AcceleratorName, "inferentia") || strings.HasPrefix(t.AcceleratorName, "trainium")
}

func (t Type) labels() map[string]string {
	l := map[string]string{
		corev1.LabelInstanceTypeStable: t.Name,
		corev1.LabelOSStable:           string(corev1.Linux),
	}
	// Karpenter leaves a label off when EC2 has no value, rather than setting it empty, so
	// selectors like DoesNotExist behave the same here.
	str := func(k, v string) {
		if v != "" {
			l[k] = v
		}
	}
	num := func(k string, v int) {
		if v != 0 {
			l[k] = strconv.Itoa(v)
		}
	}
	str(corev1.LabelArchStable, t.Arch)
	str(LabelInstanceCategory, t.Category)
	str(LabelInstanceFamily, t.Family)
	num(LabelInstanceGeneration, t.Generation)
	str(LabelInstanceSize, t.Size)
	num(LabelInstanceCPU, t.VCPU)
	str(LabelInstanceCPUManufacturer, t.CPUManufacturer)
	num(LabelInstanceMemory, t.MemoryMiB)
	str(LabelInstanceHypervisor, t.Hypervisor)
	num(LabelInstanceNetworkBandwidth, t.NetworkBandwidthMbps)
	num(LabelInstanceLocalNVME, t.LocalNVMeGiB)
	if t.GPUName != "" {
		// Count and memory go with the name, not with being non-zero: a fractional GPU's
		// gpu-count is a real "0" that selectors can match.
		l[LabelInstanceGPUName] = t.GPUName
		str(LabelInstanceGPUManufacturer, t.GPUManufacturer)
		l[LabelInstanceGPUCount] = strconv.Itoa(t.GPUCount)
		l[LabelInstanceGPUMemory] = strconv.Itoa(t.GPUMemoryMiB)
	}
	if t.AcceleratorName != "" {
		l[LabelInstanceAcceleratorName] = t.AcceleratorName
		l[LabelInstanceAcceleratorCount] = strconv.Itoa(t.AcceleratorCount)
		// The CSV has no accelerator manufacturer, but Karpenter sets "aws" on every Neuron
		// type, and workloads select on it.
		if t.isNeuron() {
			l[LabelInstanceAcceleratorManufacturer] = "aws"
		}
	}
	return l
}
