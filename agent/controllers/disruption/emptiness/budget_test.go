package emptiness

import (
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

var monday10am = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC) // a Monday

func TestAllowedDisruptions(t *testing.T) {
	weekdays := karpv1.Budget{Nodes: "0", Schedule: ptr.To("0 9 * * mon-fri"), Duration: &metav1.Duration{Duration: 8 * time.Hour}}
	for _, tc := range []struct {
		name     string
		budgets  []karpv1.Budget
		reason   karpv1.DisruptionReason
		numNodes int
		now      time.Time
		want     int
	}{
		{name: "no budgets is unlimited", numNodes: 5, want: unlimited},
		{name: "a count", budgets: []karpv1.Budget{{Nodes: "1"}}, numNodes: 5, want: 1},
		{name: "a percentage rounds up", budgets: []karpv1.Budget{{Nodes: "10%"}}, numNodes: 3, want: 1},
		{name: "a percentage of many", budgets: []karpv1.Budget{{Nodes: "10%"}}, numNodes: 1000, want: 100},
		{name: "a percentage of none", budgets: []karpv1.Budget{{Nodes: "10%"}}, numNodes: 0, want: 0},
		{name: "zero percent", budgets: []karpv1.Budget{{Nodes: "0%"}}, numNodes: 10, want: 0},
		{name: "the most restrictive wins", budgets: []karpv1.Budget{{Nodes: "50%"}, {Nodes: "2"}}, numNodes: 10, want: 2},
		{name: "a budget for other reasons does not apply",
			budgets: []karpv1.Budget{{Nodes: "10"}, {Nodes: "0", Reasons: []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted}}},
			reason:  karpv1.DisruptionReasonEmpty, numNodes: 10, want: 10},
		{name: "a budget for this reason applies",
			budgets: []karpv1.Budget{{Nodes: "10"}, {Nodes: "1", Reasons: []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted, karpv1.DisruptionReasonEmpty}}},
			reason:  karpv1.DisruptionReasonEmpty, numNodes: 10, want: 1},
		{name: "a scheduled budget inside its window", budgets: []karpv1.Budget{{Nodes: "10"}, weekdays}, numNodes: 10, now: monday10am, want: 0},
		{name: "a scheduled budget after its window", budgets: []karpv1.Budget{{Nodes: "10"}, weekdays}, numNodes: 10, now: monday10am.Add(7 * time.Hour), want: 10},
		{name: "a scheduled budget before its first firing", budgets: []karpv1.Budget{{Nodes: "10"}, weekdays}, numNodes: 10, now: monday10am.Add(-90 * time.Minute), want: 10},
		{name: "a scheduled budget at the weekend", budgets: []karpv1.Budget{{Nodes: "10"}, weekdays}, numNodes: 10, now: monday10am.AddDate(0, 0, -2), want: 10},
	} {
		t.Run(tc.name, func(t *testing.T) {
			reason := tc.reason
			if reason == "" {
				reason = karpv1.DisruptionReasonEmpty
			}
			now := tc.now
			if now.IsZero() {
				now = monday10am
			}
			got, err := allowedDisruptions(tc.budgets, reason, tc.numNodes, now)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("allowed = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestAllowedDisruptionsRejectsBadBudgets(t *testing.T) {
	for _, b := range []karpv1.Budget{
		{Nodes: "ten"},
		{Nodes: "150%"},
		{Nodes: "-1"},
		{Nodes: "1", Schedule: ptr.To("0 9 * *"), Duration: &metav1.Duration{Duration: time.Hour}},
		{Nodes: "1", Schedule: ptr.To("@daily")},
	} {
		if n, err := allowedDisruptions([]karpv1.Budget{b}, karpv1.DisruptionReasonEmpty, 10, monday10am); err == nil {
			t.Errorf("budget %+v: allowed %d, want an error", b, n)
		} else if n != 0 {
			t.Errorf("budget %+v: allowed %d with an error, want 0", b, n)
		}
	}
}

func TestRemaining(t *testing.T) {
	for _, tc := range []struct{ allowed, inProgress, want int }{
		{1, 0, 1}, {1, 1, 0}, {1, 3, 0}, {unlimited, 5, unlimited - 5}, {0, 0, 0},
	} {
		if got := remaining(tc.allowed, tc.inProgress); got != tc.want {
			t.Errorf("remaining(%d, %d) = %d, want %d", tc.allowed, tc.inProgress, got, tc.want)
		}
	}
}

func TestNextBudgetChange(t *testing.T) {
	weekdays := karpv1.Budget{Nodes: "0", Schedule: ptr.To("0 9 * * mon-fri"), Duration: &metav1.Duration{Duration: 8 * time.Hour}}
	for _, tc := range []struct {
		name    string
		budgets []karpv1.Budget
		now     time.Time
		want    time.Time
	}{
		{name: "no schedule never changes", budgets: []karpv1.Budget{{Nodes: "1"}}, now: monday10am},
		{name: "inside a window it ends with it", budgets: []karpv1.Budget{weekdays}, now: monday10am,
			want: time.Date(2026, time.March, 2, 17, 0, 0, 0, time.UTC)},
		{name: "outside a window the next firing starts it", budgets: []karpv1.Budget{weekdays}, now: monday10am.Add(8 * time.Hour),
			want: time.Date(2026, time.March, 3, 9, 0, 0, 0, time.UTC)},
		{name: "over the weekend", budgets: []karpv1.Budget{weekdays}, now: time.Date(2026, time.March, 6, 18, 0, 0, 0, time.UTC),
			want: time.Date(2026, time.March, 9, 9, 0, 0, 0, time.UTC)},
		{name: "a budget for another reason is ignored",
			budgets: []karpv1.Budget{{Nodes: "0", Schedule: ptr.To("@hourly"), Duration: &metav1.Duration{Duration: time.Minute}, Reasons: []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted}}},
			now:     monday10am},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := nextBudgetChange(tc.budgets, karpv1.DisruptionReasonEmpty, tc.now); !got.Equal(tc.want) {
				t.Errorf("next change = %v, want %v", got, tc.want)
			}
		})
	}
}
