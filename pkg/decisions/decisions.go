// Package decisions defines every Kubernetes Event the agent writes: its reason, its type and the
// exact form of its message. The agent writes through it and the plugin parses through it, so
// what `kubectl karpenter` shows cannot drift from what the agent says.
package decisions

import (
	"k8s.io/apimachinery/pkg/runtime"
)

// Event reasons. Names follow upstream Karpenter where the meaning is the same, so existing
// alerts on them keep working.
const (
	ReasonNominated                 = "Nominated"
	ReasonFailedScheduling          = "FailedScheduling"
	ReasonLaunched                  = "Launched"
	ReasonLaunchFailed              = "LaunchFailed"
	ReasonInsufficientCapacity      = "InsufficientCapacityError"
	ReasonRegistered                = "Registered"
	ReasonInitialized               = "Initialized"
	ReasonLaunchTimeout             = "LaunchTimeout"
	ReasonRegistrationTimeout       = "RegistrationTimeout"
	ReasonInitializationTimeout     = "InitializationTimeout"
	ReasonNodePoolLimitReached      = "NodePoolLimitReached"
	ReasonDisruptionTerminating     = "DisruptionTerminating"
	ReasonDisruptionBlocked         = "DisruptionBlocked"
	ReasonEvicted                   = "Evicted"
	ReasonFailedDraining            = "FailedDraining"
	ReasonTerminated                = "Terminated"
	ReasonNodeClassNotReady         = "NodeClassNotReady"
	ReasonInvalidNodePool           = "InvalidNodePool"
	ReasonInterrupted               = "Interrupted"
	ReasonRebalanceRecommendation   = "RebalanceRecommendation"
	ReasonScalingPolicy             = "ScalingPolicy"
	ReasonOrphanedInstanceDeleted   = "OrphanedInstanceDeleted"
	ReasonUnconsolidatable          = "Unconsolidatable"
	ReasonDriftDetected             = "DriftDetected"
	ReasonExpired                   = "Expired"
	ReasonProvisioningPaused        = "ProvisioningPaused"
	ReasonFailedToResolveNodeClass  = "FailedResolvingNodeClass"
	ReasonInstanceTerminated        = "InstanceTerminated"
	ReasonNodeClaimDeletedByUser    = "NodeClaimDeleted"
	ReasonEmpty                     = "Empty"
	ReasonScaleDownBlockedByMinimum = "ScaleDownBlockedByMinNodes"
)

// Event types, as corev1 spells them.
const (
	Normal  = "Normal"
	Warning = "Warning"
)

// Decision is one Event: what it is about, why, and the one-line message a person can act on.
type Decision struct {
	// Object is what the Event is recorded on (a Pod, Node, NodeClaim or NodePool).
	Object  runtime.Object
	Type    string
	Reason  string
	Message string
	// DedupeKey identifies repeats; a repeat of the same key within the recorder's window only
	// bumps the count of the existing Event. Empty means Reason+Message.
	DedupeKey string
}

// Recorder publishes decisions as Events.
type Recorder interface {
	Publish(ds ...Decision)
}
