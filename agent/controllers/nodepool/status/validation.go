package status

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// validate returns what is wrong with the NodePool that its CRD's schema cannot express, each
// problem naming the field, or nil. These are the runtime checks of upstream's NodePool
// validation: label syntax, requirements no node could satisfy (alone, together, or with a
// template label on the same key), and duplicate taints.
func validate(np *karpv1.NodePool) error {
	var errs []error
	if np.Spec.Replicas != nil {
		// The API accepts static NodePools so upstream YAML applies unchanged; saying so here
		// keeps the agent from provisioning on demand for a pool meant to hold a fixed count.
		errs = append(errs, fmt.Errorf("spec.replicas: static NodePools are not supported by this agent; remove spec.replicas to provision on demand, or run upstream Karpenter's StaticCapacity feature for a fixed node count"))
	}
	tmpl := np.Spec.Template
	labels := slices.Sorted(maps.Keys(tmpl.Labels))
	for _, k := range labels {
		field := fmt.Sprintf("spec.template.metadata.labels[%q]", k)
		for _, msg := range validation.IsQualifiedName(k) {
			errs = append(errs, fmt.Errorf("%s: invalid key: %s", field, msg))
		}
		for _, msg := range validation.IsValidLabelValue(tmpl.Labels[k]) {
			errs = append(errs, fmt.Errorf("%s: invalid value %q: %s", field, tmpl.Labels[k], msg))
		}
	}

	reqs := tmpl.Spec.Requirements
	byKey := map[string][]int{}
	for i, r := range reqs {
		field := fmt.Sprintf("spec.template.spec.requirements[%d]", i)
		for _, msg := range validation.IsQualifiedName(r.Key) {
			errs = append(errs, fmt.Errorf("%s: invalid key %q: %s", field, r.Key, msg))
		}
		if r.Operator == corev1.NodeSelectorOpIn || r.Operator == corev1.NodeSelectorOpNotIn {
			for _, v := range r.Values {
				for _, msg := range validation.IsValidLabelValue(v) {
					errs = append(errs, fmt.Errorf("%s: invalid value %q: %s", field, v, msg))
				}
			}
		}
		byKey[r.Key] = append(byKey[r.Key], i)
	}
	for _, key := range slices.Sorted(maps.Keys(byKey)) {
		idx := byKey[key]
		if len(idx) > 1 && !satisfiable(reqs, idx) {
			errs = append(errs, fmt.Errorf("spec.template.spec.requirements%s: the requirements on %q together admit no value", indexes(idx), key))
		}
		if v, ok := tmpl.Labels[key]; ok {
			for _, i := range idx {
				if !allows(reqs[i], v) {
					errs = append(errs, fmt.Errorf("spec.template.spec.requirements[%d] (%s %s %v) conflicts with spec.template.metadata.labels[%q]=%q",
						i, key, reqs[i].Operator, reqs[i].Values, key, v))
				}
			}
		}
	}

	errs = append(errs, validateTaints(tmpl.Spec.Taints, tmpl.Spec.StartupTaints)...)
	return errors.Join(errs...)
}

// validateTaints checks taint syntax and that no key and effect appears twice across taints and
// startupTaints: the node would get one of them, and which is undefined.
func validateTaints(taints, startupTaints []corev1.Taint) []error {
	var errs []error
	seen := map[string]string{}
	check := func(list []corev1.Taint, name string) {
		for i, t := range list {
			field := fmt.Sprintf("spec.template.spec.%s[%d]", name, i)
			for _, msg := range validation.IsQualifiedName(t.Key) {
				errs = append(errs, fmt.Errorf("%s: invalid key %q: %s", field, t.Key, msg))
			}
			if t.Value != "" {
				for _, msg := range validation.IsValidLabelValue(t.Value) {
					errs = append(errs, fmt.Errorf("%s: invalid value %q: %s", field, t.Value, msg))
				}
			}
			id := t.Key + ":" + string(t.Effect)
			if first, dup := seen[id]; dup {
				errs = append(errs, fmt.Errorf("%s duplicates %s: taint key %q with effect %s", field, first, t.Key, t.Effect))
				continue
			}
			seen[id] = field
		}
	}
	check(taints, "taints")
	check(startupTaints, "startupTaints")
	return errs
}

func indexes(idx []int) string {
	parts := make([]string, len(idx))
	for i, n := range idx {
		parts[i] = strconv.Itoa(n)
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// allows reports whether a node label value satisfies the requirement.
func allows(r karpv1.NodeSelectorRequirementWithMinValues, v string) bool {
	switch r.Operator {
	case corev1.NodeSelectorOpIn:
		return slices.Contains(r.Values, v)
	case corev1.NodeSelectorOpNotIn:
		return !slices.Contains(r.Values, v)
	case corev1.NodeSelectorOpExists:
		return true
	case corev1.NodeSelectorOpDoesNotExist:
		return false
	}
	lo, hi, ok := bounds(r)
	n, err := strconv.ParseInt(v, 10, 64)
	return ok && err == nil && lo <= n && n <= hi
}

// bounds returns the inclusive integer range of a Gt, Gte, Lt or Lte requirement.
func bounds(r karpv1.NodeSelectorRequirementWithMinValues) (lo, hi int64, ok bool) {
	if len(r.Values) != 1 {
		return 0, 0, false
	}
	n, err := strconv.ParseInt(r.Values[0], 10, 64)
	if err != nil {
		return 0, 0, false
	}
	lo, hi = minInt, maxInt
	switch r.Operator {
	case corev1.NodeSelectorOpGt:
		lo = n + 1
	case karpv1.NodeSelectorOpGte:
		lo = n
	case corev1.NodeSelectorOpLt:
		hi = n - 1
	case karpv1.NodeSelectorOpLte:
		hi = n
	default:
		return 0, 0, false
	}
	return lo, hi, true
}

const (
	minInt = -1 << 63
	maxInt = 1<<63 - 1
)

// satisfiable reports whether some label value, or the label's absence, satisfies every
// requirement at the indexes (all on one key).
func satisfiable(reqs []karpv1.NodeSelectorRequirementWithMinValues, idx []int) bool {
	var (
		in            []string // nil: any value
		hasIn, absent bool
		present       bool  // a requirement needs the label
		lo, hi        int64 = minInt, maxInt
		numeric       bool
		excluded      = map[string]bool{}
	)
	for _, i := range idx {
		r := reqs[i]
		switch r.Operator {
		case corev1.NodeSelectorOpIn:
			present = true
			if !hasIn {
				in, hasIn = slices.Clone(r.Values), true
			} else {
				in = slices.DeleteFunc(in, func(v string) bool { return !slices.Contains(r.Values, v) })
			}
		case corev1.NodeSelectorOpNotIn:
			for _, v := range r.Values {
				excluded[v] = true
			}
		case corev1.NodeSelectorOpExists:
			present = true
		case corev1.NodeSelectorOpDoesNotExist:
			absent = true
		default:
			l, h, ok := bounds(r)
			if !ok {
				continue // the CRD rejects these; not this check's concern
			}
			present, numeric = true, true
			lo, hi = max(lo, l), min(hi, h)
		}
	}
	if absent {
		return !present
	}
	if lo > hi {
		return false
	}
	if !hasIn {
		return true
	}
	for _, v := range in {
		if excluded[v] {
			continue
		}
		if numeric {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n < lo || n > hi {
				continue
			}
		}
		return true
	}
	return false
}
