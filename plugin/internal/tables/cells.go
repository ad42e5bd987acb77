// Package tables builds the metav1.Tables of the plugin's human output: the columns of the
// CRDs' additionalPrinterColumns plus prices, with the wide-only columns at priority 1, printed
// by cli-runtime's table printer exactly like kubectl's own tables.
package tables

import (
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

// None is what an absent value prints as, as kubectl prints it.
const None = "<none>"

func orNone(s string) string {
	if s == "" {
		return None
	}
	return s
}

// Age prints the time since t as kubectl does ("5m", "3d4h"), "<unknown>" when unset.
func Age(t metav1.Time, now time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(now.Sub(t.Time))
}

func conditionStatus(conds []metav1.Condition, condType string) string {
	for _, c := range conds {
		if c.Type == condType {
			return string(c.Status)
		}
	}
	return ""
}

func column(name, typ, description string, priority int32) metav1.TableColumnDefinition {
	return metav1.TableColumnDefinition{Name: name, Type: typ, Description: description, Priority: priority}
}
