package fake

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// NodeFor returns the Node a kubelet on the launched instance would register: named after the
// instance, with its provider ID, labels and resources, the karpenter.sh/unregistered taint and
// the NodeClaim's taints and startup taints, and a Ready condition of the given status. Tests
// create it to play the kubelet.
func NodeFor(launched *karpv1.NodeClaim, ready corev1.ConditionStatus) *corev1.Node {
	id := launched.Status.ProviderID[strings.LastIndex(launched.Status.ProviderID, "/")+1:]
	name := "fake-" + id
	labels := map[string]string{corev1.LabelHostname: name}
	for k, v := range launched.Labels {
		labels[k] = v
	}
	taints := make([]corev1.Taint, 0, 1+len(launched.Spec.Taints)+len(launched.Spec.StartupTaints))
	taints = append(taints, karpv1.UnregisteredNoExecuteTaint)
	taints = append(taints, launched.Spec.Taints...)
	taints = append(taints, launched.Spec.StartupTaints...)
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec:       corev1.NodeSpec{ProviderID: launched.Status.ProviderID, Taints: taints},
		Status: corev1.NodeStatus{
			Capacity:    launched.Status.Capacity.DeepCopy(),
			Allocatable: launched.Status.Allocatable.DeepCopy(),
			Conditions: []corev1.NodeCondition{{
				Type: corev1.NodeReady, Status: ready, Reason: "KubeletReady",
				LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
			}},
		},
	}
}
