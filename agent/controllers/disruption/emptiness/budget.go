package emptiness

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// unlimited is the allowance when no budget applies.
const unlimited = math.MaxInt32

// allowedDisruptions returns how many of a NodePool's numNodes nodes may be disrupted at once for
// the reason: the minimum over the budgets that apply to the reason and are active at now, or
// unlimited when none is. Percentages round up, as upstream's, so "10%" of 3 nodes is 1 and a
// small pool can still scale down. A budget that does not parse allows nothing: the CRD rejects
// such budgets, so one here means a version skew, and not disrupting is the safe reading.
func allowedDisruptions(budgets []karpv1.Budget, reason karpv1.DisruptionReason, numNodes int, now time.Time) (int, error) {
	allowed := unlimited
	for i, b := range budgets {
		if len(b.Reasons) > 0 && !slices.Contains(b.Reasons, reason) {
			continue
		}
		active, err := budgetActive(b, now)
		if err != nil {
			return 0, fmt.Errorf("spec.disruption.budgets[%d]: %w", i, err)
		}
		if !active {
			continue
		}
		n, err := budgetNodes(b.Nodes, numNodes)
		if err != nil {
			return 0, fmt.Errorf("spec.disruption.budgets[%d]: %w", i, err)
		}
		allowed = min(allowed, n)
	}
	return allowed, nil
}

// budgetNodes reads "N" or "P%" of numNodes.
func budgetNodes(nodes string, numNodes int) (int, error) {
	if p, ok := strings.CutSuffix(nodes, "%"); ok {
		pct, err := strconv.Atoi(p)
		if err != nil || pct < 0 || pct > 100 {
			return 0, fmt.Errorf("nodes %q: want a percentage between 0%% and 100%%", nodes)
		}
		return (numNodes*pct + 99) / 100, nil
	}
	n, err := strconv.Atoi(nodes)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("nodes %q: want a non-negative integer or a percentage", nodes)
	}
	return n, nil
}

// budgetActive reports whether a budget applies now: always without a schedule, otherwise for
// duration after each time the schedule fires.
func budgetActive(b karpv1.Budget, now time.Time) (bool, error) {
	if b.Schedule == nil {
		return true, nil
	}
	if b.Duration == nil {
		return false, fmt.Errorf("schedule %q has no duration", *b.Schedule)
	}
	s, err := parseCron(*b.Schedule)
	if err != nil {
		return false, err
	}
	return s.firedWithin(now, b.Duration.Duration), nil
}

// scheduleHorizon bounds the search for a schedule's next firing; a schedule that fires only on
// February 29th still fires within it.
const scheduleHorizon = 5 * 366 * 24 * time.Hour

// nextBudgetChange returns the next time after now at which a scheduled budget for the reason
// starts or stops applying, so that a controller held back by one wakes up exactly then instead
// of polling. It is zero when no scheduled budget applies to the reason.
func nextBudgetChange(budgets []karpv1.Budget, reason karpv1.DisruptionReason, now time.Time) time.Time {
	var next time.Time
	earliest := func(t time.Time) {
		if next.IsZero() || t.Before(next) {
			next = t
		}
	}
	for _, b := range budgets {
		if b.Schedule == nil || b.Duration == nil || (len(b.Reasons) > 0 && !slices.Contains(b.Reasons, reason)) {
			continue
		}
		s, err := parseCron(*b.Schedule)
		if err != nil {
			continue
		}
		d := b.Duration.Duration
		if last, ok := s.lastFire(now, now.Add(-d)); ok {
			// Active: it stops when the window of its last firing ends, unless it fires again
			// before then, which the reconcile at that time sees.
			earliest(last.Add(d))
		} else if first, ok := s.nextFire(now, now.Add(scheduleHorizon)); ok {
			earliest(first)
		}
	}
	return next
}

// remaining is what a budget leaves once the disruptions already in progress are counted.
func remaining(allowed, inProgress int) int {
	return max(allowed-inProgress, 0)
}
