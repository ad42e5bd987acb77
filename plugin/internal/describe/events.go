package describe

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// decisionReasons are the Event reasons of the agent's decisions (pkg/decisions).
var decisionReasons = map[string]bool{
	decisions.ReasonNominated: true, decisions.ReasonFailedScheduling: true, decisions.ReasonLaunched: true,
	decisions.ReasonLaunchFailed: true, decisions.ReasonInsufficientCapacity: true, decisions.ReasonRegistered: true,
	decisions.ReasonInitialized: true, decisions.ReasonLaunchTimeout: true, decisions.ReasonRegistrationTimeout: true,
	decisions.ReasonInitializationTimeout: true, decisions.ReasonNodePoolLimitReached: true,
	decisions.ReasonDisruptionTerminating: true, decisions.ReasonDisruptionBlocked: true, decisions.ReasonEvicted: true,
	decisions.ReasonFailedDraining: true, decisions.ReasonTerminated: true, decisions.ReasonNodeClassNotReady: true,
	decisions.ReasonInvalidNodePool: true, decisions.ReasonInterrupted: true, decisions.ReasonScalingPolicy: true,
	decisions.ReasonOrphanedInstanceDeleted: true, decisions.ReasonUnconsolidatable: true,
	decisions.ReasonDriftDetected: true, decisions.ReasonExpired: true, decisions.ReasonProvisioningPaused: true,
	decisions.ReasonFailedToResolveNodeClass: true, decisions.ReasonInstanceTerminated: true,
	decisions.ReasonNodeClaimDeletedByUser: true, decisions.ReasonEmpty: true,
	decisions.ReasonScaleDownBlockedByMinimum: true,
}

// IsDecision reports whether an Event records one of the agent's decisions.
func IsDecision(e *corev1.Event) bool { return decisionReasons[e.Reason] }

// LastSeen is when the Event last happened, whichever of its times is set.
func LastSeen(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}

// sortEvents orders the agent's decisions first, then the others, each oldest first.
func sortEvents(events []corev1.Event) []corev1.Event {
	out := append([]corev1.Event(nil), events...)
	sort.SliceStable(out, func(i, j int) bool {
		di, dj := IsDecision(&out[i]), IsDecision(&out[j])
		if di != dj {
			return di
		}
		return LastSeen(&out[i]).Before(LastSeen(&out[j]))
	})
	return out
}

func (w *writer) events(events []corev1.Event, now time.Time) {
	if len(events) == 0 {
		w.line(0, "Events:\t<none>")
		return
	}
	w.line(0, "Events (the agent's decisions first):")
	w.line(1, "Type\tReason\tAge\tFrom\tMessage")
	w.line(1, "----\t------\t---\t----\t-------")
	for _, e := range sortEvents(events) {
		age := tables.Age(metaTime(LastSeen(&e)), now)
		if e.Count > 1 {
			age += " (x" + itoa(int(e.Count)) + ")"
		}
		from := e.Source.Component
		if from == "" {
			from = e.ReportingController
		}
		w.line(1, "%s\t%s\t%s\t%s\t%s", e.Type, e.Reason, age, orNone(from), strings.TrimSpace(e.Message))
	}
}
