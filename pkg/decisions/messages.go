package decisions

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// maxMessage keeps Event messages under the API server's 1 KiB note limit for events.k8s.io and
// readable in `kubectl describe`.
const maxMessage = 1000

func truncate(s string) string {
	if len(s) <= maxMessage {
		return s
	}
	return s[:maxMessage-3] + "..."
}

// Nominated records that the agent expects the pod to land on an existing node or on a NodeClaim
// it just created. target is "node/<name>" or "nodeclaim/<name>".
//
// Each batch renews the nominations of pods still pending, so the same nomination repeats every
// few seconds while a node boots; it is deduplicated by target, which saves the API server a
// write per pending pod per batch.
func Nominated(pod *corev1.Pod, target string) Decision {
	return Decision{Object: pod, Type: Normal, Reason: ReasonNominated,
		Message: "Pod should schedule on: " + target, DedupeKey: ReasonNominated + "/" + target}
}

// ParseNominated returns the target of a Nominated message.
func ParseNominated(message string) (target string, ok bool) {
	return strings.CutPrefix(message, "Pod should schedule on: ")
}

const failedSchedulingPrefix = "Failed to schedule pod: "

// FailedScheduling records that no existing node and no NodePool can take the pod; explanation
// is the scheduling engine's compact form, one clause per NodePool.
// A pod that stays unschedulable gets the same explanation every batch; it is recorded again
// only when the explanation changes or the dedupe window has passed.
func FailedScheduling(pod *corev1.Pod, explanation string) Decision {
	msg := truncate(failedSchedulingPrefix + explanation)
	return Decision{Object: pod, Type: Warning, Reason: ReasonFailedScheduling,
		Message: msg, DedupeKey: ReasonFailedScheduling + "/" + msg}
}

// ParseFailedScheduling returns the explanation of a FailedScheduling message written by the agent.
// kube-scheduler writes FailedScheduling Events too; those do not parse.
func ParseFailedScheduling(message string) (explanation string, ok bool) {
	return strings.CutPrefix(message, failedSchedulingPrefix)
}

// Launch describes a launched instance.
type Launch struct {
	InstanceType string
	CapacityType string
	Zone         string
	// PricePerHour is in USD.
	PricePerHour float64
	// Pods is how many pending pods the NodeClaim was created for.
	Pods int
}

var launchedRE = regexp.MustCompile(`^Launched (\S+) \((\S+)\) in (\S+) at \$([0-9.]+)/h for (\d+) pod\(s\)$`)

// Launched records the instance chosen for a NodeClaim and what it costs.
func Launched(obj runtime.Object, l Launch) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonLaunched,
		Message: fmt.Sprintf("Launched %s (%s) in %s at $%.4f/h for %d pod(s)", l.InstanceType, l.CapacityType, l.Zone, l.PricePerHour, l.Pods)}
}

// ParseLaunched reads a Launched message back.
func ParseLaunched(message string) (Launch, bool) {
	m := launchedRE.FindStringSubmatch(message)
	if m == nil {
		return Launch{}, false
	}
	price, err := strconv.ParseFloat(m[4], 64)
	if err != nil {
		return Launch{}, false
	}
	pods, err := strconv.Atoi(m[5])
	if err != nil {
		return Launch{}, false
	}
	return Launch{InstanceType: m[1], CapacityType: m[2], Zone: m[3], PricePerHour: price, Pods: pods}, true
}

// LaunchFailed records a launch error other than insufficient capacity.
func LaunchFailed(obj runtime.Object, err error) Decision {
	return Decision{Object: obj, Type: Warning, Reason: ReasonLaunchFailed,
		Message: truncate("Launch failed, will retry: " + err.Error())}
}

// InsufficientCapacity records that the cloud had no capacity for the offerings tried; the next
// launch skips them for the TTL.
func InsufficientCapacity(obj runtime.Object, tried string, ttl time.Duration) Decision {
	return Decision{Object: obj, Type: Warning, Reason: ReasonInsufficientCapacity,
		Message: truncate(fmt.Sprintf("No capacity for %s; skipping it for %s and retrying with the next cheapest offering", tried, ttl))}
}

// Timeout records that a NodeClaim did not reach a lifecycle stage in time and is being replaced.
func Timeout(obj runtime.Object, reason, stage string, after time.Duration) Decision {
	return Decision{Object: obj, Type: Warning, Reason: reason,
		Message: fmt.Sprintf("Node was not %s within %s; deleting the NodeClaim so that a new one is launched", stage, after)}
}

// Registered records that the node joined and the NodeClaim took ownership of it.
func Registered(obj runtime.Object, nodeName string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonRegistered,
		Message: "Registered node " + nodeName}
}

