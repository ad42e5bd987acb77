package provisioning

import (
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// toRequirements converts API requirements into the engine's.
func toRequirements(in []karpv1.NodeSelectorRequirementWithMinValues) []scheduling.Requirement {
	out := make([]scheduling.Requirement, 0, len(in))
	for _, r := range in {
		out = append(out, scheduling.Requirement{Key: r.Key, Operator: r.Operator, Values: r.Values, MinValues: r.MinValues})
	}
	return out
}

// fromRequirements converts the engine's requirements back into the API's.
func fromRequirements(in []scheduling.Requirement) []karpv1.NodeSelectorRequirementWithMinValues {
	out := make([]karpv1.NodeSelectorRequirementWithMinValues, 0, len(in))
	for _, r := range in {
		out = append(out, karpv1.NodeSelectorRequirementWithMinValues{Key: r.Key, Operator: r.Operator, Values: r.Values, MinValues: r.MinValues})
	}
	return out
}

// toNodePool converts a NodePool and the instance types its cloud provider offers. Usage is left
// nil so the engine counts the pool's nodes and in-flight NodeClaims itself: the status the
// NodePool controller writes lags behind launches, and limits must hold across batches that run
// back to back.
func toNodePool(np *karpv1.NodePool, its []*cloudprovider.InstanceType) scheduling.NodePool {
	var weight int32
	if np.Spec.Weight != nil {
		weight = *np.Spec.Weight
	}
	return scheduling.NodePool{
		Name:          np.Name,
		Weight:        weight,
		Labels:        np.Spec.Template.Labels,
		Requirements:  toRequirements(np.Spec.Template.Spec.Requirements),
		Taints:        np.Spec.Template.Spec.Taints,
		StartupTaints: np.Spec.Template.Spec.StartupTaints,
		Limits:        corev1.ResourceList(np.Spec.Limits),
		InstanceTypes: its,
	}
}

// toInFlight converts a NodeClaim whose Node has not registered. Once launched, its instance
// type is known and pinned; before, it may become any type its requirements allow.
func toInFlight(nc *karpv1.NodeClaim) scheduling.InFlightNodeClaim {
	types := instanceTypeNames(nc)
	labels := map[string]string{}
	for k, v := range nc.Labels {
		labels[k] = v
	}
	out := scheduling.InFlightNodeClaim{
		Name:          nc.Name,
		NodePool:      nc.Labels[karpv1.NodePoolLabelKey],
		Requirements:  toRequirements(nc.Spec.Requirements),
		InstanceTypes: types,
		Labels:        labels,
		Taints:        nc.Spec.Taints,
		HasNode:       nc.Status.NodeName != "",
	}
	if len(nc.Status.Capacity) > 0 {
		out.Capacity = nc.Status.Capacity
	}
	return out
}

// instanceTypeNames returns the launched type, or the types the NodeClaim's requirements allow.
func instanceTypeNames(nc *karpv1.NodeClaim) []string {
	if t := nc.Labels[corev1.LabelInstanceTypeStable]; t != "" {
		return []string{t}
	}
	for _, r := range nc.Spec.Requirements {
		if r.Key == corev1.LabelInstanceTypeStable && r.Operator == corev1.NodeSelectorOpIn {
			return r.Values
		}
	}
	return nil
}
