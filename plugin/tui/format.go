package tui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

// nan marks a column sorted by its text.
var nan = math.NaN()

func age(t, now time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return duration.HumanDuration(now.Sub(t))
}

// ageKey sorts ages oldest first under an ascending sort.
func ageKey(t time.Time) float64 {
	if t.IsZero() {
		return math.Inf(1)
	}
	return float64(t.Unix())
}

func short(d time.Duration) string {
	if d < 0 {
		return "-"
	}
	if d < time.Minute {
		return fmt.Sprintf("%ds", int(d.Round(time.Second)/time.Second))
	}
	return duration.HumanDuration(d)
}

func priceText(p price.Price) string { return p.String() }

// amount is "requested/allocatable".
func amount(a usage.Amount, f func(int64) string) string {
	return f(a.Requested) + "/" + f(a.Allocatable)
}

// bar draws used against the limit when there is one, else against what is allocatable.
func bar(requested, allocatable, limit int64) string {
	of := allocatable
	if limit >= 0 {
		of = limit
	}
	if of <= 0 {
		return strings.Repeat(" ", 12)
	}
	return tables.Bar(float64(requested) * 100 / float64(of))
}

func pct(requested, of int64) float64 {
	if of <= 0 {
		return 0
	}
	return float64(requested) * 100 / float64(of)
}
