// Package provisioning turns pods the kube-scheduler cannot place into NodeClaims: it batches
// them, builds a snapshot of the cluster from the informer caches, runs the scheduling engine and
// creates the NodeClaims the engine plans, recording every decision as an Event.
package provisioning

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// IsProvisionable reports whether the agent should find room for the pod: the kube-scheduler
// marked it unschedulable, it is not bound, not terminating, not preempting (a nominated node
// means the scheduler is evicting lower-priority pods for it), and not owned by a DaemonSet or a
// Node (those pods go where their owner says, not where capacity is).
func IsProvisionable(pod *corev1.Pod) bool {
	if pod.Spec.NodeName != "" || pod.DeletionTimestamp != nil || pod.Status.NominatedNodeName != "" {
		return false
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	if isOwnedBy(pod, "DaemonSet") || isOwnedBy(pod, "Node") {
		return false
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled {
			return c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable
		}
	}
	return false
}

func isOwnedBy(pod *corev1.Pod, kind string) bool {
	ref := metav1.GetControllerOf(pod)
	return ref != nil && ref.Kind == kind
}
