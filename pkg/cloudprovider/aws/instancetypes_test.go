package aws

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func find(its []*cloudprovider.InstanceType, name string) *cloudprovider.InstanceType {
	for _, it := range its {
		if it.Name == name {
			return it
		}
	}
	return nil
}

func offering(it *cloudprovider.InstanceType, zone, capacityType string) (cloudprovider.Offering, bool) {
	for _, of := range it.Offerings {
		if of.Zone == zone && of.CapacityType == capacityType {
			return of, true
		}
	}
	return cloudprovider.Offering{}, false
}

func TestInstanceTypesFromEC2(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	e.srv.SetOnDemandPrice("m5.large", 0.1)
	e.srv.SetSpotPrice("m5.large", "us-east-1b", 0.031)
	its, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	m5 := find(its, "m5.large")
	if m5 == nil {
		t.Fatalf("m5.large missing among %d types", len(its))
	}
	want, _ := catalog.Lookup("m5.large")
	for k, v := range want.Labels() {
		if m5.Labels[k] != v {
			t.Errorf("m5.large label %s = %q, want %q", k, m5.Labels[k], v)
		}
	}
	if m5.Labels[corev1.LabelTopologyRegion] != "us-east-1" {
		t.Errorf("region label %q", m5.Labels[corev1.LabelTopologyRegion])
	}
	if cpu, mem, pods := m5.Allocatable.Cpu().MilliValue(), m5.Allocatable.Memory().Value()>>20, m5.Allocatable.Pods().Value(); cpu != 1930 || mem != 6903 || pods != 29 {
		t.Errorf("m5.large allocatable %dm %dMi %d pods, want 1930m 6903Mi 29", cpu, mem, pods)
	}
	if len(m5.Offerings) != 6 {
		t.Errorf("m5.large has %d offerings, want spot and on-demand in 3 zones", len(m5.Offerings))
	}
	if of, _ := offering(m5, "us-east-1a", "on-demand"); of.Price != 0.1 {
		t.Errorf("on-demand price %v, want the Pricing API's 0.1", of.Price)
	}
	if of, _ := offering(m5, "us-east-1b", "spot"); of.Price != 0.031 {
		t.Errorf("spot price %v, want the spot history's 0.031", of.Price)
	}
	if find(its, "g4dn.xlarge") != nil {
		t.Error("g4dn.xlarge offered although the standard AL2023 AMI has no GPU driver")
	}
	if it := find(its, "m7g.large"); it == nil || it.Labels[corev1.LabelArchStable] != "arm64" {
		t.Error("arm64 types missing although the alias resolved an arm64 AMI")
	}

	// Cached: a second call asks EC2 nothing.
	calls := e.srv.Calls("DescribeInstanceTypes")
	if _, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default")); err != nil {
		t.Fatal(err)
	}
	if e.srv.Calls("DescribeInstanceTypes") != calls {
		t.Error("instance types were described again within the TTL")
	}
	e.clk.Step(DefaultInstanceTypesTTL + time.Second)
	if _, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default")); err != nil {
		t.Fatal(err)
	}
	if e.srv.Calls("DescribeInstanceTypes") == calls {
		t.Error("instance types were not refreshed after the TTL")
	}
}

func TestInstanceTypesFollowTheNodeClass(t *testing.T) {
	e := newEnv(t)
	nc := discoveryNodeClass("dense")
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{ID: e.seed.SubnetIDs["us-east-1c"]}}
	nc.Spec.Kubelet = &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](110)}
	e.readyNodeClass(t, nc)
	its, err := e.p.GetInstanceTypes(e.ctx, nodePool("dense", "dense"))
	if err != nil {
		t.Fatal(err)
	}
	m5 := find(its, "m5.large")
	if m5.Allocatable.Pods().Value() != 110 {
		t.Errorf("kubelet.maxPods 110: pods %v", m5.Allocatable.Pods())
	}
	for _, of := range m5.Offerings {
		if of.Zone != "us-east-1c" {
			t.Errorf("offering in %s, but the node class selects only us-east-1c", of.Zone)
		}
	}
}

func TestPricesFallBackWhenTheAPIsFail(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	e.srv.SetOnDemandPrice("m5.large", 0.5)
	e.srv.FailWith("GetProducts", 500, 100)
	e.srv.FailWith("DescribeSpotPriceHistory", 503, 100)
	its, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	m5 := find(its, "m5.large")
	od, _ := offering(m5, "us-east-1a", "on-demand")
	spot, _ := offering(m5, "us-east-1a", "spot")
	if od.Price != 0.096 || spot.Price != 0.096 {
		t.Errorf("fallback prices on-demand %v spot %v, want the catalog's 0.096 for both", od.Price, spot.Price)
	}

	// Once the APIs answer again, the next refresh (after the retry interval) uses them.
	e.srv.FailWith("GetProducts", 500, 0)
	e.srv.FailWith("DescribeSpotPriceHistory", 503, 0)
	e.clk.Step(pricingRetryInterval)
	its, err = e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	if od, _ := offering(find(its, "m5.large"), "us-east-1a", "on-demand"); od.Price != 0.5 {
		t.Errorf("on-demand price after recovery %v, want the API's 0.5", od.Price)
	}
}

func TestGPUTypesBootTheNvidiaVariant(t *testing.T) {
	e := newEnv(t)
	img := e.srv.AddImage(awstest.Image{Name: "amazon-eks-node-al2023-x86_64-nvidia-1.37-v20260101", Architecture: "x86_64", OwnerID: "amazon"})
	e.srv.SetParameter("/aws/service/eks/optimized-ami/1.37/amazon-linux-2023/x86_64/nvidia/recommended/image_id", img.ID)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	its, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	if find(its, "g4dn.xlarge") == nil || find(its, "m5.large") == nil {
		t.Fatal("with an NVIDIA image, both GPU and plain types are offered")
	}
	launched, err := e.p.Create(e.ctx, nodeClaim("default-gpu", "default", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "g4dn.xlarge")))
	if err != nil {
		t.Fatal(err)
	}
	if launched.Status.ImageID != img.ID {
		t.Errorf("g4dn.xlarge launched from %s, want the NVIDIA image %s", launched.Status.ImageID, img.ID)
	}
	if q := launched.Status.Allocatable["nvidia.com/gpu"]; q.Value() != 1 {
		t.Errorf("allocatable nvidia.com/gpu = %v", q)
	}
}

func TestAFailedRefreshKeepsTheInstanceTypes(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	before, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	e.srv.FailWith("DescribeInstanceTypes", 503, 100)
	e.clk.Step(DefaultInstanceTypesTTL + time.Second)
	after, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil || len(after) != len(before) {
		t.Errorf("after a failed refresh: %d types (had %d), %v", len(after), len(before), err)
	}
}
