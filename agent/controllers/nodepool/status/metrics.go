package status

import (
	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// setUsageMetrics replaces a NodePool's usage and limit series, so a resource that went away
// does not linger with its last value.
func setUsageMetrics(pool string, used corev1.ResourceList, limits karpv1.Limits) {
	metrics.NodePoolUsage.DeletePartialMatch(prometheus.Labels{metrics.LabelNodePool: pool})
	for name, q := range used {
		metrics.NodePoolUsage.WithLabelValues(pool, string(name)).Set(q.AsApproximateFloat64())
	}
	metrics.NodePoolLimit.DeletePartialMatch(prometheus.Labels{metrics.LabelNodePool: pool})
	for name, q := range limits {
		metrics.NodePoolLimit.WithLabelValues(pool, string(name)).Set(q.AsApproximateFloat64())
	}
}

// setCostMetrics replaces a NodePool's $/h series. Spot and on-demand are always present, zero
// when the pool runs none, so a dashboard sums without gaps.
func setCostMetrics(pool string, byCapacityType map[string]float64) {
	metrics.NodePoolCost.DeletePartialMatch(prometheus.Labels{metrics.LabelNodePool: pool})
	for _, ct := range []string{karpv1.CapacityTypeSpot, karpv1.CapacityTypeOnDemand} {
		metrics.NodePoolCost.WithLabelValues(pool, ct).Set(byCapacityType[ct])
	}
	for ct, v := range byCapacityType {
		metrics.NodePoolCost.WithLabelValues(pool, ct).Set(v)
	}
}

// deleteMetrics removes every series of a deleted NodePool.
func deleteMetrics(pool string) {
	l := prometheus.Labels{metrics.LabelNodePool: pool}
	metrics.NodePoolUsage.DeletePartialMatch(l)
	metrics.NodePoolLimit.DeletePartialMatch(l)
	metrics.NodePoolCost.DeletePartialMatch(l)
}
