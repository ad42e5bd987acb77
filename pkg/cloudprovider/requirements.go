package cloudprovider

import (
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// LaunchRequirements tests a NodeClaim's requirements against the concrete labels of instance
// types and offerings, as a provider must when it picks what to launch. The scheduling package
// owns the full requirements algebra; a launch only tests concrete values.
//
// Keys the provider defines (labels some instance type carries, plus zone, region and capacity
// type) are strict: a type without the label fails In, Exists, Gt, Lt, Gte and Lte, so
// "instance-gpu-count Exists" excludes types without GPUs. Other keys, such as a NodePool's own
// labels, are not facts of the instance: the node carries them itself, so they never exclude one.
type LaunchRequirements struct {
	reqs []launchRequirement
}

type launchRequirement struct {
	key       string
	op        corev1.NodeSelectorOperator
	values    []string
	bound     int64
	strict    bool
	minValues int
}

// offeringKeys vary per offering rather than per instance type.
var offeringKeys = []string{LabelZone, LabelCapacityType}

// NewLaunchRequirements validates the requirements once, so that testing thousands of offerings
// cannot fail half-way. defined says which keys the provider's labels define.
func NewLaunchRequirements(reqs []karpv1.NodeSelectorRequirementWithMinValues, defined func(string) bool) (*LaunchRequirements, error) {
	lr := &LaunchRequirements{}
	for i, r := range reqs {
		req := launchRequirement{key: r.Key, op: r.Operator, values: r.Values, strict: defined(r.Key)}
		if r.MinValues != nil {
			req.minValues = *r.MinValues
		}
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
		lr.reqs = append(lr.reqs, req)
	}
	return lr, nil
}

// MatchesType checks the requirements on keys that do not vary per offering.
func (lr *LaunchRequirements) MatchesType(labels map[string]string) bool {
	for _, r := range lr.reqs {
		if !slices.Contains(offeringKeys, r.key) && !r.matches(labels) {
			return false
		}
	}
	return true
}

// MatchesOffering checks the requirements on zone and capacity type.
func (lr *LaunchRequirements) MatchesOffering(zone, capacityType string) bool {
	labels := map[string]string{LabelZone: zone, LabelCapacityType: capacityType}
	for _, r := range lr.reqs {
		if slices.Contains(offeringKeys, r.key) && !r.matches(labels) {
			return false
		}
	}
	return true
}

// MinValues returns the keys whose requirement demands a minimum number of distinct values
// among the instance types a launch may choose from.
func (lr *LaunchRequirements) MinValues() map[string]int {
	out := map[string]int{}
	for _, r := range lr.reqs {
		if r.minValues > 0 {
			out[r.key] = max(out[r.key], r.minValues)
		}
	}
	return out
}

func (r launchRequirement) matches(labels map[string]string) bool {
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

// Fits reports whether allocatable covers every positive request, so a NodeClaim loose on
// instance type still gets a node its pods fit on.
func Fits(requests, allocatable corev1.ResourceList) bool {
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
