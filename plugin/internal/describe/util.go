package describe

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

func itoa(i int) string { return strconv.Itoa(i) }

func metaTime(t time.Time) metav1.Time { return metav1.NewTime(t) }

// timestamp prints a time and how long ago it was: "2024-05-01T10:00:00Z (5m ago)".
func timestamp(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return t.UTC().Format(time.RFC3339) + " (" + tables.Age(t, now) + " ago)"
}

// resources prints a resource list sorted by name: "cpu=2, memory=8Gi, pods=29".
func resources(rl corev1.ResourceList) string {
	if len(rl) == 0 {
		return "<none>"
	}
	names := make([]string, 0, len(rl))
	for n := range rl {
		names = append(names, string(n))
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		q := rl[corev1.ResourceName(n)]
		parts = append(parts, n+"="+q.String())
	}
	return strings.Join(parts, ", ")
}

func requirements(rs []karpv1.NodeSelectorRequirementWithMinValues) []string {
	out := make([]string, 0, len(rs))
	for _, r := range rs {
		s := r.Key + " " + string(r.Operator)
		if len(r.Values) > 0 {
			s += " [" + strings.Join(r.Values, ", ") + "]"
		}
		if r.MinValues != nil {
			s += fmt.Sprintf(" (minValues %d)", *r.MinValues)
		}
		out = append(out, s)
	}
	return out
}

func taints(ts []corev1.Taint) []string {
	out := make([]string, 0, len(ts))
	for _, t := range ts {
		out = append(out, t.ToString())
	}
	return out
}

// lifecycleOrder puts the NodeClaim lifecycle conditions first, in the order they happen.
var lifecycleOrder = map[string]int{
	karpv1.ConditionTypeLaunched: 1, karpv1.ConditionTypeRegistered: 2, karpv1.ConditionTypeInitialized: 3,
	karpv1.ConditionTypeReady: 4,
}

func (w *writer) conditions(conds []metav1.Condition, now time.Time) {
	if len(conds) == 0 {
		w.line(0, "Conditions:\t<none>")
		return
	}
	sorted := append([]metav1.Condition(nil), conds...)
	sort.SliceStable(sorted, func(i, j int) bool {
		oi, oj := lifecycleOrder[sorted[i].Type], lifecycleOrder[sorted[j].Type]
		if oi == 0 {
			oi = 100
		}
		if oj == 0 {
			oj = 100
		}
		if oi != oj {
			return oi < oj
		}
		return sorted[i].Type < sorted[j].Type
	})
	w.line(0, "Conditions:")
	w.line(1, "Type\tStatus\tReason\tLast Transition\tMessage")
	w.line(1, "----\t------\t------\t---------------\t-------")
	for _, c := range sorted {
		w.line(1, "%s\t%s\t%s\t%s\t%s", c.Type, c.Status, orNone(c.Reason), timestamp(c.LastTransitionTime, now), c.Message)
	}
}
