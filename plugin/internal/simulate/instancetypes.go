package simulate

import (
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// kubeReservedMiBPerPod is the memory Karpenter's kube-reserved formula sets aside per pod
// (11 MiB × pods + 255 MiB), so allocatable memory follows a changed pod count.
const kubeReservedMiBPerPod = 11

// InstanceTypes gives the instance types a NodePool may launch through its EC2NodeClass: the
// embedded EC2 catalog offered in the node class's zones, with its kubelet maxPods and
// podsPerCore applied, as the simulated provider computes them. The live provider's
// insufficient-capacity cache is not visible from the API, so every offering is available.
type InstanceTypes struct {
	// defaultZones are offered when a node class's zones cannot be told.
	defaultZones []string
	cache        map[string][]*cloudprovider.InstanceType
}

// NewInstanceTypes returns an empty cache over the catalog.
func NewInstanceTypes() *InstanceTypes {
	zones := map[string]bool{}
	for _, it := range catalog.InstanceTypes()[:1] {
		for _, o := range it.Offerings {
			zones[o.Zone] = true
		}
	}
	return &InstanceTypes{defaultZones: sortedKeys(zones), cache: map[string][]*cloudprovider.InstanceType{}}
}

// For returns the instance types of the node class and the zones they are offered in.
func (s *InstanceTypes) For(nc *ec2v1.EC2NodeClass) ([]*cloudprovider.InstanceType, []string) {
	zones := s.zones(nc)
	var maxPods, podsPerCore int64 = -1, 0
	if k := nc.Spec.Kubelet; k != nil {
		if k.MaxPods != nil {
			maxPods = int64(*k.MaxPods)
		}
		if k.PodsPerCore != nil {
			podsPerCore = int64(*k.PodsPerCore)
		}
	}
	key := strings.Join(zones, ",") + "|" + strconv.FormatInt(maxPods, 10) + "|" + strconv.FormatInt(podsPerCore, 10)
	if its, ok := s.cache[key]; ok {
		return its, zones
	}
	its := catalog.InstanceTypes(zones...)
	for _, it := range its {
		if len(zones) > 0 {
			it.Labels[corev1.LabelTopologyRegion] = regionOf(zones[0])
		}
		applyPodDensity(it, maxPods, podsPerCore)
	}
	s.cache[key] = its
	return its, zones
}

// zones are those of the subnets the agent resolved into the node class's status; before it
// has, those its selector terms pick among the default zones: a subnet id subnet-<x> is zone
// <region><x> (as the simulated VPC names them), a zone tag is that zone, any other term may
// select subnets in every zone.
func (s *InstanceTypes) zones(nc *ec2v1.EC2NodeClass) []string {
	set := map[string]bool{}
	for _, sn := range nc.Status.Subnets {
		if sn.Zone != "" {
			set[sn.Zone] = true
		}
	}
	if len(set) > 0 {
		return sortedKeys(set)
	}
	region := regionOf(s.defaultZones[0])
	for _, term := range nc.Spec.SubnetSelectorTerms {
		switch {
		case term.ID != "":
			if z := region + strings.TrimPrefix(term.ID, "subnet-"); contains(s.defaultZones, z) {
				set[z] = true
				continue
			}
			return s.defaultZones
		case term.Tags[corev1.LabelTopologyZone] != "" && term.Tags[corev1.LabelTopologyZone] != "*":
			if z := term.Tags[corev1.LabelTopologyZone]; contains(s.defaultZones, z) {
				set[z] = true
			}
		default:
			return s.defaultZones
		}
	}
	return sortedKeys(set)
}

// applyPodDensity applies kubelet maxPods and podsPerCore as the AWS provider does: maxPods
// replaces the ENI-based count, podsPerCore × vCPUs caps it, and kube-reserved memory follows.
func applyPodDensity(it *cloudprovider.InstanceType, maxPods, podsPerCore int64) {
	current := it.Capacity.Pods().Value()
	pods := current
	if maxPods >= 0 {
		pods = maxPods
	}
	if podsPerCore > 0 {
		pods = min(pods, podsPerCore*it.Capacity.Cpu().Value())
	}
	if pods == current {
		return
	}
	it.Capacity[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	it.Allocatable[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	mem := it.Allocatable.Memory().Value() - (pods-current)*kubeReservedMiBPerPod<<20
	it.Allocatable[corev1.ResourceMemory] = *resource.NewQuantity(max(mem, 0), resource.BinarySI)
}

// regionOf strips the zone letter: us-east-1a → us-east-1.
func regionOf(zone string) string {
	return strings.TrimRight(zone, "abcdefghijklmnopqrstuvwxyz")
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
