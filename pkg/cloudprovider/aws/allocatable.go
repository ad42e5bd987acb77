package aws

import (
	"math"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Karpenter's defaults for what the kubelet keeps from pods.
const (
	// vmMemoryOverhead is the share of an instance's nominal memory the hypervisor and firmware
	// keep; the kubelet never sees it.
	vmMemoryOverhead = 0.075
	// kube-reserved memory is 11 MiB per pod plus 255 MiB.
	kubeReservedMiBPerPod = 11
	kubeReservedMiBBase   = 255
	// evictionMemoryMiB is the default memory.available hard eviction threshold.
	evictionMemoryMiB = 100
	// evictionNodefsPercent is the default nodefs.available hard eviction threshold.
	evictionNodefsPercent = 10
	// defaultRootVolume is the AL2023 root volume when the node class maps none.
	defaultRootVolume   = 20 << 30
	kubeReservedStorage = 1 << 30
	// arm64ReservedMiB is kept from pods on Graviton nodes on top of the above: Karpenter's
	// published allocatable memory is this much lower for every arm64 type than the formula gives
	// for amd64, and the embedded catalog (and so the simulated provider) follows it.
	arm64ReservedMiB = 59
)

// eniMaxPods is the pod count the VPC CNI supports without prefix delegation: every ENI but the
// primary IP of each serves pods, plus two host-network pods.
func eniMaxPods(enis, ipv4PerENI int32) int64 {
	if enis <= 0 || ipv4PerENI <= 0 {
		return 110
	}
	return int64(enis)*int64(ipv4PerENI-1) + 2
}

// podCapacity applies kubelet maxPods (which replaces the ENI count) and podsPerCore (a cap).
func podCapacity(eniPods, vcpu int64, kubelet *ec2v1.KubeletConfiguration) int64 {
	pods := eniPods
	if kubelet == nil {
		return pods
	}
	if kubelet.MaxPods != nil {
		pods = int64(*kubelet.MaxPods)
	}
	if kubelet.PodsPerCore != nil && *kubelet.PodsPerCore > 0 {
		pods = min(pods, int64(*kubelet.PodsPerCore)*vcpu)
	}
	return pods
}

// kubeReservedCPU is Karpenter's tiered CPU reservation: 6% of the first core, 1% of the second,
// 0.5% of the next two and 0.25% of the rest.
func kubeReservedCPU(vcpu int64) int64 {
	milli := float64(0)
	for core := int64(1); core <= vcpu; core++ {
		switch {
		case core == 1:
			milli += 60
		case core == 2:
			milli += 10
		case core <= 4:
			milli += 5
		default:
			milli += 2.5
		}
	}
	return int64(math.Round(milli))
}

// nodeResources returns what a node of the type reports (capacity) and what pods can request
// (allocatable), with the kubelet settings of the node class applied.
func nodeResources(arch string, vcpu, memoryMiB, eniPods int64, kubelet *ec2v1.KubeletConfiguration, rootVolume int64) (capacity, allocatable corev1.ResourceList) {
	pods := podCapacity(eniPods, vcpu, kubelet)
	if rootVolume <= 0 {
		rootVolume = defaultRootVolume
	}
	cpuMilli := vcpu * 1000
	// What the kubelet sees: the nominal memory less the VM overhead.
	visibleMemory := (memoryMiB - int64(math.Ceil(float64(memoryMiB)*vmMemoryOverhead))) << 20
	if arch == karpv1.ArchitectureArm64 {
		visibleMemory -= arm64ReservedMiB << 20
	}

	reserved := map[corev1.ResourceName]int64{
		corev1.ResourceCPU:              kubeReservedCPU(vcpu),
		corev1.ResourceMemory:           (kubeReservedMiBPerPod*pods + kubeReservedMiBBase) << 20,
		corev1.ResourceEphemeralStorage: kubeReservedStorage,
	}
	var overrides, system, hard, soft map[string]string
	if kubelet != nil {
		overrides, system, hard, soft = kubelet.KubeReserved, kubelet.SystemReserved, kubelet.EvictionHard, kubelet.EvictionSoft
	}
	for name, v := range overrides {
		if q, ok := parseReserved(corev1.ResourceName(name), v); ok {
			reserved[corev1.ResourceName(name)] = q
		}
	}
	for name, v := range system {
		if q, ok := parseReserved(corev1.ResourceName(name), v); ok {
			reserved[corev1.ResourceName(name)] += q
		}
	}
	evictMemory := max(threshold(hard, "memory.available", visibleMemory, evictionMemoryMiB<<20), threshold(soft, "memory.available", visibleMemory, 0))
	evictStorage := max(threshold(hard, "nodefs.available", rootVolume, rootVolume*evictionNodefsPercent/100), threshold(soft, "nodefs.available", rootVolume, 0))

	capacity = corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(vcpu, resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(memoryMiB<<20, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(pods, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(rootVolume, resource.BinarySI),
	}
	allocatable = corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewMilliQuantity(max(cpuMilli-reserved[corev1.ResourceCPU], 0), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(max(visibleMemory-reserved[corev1.ResourceMemory]-evictMemory, 0), resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(pods, resource.DecimalSI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(max(rootVolume-reserved[corev1.ResourceEphemeralStorage]-evictStorage, 0), resource.BinarySI),
	}
	return capacity, allocatable
}

// parseReserved reads a kubeReserved or systemReserved value in the unit the allocatable maths
// uses (millicores for CPU, bytes otherwise); pid and unparsable values are ignored.
func parseReserved(name corev1.ResourceName, v string) (int64, bool) {
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return 0, false
	}
	switch name {
	case corev1.ResourceCPU:
		return q.MilliValue(), true
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return q.Value(), true
	}
	return 0, false
}

// threshold reads an eviction threshold, a quantity or a percentage of total; def when unset or
// unparsable.
func threshold(m map[string]string, key string, total, def int64) int64 {
	v, ok := m[key]
	if !ok {
		return def
	}
	if pct, isPct := strings.CutSuffix(v, "%"); isPct {
		f, err := strconv.ParseFloat(pct, 64)
		if err != nil {
			return def
		}
		return int64(math.Ceil(float64(total) * f / 100))
	}
	q, err := resource.ParseQuantity(v)
	if err != nil {
		return def
	}
	return q.Value()
}
