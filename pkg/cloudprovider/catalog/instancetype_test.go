package catalog

import (
	"maps"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Expected values below are copied from the CSV rows, not computed from the catalog, so they
// hold in clones without the CSV and catch a generator that shifts a column.
func TestKnownInstanceTypes(t *testing.T) {
	q := resource.MustParse
	for _, c := range []struct {
		name        string
		labels      map[string]string
		capacity    corev1.ResourceList
		allocatable corev1.ResourceList
		onDemand    float64
	}{{
		name: "m5.large",
		labels: map[string]string{
			"node.kubernetes.io/instance-type":             "m5.large",
			"kubernetes.io/arch":                           "amd64",
			"kubernetes.io/os":                             "linux",
			"karpenter.k8s.aws/instance-category":          "m",
			"karpenter.k8s.aws/instance-family":            "m5",
			"karpenter.k8s.aws/instance-generation":        "5",
			"karpenter.k8s.aws/instance-size":              "large",
			"karpenter.k8s.aws/instance-cpu":               "2",
			"karpenter.k8s.aws/instance-cpu-manufacturer":  "intel",
			"karpenter.k8s.aws/instance-memory":            "8192",
			"karpenter.k8s.aws/instance-hypervisor":        "nitro",
			"karpenter.k8s.aws/instance-network-bandwidth": "750",
		},
		capacity:    corev1.ResourceList{"cpu": q("2"), "memory": q("8Gi"), "pods": q("29"), "ephemeral-storage": q("20Gi")},
		allocatable: corev1.ResourceList{"cpu": q("1930m"), "memory": q("6903Mi"), "pods": q("29"), "ephemeral-storage": q("17Gi")},
		onDemand:    0.096,
	}, {
		name: "p4d.24xlarge",
		labels: map[string]string{
			"node.kubernetes.io/instance-type":             "p4d.24xlarge",
			"kubernetes.io/arch":                           "amd64",
			"kubernetes.io/os":                             "linux",
			"karpenter.k8s.aws/instance-category":          "p",
			"karpenter.k8s.aws/instance-family":            "p4d",
			"karpenter.k8s.aws/instance-generation":        "4",
			"karpenter.k8s.aws/instance-size":              "24xlarge",
			"karpenter.k8s.aws/instance-cpu":               "96",
			"karpenter.k8s.aws/instance-cpu-manufacturer":  "intel",
			"karpenter.k8s.aws/instance-memory":            "1179648",
			"karpenter.k8s.aws/instance-hypervisor":        "nitro",
			"karpenter.k8s.aws/instance-network-bandwidth": "400000",
			"karpenter.k8s.aws/instance-local-nvme":        "8000",
			"karpenter.k8s.aws/instance-gpu-name":          "a100",
			"karpenter.k8s.aws/instance-gpu-manufacturer":  "nvidia",
			"karpenter.k8s.aws/instance-gpu-count":         "8",
			"karpenter.k8s.aws/instance-gpu-memory":        "40960",
		},
		capacity:    corev1.ResourceList{"cpu": q("96"), "memory": q("1179648Mi"), "pods": q("737"), "ephemeral-storage": q("20Gi"), "nvidia.com/gpu": q("8")},
		allocatable: corev1.ResourceList{"cpu": q("95690m"), "memory": q("1082712Mi"), "pods": q("737"), "ephemeral-storage": q("17Gi"), "nvidia.com/gpu": q("8")},
		onDemand:    21.957642,
	}, {
		name: "c7g.large", // Graviton
		labels: map[string]string{
			"node.kubernetes.io/instance-type":             "c7g.large",
			"kubernetes.io/arch":                           "arm64",
			"kubernetes.io/os":                             "linux",
			"karpenter.k8s.aws/instance-category":          "c",
			"karpenter.k8s.aws/instance-family":            "c7g",
			"karpenter.k8s.aws/instance-generation":        "7",
			"karpenter.k8s.aws/instance-size":              "large",
			"karpenter.k8s.aws/instance-cpu":               "2",
			"karpenter.k8s.aws/instance-cpu-manufacturer":  "aws",
			"karpenter.k8s.aws/instance-memory":            "4096",
			"karpenter.k8s.aws/instance-hypervisor":        "nitro",
			"karpenter.k8s.aws/instance-network-bandwidth": "937",
		},
		capacity:    corev1.ResourceList{"cpu": q("2"), "memory": q("4Gi"), "pods": q("29"), "ephemeral-storage": q("20Gi")},
		allocatable: corev1.ResourceList{"cpu": q("1930m"), "memory": q("3055Mi"), "pods": q("29"), "ephemeral-storage": q("17Gi")},
		onDemand:    0.0725,
	}, {
		name: "inf2.xlarge",
		labels: map[string]string{
			"node.kubernetes.io/instance-type":                    "inf2.xlarge",
			"kubernetes.io/arch":                                  "amd64",
			"kubernetes.io/os":                                    "linux",
			"karpenter.k8s.aws/instance-category":                 "inf",
			"karpenter.k8s.aws/instance-family":                   "inf2",
			"karpenter.k8s.aws/instance-generation":               "2",
			"karpenter.k8s.aws/instance-size":                     "xlarge",
			"karpenter.k8s.aws/instance-cpu":                      "4",
			"karpenter.k8s.aws/instance-cpu-manufacturer":         "amd",
			"karpenter.k8s.aws/instance-memory":                   "16384",
			"karpenter.k8s.aws/instance-hypervisor":               "nitro",
			"karpenter.k8s.aws/instance-network-bandwidth":        "2083",
			"karpenter.k8s.aws/instance-accelerator-name":         "inferentia2",
			"karpenter.k8s.aws/instance-accelerator-manufacturer": "aws",
			"karpenter.k8s.aws/instance-accelerator-count":        "1",
		},
		capacity:    corev1.ResourceList{"cpu": q("4"), "memory": q("16Gi"), "pods": q("58"), "ephemeral-storage": q("20Gi"), "aws.amazon.com/neuron": q("1")},
		allocatable: corev1.ResourceList{"cpu": q("3920m"), "memory": q("14162Mi"), "pods": q("58"), "ephemeral-storage": q("17Gi"), "aws.amazon.com/neuron": q("1")},
		onDemand:    0.7582,
	}} {
		t.Run(c.name, func(t *testing.T) {
			ty, ok := Lookup(c.name)
			if !ok {
				t.Fatal("not in catalog")
			}
			it := ty.InstanceType("us-west-2a", "us-west-2b")
			if it.Name != c.name {
				t.Errorf("Name = %q", it.Name)
			}
			if !maps.Equal(it.Labels, c.labels) {
				t.Errorf("labels:\n got %v\nwant %v", it.Labels, c.labels)
			}
			expectResources(t, "capacity", it.Capacity, c.capacity)
			expectResources(t, "allocatable", it.Allocatable, c.allocatable)
			want := cloudprovider.Offerings{
				{Zone: "us-west-2a", CapacityType: "on-demand", Price: c.onDemand, Available: true},
				{Zone: "us-west-2a", CapacityType: "spot", Price: SpotPrice(c.name, "us-west-2a"), Available: true},
				{Zone: "us-west-2b", CapacityType: "on-demand", Price: c.onDemand, Available: true},
				{Zone: "us-west-2b", CapacityType: "spot", Price: SpotPrice(c.name, "us-west-2b"), Available: true},
			}
			if len(it.Offerings) != len(want) {
				t.Fatalf("offerings = %+v", it.Offerings)
			}
			for i := range want {
				if it.Offerings[i] != want[i] {
					t.Errorf("offering %d = %+v, want %+v", i, it.Offerings[i], want[i])
				}
			}
		})
	}
}

// TestEdgeTypes covers facts whose absence or zero must map to Karpenter's labelling.
func TestEdgeTypes(t *testing.T) {
	for _, c := range []struct {
		name     string
		labels   map[string]string // must be present with these values
		absent   []string          // label keys that must be missing
		resource corev1.ResourceName
		count    int64 // 0: resource must be absent
	}{
		{"dl1.24xlarge", map[string]string{LabelInstanceGPUName: "gaudi-hl-205", LabelInstanceGPUManufacturer: "habana", LabelInstanceGPUCount: "8"}, nil, ResourceHabanaGaudi, 8},
		{"g4ad.xlarge", map[string]string{LabelInstanceGPUName: "radeon-pro-v520", LabelInstanceGPUManufacturer: "amd", LabelInstanceCPUManufacturer: "amd"}, nil, ResourceAMDGPU, 1},
		{"g5.xlarge", map[string]string{LabelInstanceGPUName: "a10g", LabelInstanceGPUMemory: "22888", LabelInstanceLocalNVME: "250"}, nil, ResourceNVIDIAGPU, 1},
		// Fractional GPU: Karpenter labels gpu-count "0" and advertises no whole GPU.
		{"g6f.large", map[string]string{LabelInstanceGPUName: "l4", LabelInstanceGPUCount: "0", LabelInstanceGPUMemory: "2861"}, nil, ResourceNVIDIAGPU, 0},
		{"trn1.2xlarge", map[string]string{LabelInstanceAcceleratorName: "trainium", LabelInstanceAcceleratorCount: "1"}, []string{LabelInstanceGPUName}, ResourceAWSNeuron, 1},
		{"inf1.xlarge", map[string]string{LabelInstanceAcceleratorName: "inferentia"}, []string{LabelInstanceLocalNVME}, ResourceAWSNeuron, 1},
		{"m5.metal", map[string]string{LabelInstanceSize: "metal"}, []string{LabelInstanceHypervisor}, "", 0},
		{"t2.micro", map[string]string{LabelInstanceHypervisor: "xen"}, []string{LabelInstanceNetworkBandwidth, LabelInstanceLocalNVME, LabelInstanceGPUCount, LabelInstanceAcceleratorCount}, "", 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			ty, ok := Lookup(c.name)
			if !ok {
				t.Fatal("not in catalog")
			}
			it := ty.InstanceType()
			for k, v := range c.labels {
				if got, ok := it.Labels[k]; !ok || got != v {
					t.Errorf("label %s = %q (present %v), want %q", k, got, ok, v)
				}
			}
			for _, k := range c.absent {
				if v, ok := it.Labels[k]; ok {
					t.Errorf("label %s = %q, want absent", k, v)
				}
			}
			for _, r := range []corev1.ResourceName{ResourceNVIDIAGPU, ResourceAMDGPU, ResourceHabanaGaudi, ResourceAWSNeuron} {
				want := int64(0)
				if r == c.resource {
					want = c.count
				}
				got, ok := it.Capacity[r]
				if (want == 0) == ok || got.Value() != want {
					t.Errorf("capacity %s = %v (present %v), want %d", r, got.String(), ok, want)
				}
				if a := it.Allocatable[r]; a.Cmp(got) != 0 {
					t.Errorf("allocatable %s = %v, want all of capacity %v", r, a.String(), got.String())
				}
			}
		})
	}
}

