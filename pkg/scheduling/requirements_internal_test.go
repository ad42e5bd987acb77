package scheduling

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func mustReq(t *testing.T, key string, op corev1.NodeSelectorOperator, values ...string) req {
	t.Helper()
	r, err := newReq(key, op, values, nil)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestRequirementAlgebra(t *testing.T) {
	const k = "k"
	cases := []struct {
		name       string
		a, b       req
		intersects bool
		has        map[string]bool // on the intersection
		absentOK   bool            // of the intersection
	}{
		{"In and In overlap", mustReq(t, k, corev1.NodeSelectorOpIn, "a", "b"), mustReq(t, k, corev1.NodeSelectorOpIn, "b", "c"), true, map[string]bool{"a": false, "b": true}, false},
		{"In and In disjoint", mustReq(t, k, corev1.NodeSelectorOpIn, "a"), mustReq(t, k, corev1.NodeSelectorOpIn, "c"), false, nil, true},
		{"In and NotIn", mustReq(t, k, corev1.NodeSelectorOpIn, "a", "b"), mustReq(t, k, corev1.NodeSelectorOpNotIn, "a"), true, map[string]bool{"a": false, "b": true}, false},
		{"NotIn and NotIn stay open", mustReq(t, k, corev1.NodeSelectorOpNotIn, "a"), mustReq(t, k, corev1.NodeSelectorOpNotIn, "b"), true, map[string]bool{"a": false, "b": false, "c": true}, true},
		{"Exists and DoesNotExist", mustReq(t, k, corev1.NodeSelectorOpExists), mustReq(t, k, corev1.NodeSelectorOpDoesNotExist), false, nil, false},
		{"NotIn and DoesNotExist never conflict", mustReq(t, k, corev1.NodeSelectorOpNotIn, "a"), mustReq(t, k, corev1.NodeSelectorOpDoesNotExist), true, map[string]bool{"z": false}, true},
		{"Exists and NotIn must still exist", mustReq(t, k, corev1.NodeSelectorOpExists), mustReq(t, k, corev1.NodeSelectorOpNotIn, "a"), true, map[string]bool{"a": false, "b": true}, false},
		{"Gt and Lt bound a range", mustReq(t, k, corev1.NodeSelectorOpGt, "2"), mustReq(t, k, corev1.NodeSelectorOpLt, "5"), true, map[string]bool{"2": false, "3": true, "4": true, "5": false, "x": false}, false},
		{"Gte and Lte include their bounds", mustReq(t, k, OpGte, "2"), mustReq(t, k, OpLte, "5"), true, map[string]bool{"1": false, "2": true, "5": true, "6": false}, false},
		{"Gt above Lt is empty", mustReq(t, k, corev1.NodeSelectorOpGt, "5"), mustReq(t, k, corev1.NodeSelectorOpLt, "6"), false, nil, false},
		{"Gt filters In values", mustReq(t, k, corev1.NodeSelectorOpIn, "1", "8", "x"), mustReq(t, k, corev1.NodeSelectorOpGt, "4"), true, map[string]bool{"1": false, "8": true, "x": false}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.a.intersects(&tc.b); got != tc.intersects {
				t.Errorf("intersects = %v, want %v", got, tc.intersects)
			}
			x := tc.a.intersect(&tc.b)
			for v, want := range tc.has {
				if got := x.has(v); got != want {
					t.Errorf("has(%q) = %v, want %v (%s)", v, got, want, x.describe())
				}
			}
			if tc.intersects || tc.absentOK {
				if got := x.absentOK(); got != tc.absentOK {
					t.Errorf("absentOK = %v, want %v", got, tc.absentOK)
				}
			}
		})
	}
}

func TestRequirementErrors(t *testing.T) {
	for _, tc := range []struct {
		op     corev1.NodeSelectorOperator
		values []string
	}{{"Near", []string{"a"}}, {corev1.NodeSelectorOpGt, []string{"x"}}, {corev1.NodeSelectorOpLt, []string{"1", "2"}}, {OpGte, nil}} {
		if _, err := newReq("k", tc.op, tc.values, nil); !errors.Is(err, ErrInvalidRequirement) {
			t.Errorf("%s %v: error %v, want ErrInvalidRequirement", tc.op, tc.values, err)
		}
	}
	_, err := Solve(Input{NodePools: []NodePool{{Name: "bad", Requirements: []Requirement{{Key: "k", Operator: "Near"}}}}})
	if !errors.Is(err, ErrInvalidRequirement) {
		t.Errorf("Solve with a bad nodepool: %v", err)
	}
}

func TestCompatible(t *testing.T) {
	node := reqs{}.with(mustReq(t, "zone", corev1.NodeSelectorOpIn, "a", "b")).with(mustReq(t, "team", corev1.NodeSelectorOpIn, "x"))
	wellKnown := func(k string) bool { return k == "arch" }
	cases := []struct {
		name string
		pod  reqs
		key  string // conflicting key, "" for compatible
	}{
		{"overlap", reqs{mustReq(t, "zone", corev1.NodeSelectorOpIn, "b")}, ""},
		{"disjoint", reqs{mustReq(t, "zone", corev1.NodeSelectorOpIn, "c")}, "zone"},
		{"undefined custom label", reqs{mustReq(t, "rack", corev1.NodeSelectorOpIn, "r1")}, "rack"},
		{"undefined custom label NotIn is fine", reqs{mustReq(t, "rack", corev1.NodeSelectorOpNotIn, "r1")}, ""},
		{"undefined well-known label is left to the instance types", reqs{mustReq(t, "arch", corev1.NodeSelectorOpIn, "arm64")}, ""},
		{"DoesNotExist on a defined label", reqs{mustReq(t, "team", corev1.NodeSelectorOpDoesNotExist)}, "team"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := compatible(node, tc.pod, wellKnown)
			switch {
			case tc.key == "" && c != nil:
				t.Errorf("conflict %s, want none", c)
			case tc.key != "" && (c == nil || c.key != tc.key):
				t.Errorf("conflict %v, want on %s", c, tc.key)
			}
		})
	}
}

func TestLabelsMatch(t *testing.T) {
	labels := map[string]string{"zone": "a", "cpu": "8"}
	cases := []struct {
		name string
		r    req
		ok   bool
	}{
		{"In present", mustReq(t, "zone", corev1.NodeSelectorOpIn, "a"), true},
		{"NotIn absent", mustReq(t, "team", corev1.NodeSelectorOpNotIn, "x"), true},
		{"Exists absent", mustReq(t, "team", corev1.NodeSelectorOpExists), false},
		{"DoesNotExist present", mustReq(t, "zone", corev1.NodeSelectorOpDoesNotExist), false},
		{"Gt on a number", mustReq(t, "cpu", corev1.NodeSelectorOpGt, "4"), true},
		{"Lt on a number", mustReq(t, "cpu", corev1.NodeSelectorOpLt, "4"), false},
		{"Gt on a missing label", mustReq(t, "gpus", corev1.NodeSelectorOpGt, "0"), false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := labelsMatch(labels, "n", reqs{tc.r}) == nil; got != tc.ok {
				t.Errorf("match = %v, want %v", got, tc.ok)
			}
		})
	}
}
