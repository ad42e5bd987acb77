package simulated

import (
	"context"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func TestGetInstanceTypesOffersOnlyTheNodeClassZones(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default", func(nc *ec2v1.EC2NodeClass) {
		nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{ID: "subnet-b"}}
	}))
	p, _ := newTestProvider(t, c, Options{})
	its, err := p.GetInstanceTypes(context.Background(), testNodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	if len(its) < 1000 {
		t.Fatalf("only %d instance types", len(its))
	}
	for _, it := range its {
		if len(it.Offerings) != 2 {
			t.Fatalf("%s has %d offerings, want spot and on-demand in us-east-1b", it.Name, len(it.Offerings))
		}
		for _, of := range it.Offerings {
			if of.Zone != "us-east-1b" || !of.Available {
				t.Fatalf("%s offering %+v", it.Name, of)
			}
		}
	}
	if got := its[0].Labels["topology.kubernetes.io/region"]; got != "us-east-1" {
		t.Errorf("region label %q", got)
	}
}

func TestKubeletMaxPodsOverridesPodCapacity(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default", func(nc *ec2v1.EC2NodeClass) {
		nc.Spec.Kubelet = &ec2v1.KubeletConfiguration{MaxPods: ptr.To[int32](20)}
	}))
	p, _ := newTestProvider(t, c, Options{})
	its, err := p.GetInstanceTypes(context.Background(), testNodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	base, _ := catalog.Lookup("m5.large") // 29 pods, 6903Mi allocatable
	for _, it := range its {
		if it.Name != "m5.large" {
			continue
		}
		if it.Capacity.Pods().Value() != 20 || it.Allocatable.Pods().Value() != 20 {
			t.Errorf("pods capacity %v allocatable %v, want 20", it.Capacity.Pods(), it.Allocatable.Pods())
		}
		// 9 pods fewer free 9 × 11Mi of kube-reserved memory.
		if want := int64(base.AllocatableMemoryMiB+9*11) << 20; it.Allocatable.Memory().Value() != want {
			t.Errorf("allocatable memory %d, want %d", it.Allocatable.Memory().Value(), want)
		}
	}
	got := mustCreate(t, p, testNodeClaim("a", req(corev1.LabelInstanceTypeStable, corev1.NodeSelectorOpIn, "m5.large")))
	if got.Status.Allocatable.Pods().Value() != 20 {
		t.Errorf("launched NodeClaim allocatable pods %v", got.Status.Allocatable.Pods())
	}
	// The shared catalog view is untouched.
	p2, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	its, _ = p2.GetInstanceTypes(context.Background(), testNodePool("default", "default"))
	for _, it := range its {
		if it.Name == "m5.large" && it.Capacity.Pods().Value() != 29 {
			t.Errorf("default view has %v pods", it.Capacity.Pods())
		}
	}
}
