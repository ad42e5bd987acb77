package cloudprovider

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// MaxListedOfferings bounds the offerings an InsufficientCapacityError names, so a NodeClaim
// open to hundreds of types does not produce an Event nobody can read.
const MaxListedOfferings = 20

// NewInsufficientCapacityError returns the error with msg naming at most MaxListedOfferings of
// the offerings, and saying how many more it left out.
func NewInsufficientCapacityError(msg string, offerings []OfferingKey) *InsufficientCapacityError {
	if len(offerings) > MaxListedOfferings {
		msg += fmt.Sprintf(" (%d more not listed)", len(offerings)-MaxListedOfferings)
		offerings = offerings[:MaxListedOfferings]
	}
	return &InsufficientCapacityError{Offerings: offerings, Message: msg}
}

// NodeTaints are the taints a launched node registers with: the unregistered taint, then the
// NodeClaim's taints and startup taints, each key and effect once and without TimeAdded.
func NodeTaints(nodeClaim *karpv1.NodeClaim) []corev1.Taint {
	var out []corev1.Taint
	seen := map[string]bool{}
	for _, list := range [][]corev1.Taint{{karpv1.UnregisteredNoExecuteTaint}, nodeClaim.Spec.Taints, nodeClaim.Spec.StartupTaints} {
		for _, t := range list {
			k := t.Key + ":" + string(t.Effect)
			if seen[k] {
				continue
			}
			seen[k] = true
			t.TimeAdded = nil
			out = append(out, t)
		}
	}
	return out
}
