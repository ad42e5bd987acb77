package lifecycle

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// ensurePrice makes sure the launched NodeClaim carries its hourly price (PriceAnnotationKey),
// which launch copies onto the NodeClaim and registration onto the Node, for the Launched Event,
// the NodePool's cost metric and the plugin. The CloudProvider knows what it launched and at
// what price, so it should say so on the NodeClaim Create returns; for one that does not, the
// price is looked up among the offerings of the NodePool's instance types. When neither knows,
// the annotation stays absent and the price counts as zero.
func (c *Controller) ensurePrice(ctx context.Context, launched *karpv1.NodeClaim) {
	if s, ok := launched.Annotations[PriceAnnotationKey]; ok {
		if _, err := strconv.ParseFloat(s, 64); err == nil {
			return
		}
		log.FromContext(ctx).Info("ignoring an unparsable price from the cloud provider", "annotation", PriceAnnotationKey, "value", s)
	}
	price, ok := c.lookUpPrice(ctx, launched)
	if !ok {
		delete(launched.Annotations, PriceAnnotationKey)
		return
	}
	if launched.Annotations == nil {
		launched.Annotations = map[string]string{}
	}
	launched.Annotations[PriceAnnotationKey] = strconv.FormatFloat(price, 'f', -1, 64)
}

// lookUpPrice finds the price of the launched instance type, zone and capacity type among the
// offerings of its NodePool's instance types.
func (c *Controller) lookUpPrice(ctx context.Context, launched *karpv1.NodeClaim) (float64, bool) {
	np := &karpv1.NodePool{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: launched.Labels[karpv1.NodePoolLabelKey]}, np); err != nil {
		log.FromContext(ctx).V(1).Info("no price: cannot get the NodePool", "error", err.Error())
		return 0, false
	}
	its, err := c.cloud.GetInstanceTypes(ctx, np)
	if err != nil {
		log.FromContext(ctx).V(1).Info("no price: cannot get the instance types", "error", err.Error())
		return 0, false
	}
	name := launched.Labels[corev1.LabelInstanceTypeStable]
	zone := launched.Labels[corev1.LabelTopologyZone]
	capacityType := launched.Labels[karpv1.CapacityTypeLabelKey]
	for _, it := range its {
		if it.Name != name {
			continue
		}
		for _, of := range it.Offerings {
			if of.Zone == zone && of.CapacityType == capacityType {
				return of.Price, true
			}
		}
	}
	return 0, false
}

// price reads the NodeClaim's price annotation; 0 when absent.
func price(nc *karpv1.NodeClaim) float64 {
	p, _ := strconv.ParseFloat(nc.Annotations[PriceAnnotationKey], 64)
	return p
}

// podCount reads how many pods the provisioner made the NodeClaim for; 0 when it did not say.
func podCount(ctx context.Context, nc *karpv1.NodeClaim) int {
	s, ok := nc.Annotations[PodCountAnnotationKey]
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		log.FromContext(ctx).Info("ignoring an invalid pod count annotation", "annotation", PodCountAnnotationKey, "value", s)
		return 0
	}
	return n
}
