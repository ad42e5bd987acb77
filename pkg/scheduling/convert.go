package scheduling

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// This file converts karpenter.sh/v1 API objects into the engine's input. The agent and the
// plugin both build their snapshots with it, so that the plugin's simulation sees the cluster
// exactly as the agent does.

// FromRequirements converts API requirements into the engine's.
func FromRequirements(in []karpv1.NodeSelectorRequirementWithMinValues) []Requirement {
	out := make([]Requirement, 0, len(in))
	for _, r := range in {
		out = append(out, Requirement{Key: r.Key, Operator: r.Operator, Values: r.Values, MinValues: r.MinValues})
	}
	return out
}

// ToRequirements converts the engine's requirements back into the API's.
func ToRequirements(in []Requirement) []karpv1.NodeSelectorRequirementWithMinValues {
	out := make([]karpv1.NodeSelectorRequirementWithMinValues, 0, len(in))
	for _, r := range in {
		out = append(out, karpv1.NodeSelectorRequirementWithMinValues{Key: r.Key, Operator: r.Operator, Values: r.Values, MinValues: r.MinValues})
	}
	return out
}

// FromNodePool converts a NodePool and the instance types its cloud provider offers. Usage is
// left nil so the engine counts the pool's nodes and in-flight NodeClaims itself: the status the
// NodePool controller writes lags behind launches, and limits must hold across batches that run
// back to back.
func FromNodePool(np *karpv1.NodePool, its []*cloudprovider.InstanceType) NodePool {
	var weight int32
	if np.Spec.Weight != nil {
		weight = *np.Spec.Weight
	}
	return NodePool{
		Name:          np.Name,
		Weight:        weight,
		Labels:        np.Spec.Template.Labels,
		Requirements:  FromRequirements(np.Spec.Template.Spec.Requirements),
		Taints:        np.Spec.Template.Spec.Taints,
		StartupTaints: np.Spec.Template.Spec.StartupTaints,
		Limits:        corev1.ResourceList(np.Spec.Limits),
		InstanceTypes: its,
	}
}

// FromNodeClaim converts a NodeClaim whose Node has not registered. Once launched, its instance
// type is known and pinned; before, it may become any type its requirements allow.
func FromNodeClaim(nc *karpv1.NodeClaim) InFlightNodeClaim {
	labels := make(map[string]string, len(nc.Labels))
	for k, v := range nc.Labels {
		labels[k] = v
	}
	out := InFlightNodeClaim{
		Name:          nc.Name,
		NodePool:      nc.Labels[karpv1.NodePoolLabelKey],
		Requirements:  FromRequirements(nc.Spec.Requirements),
		InstanceTypes: NodeClaimInstanceTypes(nc),
		Labels:        labels,
		Taints:        nc.Spec.Taints,
		HasNode:       nc.Status.NodeName != "",
	}
	if len(nc.Status.Capacity) > 0 {
		out.Capacity = nc.Status.Capacity
	}
	return out
}

// NodeClaimInstanceTypes returns the launched type, or the types the NodeClaim's requirements
// allow.
func NodeClaimInstanceTypes(nc *karpv1.NodeClaim) []string {
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

// IsInFlight reports whether a NodeClaim belongs in Input.InFlight: it has no Node yet and is
// not being deleted (a NodeClaim being deleted takes no pods; its Node, while it lasts, still
// counts against limits through the node list).
func IsInFlight(nc *karpv1.NodeClaim) bool {
	return nc.DeletionTimestamp == nil && nc.Status.NodeName == ""
}

// NodePoolUsable reports whether new NodeClaims may come from the NodePool: not being deleted
// and not reported invalid or without a ready node class.
func NodePoolUsable(np *karpv1.NodePool) bool {
	return NodePoolUnusableReason(np) == ""
}

// NodePoolUnusableReason says why no NodeClaim may come from the NodePool, or "" when one may.
func NodePoolUnusableReason(np *karpv1.NodePool) string {
	if np.DeletionTimestamp != nil {
		return "the NodePool is being deleted"
	}
	for _, c := range np.Status.Conditions {
		if (c.Type == karpv1.ConditionTypeValidationSucceeded || c.Type == karpv1.ConditionTypeNodeClassReady) && c.Status == metav1.ConditionFalse {
			msg := c.Type + "=False"
			if c.Message != "" {
				msg += ": " + c.Message
			}
			return msg
		}
	}
	return ""
}

// IsProvisionable reports whether the agent should find room for the pod: the kube-scheduler
// marked it unschedulable, it is not bound, not terminating, not preempting (a nominated node
// means the scheduler is evicting lower-priority pods for it), and not owned by a DaemonSet or a
// Node (those pods go where their owner says, not where capacity is).
func IsProvisionable(pod *corev1.Pod) bool {
	if !IsPending(pod) || pod.Status.NominatedNodeName != "" {
		return false
	}
	if isControlledBy(pod, "DaemonSet") || isControlledBy(pod, "Node") {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
		}
	}
	return false
}

// IsPending reports whether the pod waits for a node: not bound, not terminating, not finished.
func IsPending(pod *corev1.Pod) bool {
	if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil {
		return false
	}
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

func isControlledBy(pod *corev1.Pod, kind string) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == kind
}
