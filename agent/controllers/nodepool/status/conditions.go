package status

import (
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// conditionTypeReady summarises the NodePool, as upstream's Ready: True when every other
// condition is.
const conditionTypeReady = "Ready"

// Reasons of ValidationSucceeded.
const (
	reasonValidationSucceeded = "ValidationSucceeded"
	reasonValidationFailed    = "NodePoolValidationFailed"
)

func validationCondition(err error) metav1.Condition {
	if err != nil {
		return metav1.Condition{Type: karpv1.ConditionTypeValidationSucceeded, Status: metav1.ConditionFalse, Reason: reasonValidationFailed, Message: err.Error()}
	}
	return metav1.Condition{Type: karpv1.ConditionTypeValidationSucceeded, Status: metav1.ConditionTrue, Reason: reasonValidationSucceeded}
}

// readyCondition is True when ValidationSucceeded and NodeClassReady are; otherwise it carries
// the reason and message of the first that is not, so `kubectl get nodepools` and describe say
// what to fix.
func readyCondition(conds []metav1.Condition) metav1.Condition {
	for _, t := range []string{karpv1.ConditionTypeValidationSucceeded, karpv1.ConditionTypeNodeClassReady} {
		c := meta.FindStatusCondition(conds, t)
		if c == nil {
			return metav1.Condition{Type: conditionTypeReady, Status: metav1.ConditionUnknown, Reason: "AwaitingReconciliation", Message: t + " is not known yet"}
		}
		if c.Status != metav1.ConditionTrue {
			return metav1.Condition{Type: conditionTypeReady, Status: c.Status, Reason: c.Reason, Message: c.Message}
		}
	}
	return metav1.Condition{Type: conditionTypeReady, Status: metav1.ConditionTrue, Reason: "Ready"}
}

// setCondition sets the condition with the NodePool's generation; the transition time is now
// only when the status changes, as meta.SetStatusCondition keeps it otherwise.
func setCondition(conds *[]metav1.Condition, c metav1.Condition, generation int64, now time.Time) {
	c.ObservedGeneration = generation
	c.LastTransitionTime = metav1.NewTime(now)
	meta.SetStatusCondition(conds, c)
}

// newlyFalse reports whether c is False and was not False with the same message before: the
// moment to publish an Event, once, rather than on every reconcile.
func newlyFalse(before *metav1.Condition, c metav1.Condition) bool {
	return c.Status == metav1.ConditionFalse &&
		(before == nil || before.Status != metav1.ConditionFalse || before.Message != c.Message)
}
