package simulated

import (
	"context"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// GetInstanceTypes returns the catalog types offered in the zones of the NodePool's
// EC2NodeClass subnets, with its kubelet maxPods and podsPerCore applied. Offerings that
// recently had insufficient capacity are unavailable. Callers must not modify the result.
func (p *Provider) GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	nodeClass, subnets, err := p.nodeClassFor(ctx, nodePool.Spec.Template.Spec.NodeClassRef, "NodePool "+nodePool.Name)
	if err != nil {
		return nil, err
	}
	return p.unavailable.Apply(p.view(zonesOf(subnets), nodeClass.Spec.Kubelet)), nil
}

// view returns the base types offered in the zones, with the kubelet's pod density applied. Views
// are cached per zones and kubelet settings, since NodeClasses rarely change and the scheduler
// asks often; availability is applied on top by the caller.
func (p *Provider) view(zones []string, kubelet *ec2v1.KubeletConfiguration) []*cloudprovider.InstanceType {
	var maxPods, podsPerCore int64 = -1, 0
	if kubelet != nil && kubelet.MaxPods != nil {
		maxPods = int64(*kubelet.MaxPods)
	}
	if kubelet != nil && kubelet.PodsPerCore != nil {
		podsPerCore = int64(*kubelet.PodsPerCore)
	}
	key := strings.Join(zones, ",") + "|" + strconv.FormatInt(maxPods, 10) + "|" + strconv.FormatInt(podsPerCore, 10)
	p.mu.Lock()
	defer p.mu.Unlock()
	if v, ok := p.views[key]; ok {
		return v
	}
	allZones := len(zones) == len(p.opts.Zones)
	out := make([]*cloudprovider.InstanceType, 0, len(p.base))
	for _, it := range p.base {
		pods, adjusted := podDensity(it, maxPods, podsPerCore)
		if allZones && !adjusted {
			out = append(out, it)
			continue
		}
		c := *it
		c.Offerings = slices.DeleteFunc(slices.Clone(it.Offerings), func(o cloudprovider.Offering) bool { return !slices.Contains(zones, o.Zone) })
		if adjusted {
			c.Capacity, c.Allocatable = withPods(it, pods)
		}
		out = append(out, &c)
	}
	p.views[key] = out
	return out
}

// podDensity applies kubelet maxPods and podsPerCore as the AWS provider does: maxPods replaces
// the ENI-based count, and podsPerCore × vCPUs caps it.
func podDensity(it *cloudprovider.InstanceType, maxPods, podsPerCore int64) (int64, bool) {
	current := it.Capacity.Pods().Value()
	pods := current
	if maxPods >= 0 {
		pods = maxPods
	}
	if podsPerCore > 0 {
		pods = min(pods, podsPerCore*it.Capacity.Cpu().Value())
	}
	return pods, pods != current
}

// kubeReservedMiBPerPod is the memory Karpenter's kube-reserved formula (11 MiB × pods + 255 MiB)
// sets aside per pod, so allocatable memory follows a changed pod count.
const kubeReservedMiBPerPod = 11

func withPods(it *cloudprovider.InstanceType, pods int64) (capacity, allocatable corev1.ResourceList) {
	capacity, allocatable = it.Capacity.DeepCopy(), it.Allocatable.DeepCopy()
	delta := pods - it.Capacity.Pods().Value()
	capacity[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	allocatable[corev1.ResourcePods] = *resource.NewQuantity(pods, resource.DecimalSI)
	mem := allocatable.Memory().Value() - delta*kubeReservedMiBPerPod<<20
	allocatable[corev1.ResourceMemory] = *resource.NewQuantity(max(mem, 0), resource.BinarySI)
	return capacity, allocatable
}
