package fake

import (
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// offeringLabels are the labels a node of the instance type launched into the offering carries.
func offeringLabels(it *cloudprovider.InstanceType, of cloudprovider.Offering) map[string]string {
	labels := make(map[string]string, len(it.Labels)+2)
	for k, v := range it.Labels {
		labels[k] = v
	}
	labels[corev1.LabelTopologyZone] = of.Zone
	labels[karpv1.CapacityTypeLabelKey] = of.CapacityType
	return labels
}

// matches reports whether the labels satisfy every requirement. A key the labels do not define
// (karpenter.sh/nodepool, a NodePool's own labels) is not a fact of the instance and never
// excludes it, as in the simulated provider.
func matches(labels map[string]string, reqs []karpv1.NodeSelectorRequirementWithMinValues) bool {
	for _, r := range reqs {
		v, ok := labels[r.Key]
		if !ok {
			continue
		}
		if !requirementAllows(r, v) {
			return false
		}
	}
	return true
}

func requirementAllows(r karpv1.NodeSelectorRequirementWithMinValues, v string) bool {
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return slices.Contains(r.Values, v)
	case corev1.NodeSelectorOpNotIn:
		return !slices.Contains(r.Values, v)
	case corev1.NodeSelectorOpExists:
		return true
	case corev1.NodeSelectorOpDoesNotExist:
		return false
	case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt, karpv1.NodeSelectorOpGte, karpv1.NodeSelectorOpLte:
		if len(r.Values) != 1 {
			return false
		}
		have, err1 := strconv.ParseInt(v, 10, 64)
		bound, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		switch r.Operator {
		case corev1.NodeSelectorOpGt:
			return have > bound
		case corev1.NodeSelectorOpLt:
			return have < bound
		case karpv1.NodeSelectorOpGte:
			return have >= bound
		default:
			return have <= bound
		}
	}
	return false
}

// fits reports whether the requests fit the instance type's allocatable resources.
func fits(it *cloudprovider.InstanceType, requests corev1.ResourceList) bool {
	for name, q := range requests {
		if q.IsZero() {
			continue
		}
		have, ok := it.Allocatable[name]
		if !ok || have.Cmp(q) < 0 {
			return false
		}
	}
	return true
}
