package status

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

const priceAnnotationKey = karpv1.PriceAnnotationKey

// resourceNodes is the pseudo-resource that counts nodes, in status.resources and in limits, as
// upstream names it.
const resourceNodes corev1.ResourceName = "nodes"

// usage sums the capacity of the NodeClaims, as upstream's nodepool counter does: every
// NodeClaim counts, those still launching (no capacity yet) and those being deleted (the
// instance is still there) included, and "nodes" counts them.
func usage(ncs []karpv1.NodeClaim) corev1.ResourceList {
	total := corev1.ResourceList{}
	for i := range ncs {
		for name, q := range ncs[i].Status.Capacity {
			sum := total[name]
			sum.Add(q)
			total[name] = sum
		}
	}
	total[resourceNodes] = *resource.NewQuantity(int64(len(ncs)), resource.DecimalSI)
	return total
}

// priceIndex finds the hourly price of an offering.
type priceIndex map[cloudprovider.OfferingKey]float64

func newPriceIndex(its []*cloudprovider.InstanceType) priceIndex {
	idx := priceIndex{}
	for _, it := range its {
		for _, of := range it.Offerings {
			idx[cloudprovider.OfferingKey{InstanceType: it.Name, Zone: of.Zone, CapacityType: of.CapacityType}] = of.Price
		}
	}
	return idx
}

// costs sums the hourly price of the launched NodeClaims by capacity type. The price is the one
// the lifecycle controller recorded at launch (the CloudProvider knows what it charged), else
// the offering's in the NodePool's instance types. It reports false when some price is unknown,
// so the caller can leave the metric alone rather than under-report.
func costs(ncs []karpv1.NodeClaim, prices priceIndex) (map[string]float64, bool) {
	out := map[string]float64{}
	complete := true
	for i := range ncs {
		nc := &ncs[i]
		ct := nc.Labels[karpv1.CapacityTypeLabelKey]
		if ct == "" || nc.Status.ProviderID == "" {
			continue // not launched yet
		}
		if s, ok := nc.Annotations[priceAnnotationKey]; ok {
			if p, err := strconv.ParseFloat(s, 64); err == nil {
				out[ct] += p
				continue
			}
		}
		key := cloudprovider.OfferingKey{InstanceType: nc.Labels[corev1.LabelInstanceTypeStable], Zone: nc.Labels[corev1.LabelTopologyZone], CapacityType: ct}
		p, ok := prices[key]
		if !ok {
			complete = false
			continue
		}
		out[ct] += p
	}
	return out, complete
}
