package emptiness

import (
	"strconv"
	"time"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

const podCountAnnotationKey = karpv1.PodCountAnnotationKey

// nominationWindow is how long a node made for pending pods is not taken for empty after it
// initializes. Its pods bind only once the kube-scheduler gets to them, which after a burst of
// a thousand pods takes tens of seconds; with consolidateAfter 0s the node would otherwise be
// deleted before they arrive. Upstream Karpenter protects such nodes by nominating them for the
// pods for 2 x batchMaxDuration, renewed while the pods are pending; this package has no view of
// the provisioner's nominations, so it keeps a fixed window well past the scheduler's worst
// case (its 10 s maximum backoff plus the time to bind the burst).
const nominationWindow = time.Minute

// nominatedUntil returns when a NodeClaim made for pending pods stops waiting for them: zero for
// a NodeClaim made for none.
func nominatedUntil(nc *karpv1.NodeClaim, initializedAt time.Time) time.Time {
	n, err := strconv.Atoi(nc.Annotations[podCountAnnotationKey])
	if err != nil || n <= 0 {
		return time.Time{}
	}
	return initializedAt.Add(nominationWindow)
}