func TestInstanceTypes(t *testing.T) {
	its := InstanceTypes()
	ts := Types()
	if len(its) != len(ts) {
		t.Fatalf("got %d instance types for %d catalog types", len(its), len(ts))
	}
	for i, it := range its {
		if it.Name != ts[i].Name {
			t.Fatalf("instance type %d is %s, want %s", i, it.Name, ts[i].Name)
		}
		for _, k := range []string{corev1.LabelInstanceTypeStable, corev1.LabelArchStable, corev1.LabelOSStable,
			LabelInstanceCategory, LabelInstanceFamily, LabelInstanceGeneration, LabelInstanceSize,
			LabelInstanceCPU, LabelInstanceCPUManufacturer, LabelInstanceMemory} {
			if it.Labels[k] == "" {
				t.Errorf("%s lacks label %s", it.Name, k)
			}
		}
		for _, k := range []string{cloudprovider.LabelZone, cloudprovider.LabelCapacityType, corev1.LabelTopologyRegion} {
			if _, ok := it.Labels[k]; ok {
				t.Errorf("%s carries %s, which belongs to offerings or the node", it.Name, k)
			}
		}
		for name, capQ := range it.Capacity {
			if allocQ, ok := it.Allocatable[name]; !ok || allocQ.Cmp(capQ) > 0 || allocQ.Sign() <= 0 {
				t.Errorf("%s: allocatable %s = %v, capacity %v", it.Name, name, allocQ.String(), capQ.String())
			}
		}
		if len(it.Allocatable) != len(it.Capacity) {
			t.Errorf("%s: allocatable has %d resources, capacity %d", it.Name, len(it.Allocatable), len(it.Capacity))
		}
		zones := map[string]int{}
		for _, o := range it.Offerings {
			zones[o.Zone]++
			if !o.Available || !(o.Price > 0) {
				t.Errorf("%s: offering %+v", it.Name, o)
			}
		}
		if len(it.Offerings) != 6 || zones["us-east-1a"] != 2 || zones["us-east-1b"] != 2 || zones["us-east-1c"] != 2 {
			t.Errorf("%s: default offerings %+v", it.Name, it.Offerings)
		}
	}
	if its[0] == InstanceTypes()[0] {
		t.Error("InstanceTypes shares objects between calls; callers may mutate them")
	}
}

func expectResources(t *testing.T, what string, got, want corev1.ResourceList) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g.Cmp(w) != 0 {
			t.Errorf("%s %s = %v, want %v", what, name, g.String(), w.String())
		}
	}
}