// Initialized records that the node is ready for pods.
func Initialized(obj runtime.Object, nodeName string, sinceLaunch time.Duration) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonInitialized,
		Message: fmt.Sprintf("Node %s is ready for pods, %s after launch", nodeName, sinceLaunch.Round(time.Second))}
}

// NodePoolLimitReached records that a NodePool's limit stops it from taking pods.
func NodePoolLimitReached(nodePool runtime.Object, resourceName string, used, limit string, pods int) Decision {
	return Decision{Object: nodePool, Type: Warning, Reason: ReasonNodePoolLimitReached,
		DedupeKey: ReasonNodePoolLimitReached + "/" + resourceName,
		Message: fmt.Sprintf("Limit %s reached (%s in use of %s); %d pending pod(s) cannot get a node from this NodePool. Raise spec.limits.%s or add another NodePool",
			resourceName, used, limit, pods, resourceName)}
}

// DisruptionTerminating records that a node is being removed and why.
func DisruptionTerminating(obj runtime.Object, reason, detail string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonDisruptionTerminating,
		Message: fmt.Sprintf("Disrupting node: %s, %s", reason, detail)}
}

// DisruptionBlocked records why a node that would otherwise be removed is kept.
func DisruptionBlocked(obj runtime.Object, why string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonDisruptionBlocked,
		Message: "Cannot disrupt node: " + why}
}

// Evicted records that a pod was evicted to drain its node.
func Evicted(pod *corev1.Pod, nodeName string) Decision {
	return Decision{Object: pod, Type: Normal, Reason: ReasonEvicted,
		Message: "Evicted pod to drain node " + nodeName}
}

// FailedDraining records that a node could not be drained yet, usually a PodDisruptionBudget.
func FailedDraining(obj runtime.Object, why string) Decision {
	return Decision{Object: obj, Type: Warning, Reason: ReasonFailedDraining,
		Message: truncate("Failed to drain node, will retry: " + why)}
}

// Terminated records that the instance behind a NodeClaim is gone.
func Terminated(obj runtime.Object, providerID string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonTerminated,
		Message: "Terminated instance " + providerID}
}

// NodeClassNotReady records that a NodePool's node class cannot be used, and what to fix.
func NodeClassNotReady(nodePool runtime.Object, why string) Decision {
	return Decision{Object: nodePool, Type: Warning, Reason: ReasonNodeClassNotReady,
		Message: truncate("NodeClass is not ready, no nodes will be launched from this NodePool: " + why)}
}

// InvalidNodePool records that a NodePool failed validation the CRD could not express.
func InvalidNodePool(nodePool runtime.Object, err error) Decision {
	return Decision{Object: nodePool, Type: Warning, Reason: ReasonInvalidNodePool,
		Message: truncate("NodePool is invalid, no nodes will be launched from it: " + err.Error())}
}

// Interrupted records that the cloud is taking an instance back.
func Interrupted(obj runtime.Object, kind, detail string) Decision {
	return Decision{Object: obj, Type: Warning, Reason: ReasonInterrupted,
		Message: truncate(fmt.Sprintf("%s: %s; draining and replacing the node", kind, detail))}
}

// RebalanceRecommendation records that the cloud warned of a raised interruption risk. As in
// upstream Karpenter, that is information only: the node keeps running until an actual
// interruption notice, because acting on every recommendation would churn nodes that are never
// reclaimed.
func RebalanceRecommendation(obj runtime.Object, detail string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonRebalanceRecommendation,
		Message: truncate(detail + "; no action taken, the node keeps running until an interruption notice")}
}

// OrphanedInstanceDeleted records that an instance with no NodeClaim was terminated.
func OrphanedInstanceDeleted(obj runtime.Object, providerID string) Decision {
	return Decision{Object: obj, Type: Normal, Reason: ReasonOrphanedInstanceDeleted,
		Message: "Terminated instance " + providerID + " that has no NodeClaim"}
}

// NodeDeleted records that someone deleted a node that a NodeClaim manages, so the NodeClaim is
// deleted too: its termination drains the node (PDBs respected) and terminates the instance.
func NodeDeleted(nodeClaim runtime.Object, nodeName string) Decision {
	return Decision{Object: nodeClaim, Type: Normal, Reason: ReasonNodeClaimDeletedByUser,
		Message: "Node " + nodeName + " was deleted; deleting its NodeClaim to drain the node and terminate the instance"}
}

// InstanceTerminated records that the instance behind a launched NodeClaim no longer exists
// (the cloud reclaimed it, or it was terminated outside Karpenter), so the NodeClaim is deleted
// and its pods get a new node.
func InstanceTerminated(nodeClaim runtime.Object, providerID string) Decision {
	return Decision{Object: nodeClaim, Type: Warning, Reason: ReasonInstanceTerminated,
		Message: "Instance " + providerID + " no longer exists; deleting the NodeClaim so that its pods are replaced"}
}
