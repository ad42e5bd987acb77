package aws

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func TestCategoryAndGeneration(t *testing.T) {
	for family, want := range map[string]struct {
		cat string
		gen int
	}{"m5": {"m", 5}, "m7gd": {"m", 7}, "hpc7g": {"hpc", 7}, "u-6tb1": {"u-", 6}, "x2iedn": {"x", 2}, "mac": {"mac", 0}} {
		cat, gen := categoryAndGeneration(family)
		if cat != want.cat || gen != want.gen {
			t.Errorf("categoryAndGeneration(%q) = %q, %d; want %q, %d", family, cat, gen, want.cat, want.gen)
		}
	}
}

// A type described by EC2 gets the same labels as the same type in the embedded catalog, which
// the simulated provider uses: both go through catalog.Type.Labels.
func TestFactsLabelLikeTheCatalog(t *testing.T) {
	info := ec2types.InstanceTypeInfo{
		InstanceType:  "g4dn.xlarge",
		Hypervisor:    ec2types.InstanceTypeHypervisorNitro,
		BareMetal:     aws.Bool(false),
		ProcessorInfo: &ec2types.ProcessorInfo{SupportedArchitectures: []ec2types.ArchitectureType{"x86_64"}, Manufacturer: aws.String("Intel")},
		VCpuInfo:      &ec2types.VCpuInfo{DefaultVCpus: aws.Int32(4)},
		MemoryInfo:    &ec2types.MemoryInfo{SizeInMiB: aws.Int64(16384)},
		GpuInfo: &ec2types.GpuInfo{Gpus: []ec2types.GpuDeviceInfo{{
			Name: aws.String("T4"), Manufacturer: aws.String("NVIDIA"), Count: aws.Int32(1),
			MemoryInfo: &ec2types.GpuDeviceMemoryInfo{SizeInMiB: aws.Int32(16384)},
		}}},
		InstanceStorageInfo:   &ec2types.InstanceStorageInfo{NvmeSupport: ec2types.EphemeralNvmeSupportRequired, TotalSizeInGB: aws.Int64(125)},
		NetworkInfo:           &ec2types.NetworkInfo{MaximumNetworkInterfaces: aws.Int32(3), Ipv4AddressesPerInterface: aws.Int32(10)},
		SupportedUsageClasses: []ec2types.UsageClassType{"on-demand", "spot"},
	}
	f, ok := factsOf(info)
	if !ok {
		t.Fatal("g4dn.xlarge rejected")
	}
	want, _ := catalog.Lookup("g4dn.xlarge")
	got, exp := f.Labels(), want.Labels()
	for k, v := range exp {
		if got[k] != v {
			t.Errorf("label %s = %q, catalog says %q", k, got[k], v)
		}
	}
	for k := range got {
		if _, ok := exp[k]; !ok {
			t.Errorf("extra label %s=%q", k, got[k])
		}
	}
	if f.eniPods != int64(want.MaxPods) || !f.spot || !f.onDemand {
		t.Errorf("eniPods %d (catalog %d), spot %v, on-demand %v", f.eniPods, want.MaxPods, f.spot, f.onDemand)
	}
	if _, ok := factsOf(ec2types.InstanceTypeInfo{InstanceType: "x.mac", ProcessorInfo: &ec2types.ProcessorInfo{SupportedArchitectures: []ec2types.ArchitectureType{"x86_64_mac"}}}); ok {
		t.Error("a Mac type was accepted")
	}
}
