package lifecycle

import (
	"context"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// price returns the hourly price of the NodeClaim's instance. The CloudProvider knows what it
// launched and at what price, so it says so on the NodeClaim Create returns
// (PriceAnnotationKey), which also keeps the price on the NodeClaim for the plugin and for cost
// metrics. A provider that does not set it is looked up in its NodePool's instance types. Zero
// when neither knows: the Event is still worth recording.
func (c *Controller) price(ctx context.Context, nc *karpv1.NodeClaim) float64 {
	if s, ok := nc.Annotations[PriceAnnotationKey]; ok {
		if p, err := strconv.ParseFloat(s, 64); err == nil {
			return p
		}
		log.FromContext(ctx).Info("ignoring an unparsable price annotation", "annotation", PriceAnnotationKey, "value", s)
	}
	np := &karpv1.NodePool{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: nc.Labels[karpv1.NodePoolLabelKey]}, np); err != nil {
		log.FromContext(ctx).V(1).Info("no price: cannot get the NodePool", "error", err.Error())
		return 0
	}
	its, err := c.cloud.GetInstanceTypes(ctx, np)
	if err != nil {
		log.FromContext(ctx).V(1).Info("no price: cannot get the instance types", "error", err.Error())
		return 0
	}
	name, zone, ct := nc.Labels[corev1.LabelInstanceTypeStable], nc.Labels[corev1.LabelTopologyZone], nc.Labels[karpv1.CapacityTypeLabelKey]
	for _, it := range its {
		if it.Name != name {
			continue
		}
		for _, of := range it.Offerings {
			if of.Zone == zone && of.CapacityType == ct {
				return of.Price
			}
		}
	}
	return 0
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
