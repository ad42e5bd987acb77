package simulated

import (
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// requirement is one NodeClaim requirement, validated once so that matching thousands of
// offerings cannot fail half-way.
type requirement struct {
	key    string
	op     corev1.NodeSelectorOperator
	values []string
	bound  int64 // Gt, Lt, Gte, Lte
	strict bool  // the simulation defines the key, see matcher
}

// matcher decides whether an instance type (and then one of its offerings) satisfies a
// NodeClaim's requirements. The scheduling package owns the full requirements algebra; a launch
// only needs to test concrete labels, which is what this does.
//
// Keys the simulation defines (every label some catalog type carries, plus zone, region and
// capacity type) are strict: a type without the label fails In, Exists, Gt, Lt, Gte and Lte, so
// "instance-gpu-count Exists" excludes types without GPUs. Other keys, such as
// karpenter.sh/nodepool or a NodePool's own labels, are not facts of the instance: the NodeClaim
// carries them onto the node itself, so they never exclude an offering.
type matcher struct {
	reqs []requirement
}

// offeringKeys vary per offering rather than per type.
var offeringKeys = []string{corev1.LabelTopologyZone, karpv1.CapacityTypeLabelKey}

func newMatcher(reqs []karpv1.NodeSelectorRequirementWithMinValues, defined func(string) bool) (*matcher, error) {
	m := &matcher{}
	for i, r := range reqs {
		req := requirement{key: r.Key, op: r.Operator, values: r.Values, strict: defined(r.Key)}
		switch r.Operator {
		case corev1.NodeSelectorOpIn, corev1.NodeSelectorOpNotIn:
		case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
			if len(r.Values) != 0 {
				return nil, fmt.Errorf("requirement %d (%s %s): %s takes no values, got %v", i, r.Key, r.Operator, r.Operator, r.Values)
			}
		case corev1.NodeSelectorOpGt, corev1.NodeSelectorOpLt, karpv1.NodeSelectorOpGte, karpv1.NodeSelectorOpLte:
			if len(r.Values) != 1 {
				return nil, fmt.Errorf("requirement %d (%s %s): %s takes exactly one integer value, got %v", i, r.Key, r.Operator, r.Operator, r.Values)
			}
			n, err := strconv.ParseInt(r.Values[0], 10, 64)
			if err != nil {
				return nil, fmt.Errorf("requirement %d (%s %s %q): value is not an integer: %w", i, r.Key, r.Operator, r.Values[0], err)
			}
			req.bound = n
		default:
			return nil, fmt.Errorf("requirement %d (%s): unsupported operator %q", i, r.Key, r.Operator)
		}
		m.reqs = append(m.reqs, req)
	}
	return m, nil
}

// matchesType checks the requirements on keys that do not vary per offering.
func (m *matcher) matchesType(labels map[string]string) bool {
	for _, r := range m.reqs {
		if slices.Contains(offeringKeys, r.key) {
			continue
		}
		if !r.matches(labels) {
			return false
		}
	}
	return true
}

// matchesOffering checks the requirements on zone and capacity type.
func (m *matcher) matchesOffering(zone, capacityType string) bool {
	labels := map[string]string{corev1.LabelTopologyZone: zone, karpv1.CapacityTypeLabelKey: capacityType}
	for _, r := range m.reqs {
		if slices.Contains(offeringKeys, r.key) && !r.matches(labels) {
			return false
		}
	}
	return true
}

func (r requirement) matches(labels map[string]string) bool {
	v, ok := labels[r.key]
	if !ok && !r.strict {
		return true
	}
	switch r.op {
	case corev1.NodeSelectorOpIn:
		return ok && slices.Contains(r.values, v)
	case corev1.NodeSelectorOpNotIn:
		return !ok || !slices.Contains(r.values, v)
	case corev1.NodeSelectorOpExists:
		return ok
	case corev1.NodeSelectorOpDoesNotExist:
		return !ok
	}
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false
	}
	switch r.op {
	case corev1.NodeSelectorOpGt:
		return n > r.bound
	case corev1.NodeSelectorOpLt:
		return n < r.bound
	case karpv1.NodeSelectorOpGte:
		return n >= r.bound
	case karpv1.NodeSelectorOpLte:
		return n <= r.bound
	}
	return false
}

// fits reports whether the allocatable resources cover every request, as the AWS provider checks
// before launching, so a NodeClaim loose on instance type still gets a node its pods fit on.
func fits(requests, allocatable corev1.ResourceList) bool {
	for name, q := range requests {
		if q.Sign() <= 0 {
			continue
		}
		a, ok := allocatable[name]
		if !ok || a.Cmp(q) < 0 {
			return false
		}
	}
	return true
}
