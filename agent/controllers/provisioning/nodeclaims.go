package provisioning

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// newNodeClaim turns a planned NodeClaim into the API object: the NodePool's template, the
// engine's merged requirements (which pin the instance types it kept), the pods' requests plus
// DaemonSet overhead, owned by the NodePool and guarded by the termination finalizer so its
// instance is always cleaned up.
func newNodeClaim(np *karpv1.NodePool, planned *scheduling.NodeClaim) *karpv1.NodeClaim {
	labels := map[string]string{}
	for k, v := range np.Spec.Template.Labels {
		labels[k] = v
	}
	for k, v := range planned.Labels {
		labels[k] = v
	}
	labels[karpv1.NodePoolLabelKey] = np.Name
	annotations := map[string]string{}
	for k, v := range np.Spec.Template.Annotations {
		annotations[k] = v
	}
	annotations[karpv1.PodCountAnnotationKey] = strconv.Itoa(len(planned.Pods))

	tmpl := np.Spec.Template.Spec
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName: np.Name + "-",
			Labels:       labels,
			Annotations:  annotations,
			Finalizers:   []string{karpv1.TerminationFinalizer},
			OwnerReferences: []metav1.OwnerReference{{
				APIVersion:         karpv1.SchemeGroupVersion.String(),
				Kind:               "NodePool",
				Name:               np.Name,
				UID:                np.UID,
				BlockOwnerDeletion: ptr.To(true),
			}},
		},
		Spec: karpv1.NodeClaimSpec{
			Taints:                 tmpl.Taints,
			StartupTaints:          tmpl.StartupTaints,
			Requirements:           scheduling.ToRequirements(planned.Requirements),
			Resources:              karpv1.ResourceRequirements{Requests: sum(planned.PodRequests, planned.DaemonSetRequests)},
			NodeClassRef:           tmpl.NodeClassRef,
			TerminationGracePeriod: tmpl.TerminationGracePeriod,
			ExpireAfter:            tmpl.ExpireAfter,
		},
	}
}

func sum(lists ...corev1.ResourceList) corev1.ResourceList {
	out := corev1.ResourceList{}
	for _, l := range lists {
		for name, q := range l {
			total := out[name]
			if total.IsZero() {
				total = resource.Quantity{Format: q.Format}
			}
			total.Add(q)
			out[name] = total
		}
	}
	return out
}
