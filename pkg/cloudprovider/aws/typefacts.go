package aws

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// typeFacts is what DescribeInstanceTypes says about one type, in the catalog's terms so that
// the labels come from the same code as the simulated provider's.
type typeFacts struct {
	catalog.Type
	eniPods  int64
	spot     bool
	onDemand bool
}

// factsOf converts an EC2 description; false for types the agent cannot run nodes on (no
// 64-bit Linux architecture).
func factsOf(info ec2types.InstanceTypeInfo) (typeFacts, bool) {
	name := string(info.InstanceType)
	t := catalog.Type{Name: name}
	if info.ProcessorInfo != nil {
		for _, a := range info.ProcessorInfo.SupportedArchitectures {
			if arch, ok := ec2Arch[string(a)]; ok {
				t.Arch = arch
				break
			}
		}
		t.CPUManufacturer = strings.ToLower(aws.ToString(info.ProcessorInfo.Manufacturer))
	}
	if t.Arch == "" || info.VCpuInfo == nil || info.MemoryInfo == nil {
		return typeFacts{}, false
	}
	t.Family, t.Size, _ = strings.Cut(name, ".")
	t.Category, t.Generation = categoryAndGeneration(t.Family)
	t.VCPU = int(aws.ToInt32(info.VCpuInfo.DefaultVCpus))
	t.MemoryMiB = int(aws.ToInt64(info.MemoryInfo.SizeInMiB))
	if !aws.ToBool(info.BareMetal) {
		t.Hypervisor = string(info.Hypervisor)
	}
	if g := info.GpuInfo; g != nil && len(g.Gpus) > 0 {
		t.GPUName = strings.ToLower(aws.ToString(g.Gpus[0].Name))
		t.GPUManufacturer = strings.ToLower(aws.ToString(g.Gpus[0].Manufacturer))
		t.GPUCount = int(aws.ToInt32(g.Gpus[0].Count))
		if g.Gpus[0].MemoryInfo != nil {
			t.GPUMemoryMiB = int(aws.ToInt32(g.Gpus[0].MemoryInfo.SizeInMiB))
		}
	}
	if n := info.NeuronInfo; n != nil && len(n.NeuronDevices) > 0 {
		t.AcceleratorName = strings.ToLower(aws.ToString(n.NeuronDevices[0].Name))
		t.AcceleratorCount = int(aws.ToInt32(n.NeuronDevices[0].Count))
	}
	if s := info.InstanceStorageInfo; s != nil && s.NvmeSupport == ec2types.EphemeralNvmeSupportRequired {
		t.LocalNVMeGiB = int(aws.ToInt64(s.TotalSizeInGB))
	}
	// EC2 reports bandwidth as prose ("Up to 10 Gigabit") or a per-card baseline; the catalog has
	// the baseline Karpenter labels with, so prefer it. It also fills a manufacturer EC2 omits.
	if known, ok := catalog.Lookup(name); ok {
		t.NetworkBandwidthMbps = known.NetworkBandwidthMbps
		if t.CPUManufacturer == "" {
			t.CPUManufacturer = known.CPUManufacturer
		}
	} else if ni := info.NetworkInfo; ni != nil && len(ni.NetworkCards) > 0 && ni.NetworkCards[0].BaselineBandwidthInGbps != nil {
		t.NetworkBandwidthMbps = int(*ni.NetworkCards[0].BaselineBandwidthInGbps * 1000)
	}
	f := typeFacts{Type: t}
	if ni := info.NetworkInfo; ni != nil {
		f.eniPods = eniMaxPods(aws.ToInt32(ni.MaximumNetworkInterfaces), aws.ToInt32(ni.Ipv4AddressesPerInterface))
	} else {
		f.eniPods = eniMaxPods(0, 0)
	}
	for _, u := range info.SupportedUsageClasses {
		switch u {
		case ec2types.UsageClassTypeSpot:
			f.spot = true
		case ec2types.UsageClassTypeOnDemand:
			f.onDemand = true
		}
	}
	return f, true
}

// categoryAndGeneration splits a family such as "m7gd" or "hpc7g" into its category ("m",
// "hpc") and generation (7).
func categoryAndGeneration(family string) (string, int) {
	i := strings.IndexFunc(family, unicode.IsDigit)
	if i < 0 {
		return family, 0
	}
	j := i
	for j < len(family) && unicode.IsDigit(rune(family[j])) {
		j++
	}
	gen, _ := strconv.Atoi(family[i:j])
	return family[:i], gen
}
