package scheduling

import (
	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
)

// untoleratedTaint returns the first taint that keeps the pod off, or nil. NoSchedule and
// NoExecute always block; PreferNoSchedule blocks too until the pod's preferences are relaxed,
// because Karpenter treats it as a preference it honours while it can.
func untoleratedTaint(taints []corev1.Taint, tolerations []corev1.Toleration, preferNoScheduleBlocks bool) *corev1.Taint {
	for i := range taints {
		t := &taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !preferNoScheduleBlocks {
			continue
		}
		if !tolerates(tolerations, t) {
			return t
		}
	}
	return nil
}

func tolerates(tolerations []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tolerations {
		// Comparison operators (Gt/Lt) are honoured: the engine models the newest scheduler.
		if tolerations[i].ToleratesTaint(logr.Discard(), t, true) {
			return true
		}
	}
	return false
}

func hasPreferNoSchedule(taints []corev1.Taint) bool {
	for _, t := range taints {
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			return true
		}
	}
	return false
}

// daemonSetTolerations are the tolerations the DaemonSet controller adds to every pod it
// creates, so a DaemonSet lands on not-ready or cordoned nodes.
var daemonSetTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// ephemeralTaints are set by the kubelet and cloud controller while a node starts; Karpenter
// ignores them on nodes it has not initialised yet, since they will go away.
var ephemeralTaints = map[string]bool{
	corev1.TaintNodeNotReady:                         true,
	corev1.TaintNodeUnreachable:                      true,
	"node.cloudprovider.kubernetes.io/uninitialized": true,
}

func taintString(t *corev1.Taint) string {
	if t.Value == "" {
		return t.Key + ":" + string(t.Effect)
	}
	return t.Key + "=" + t.Value + ":" + string(t.Effect)
}
