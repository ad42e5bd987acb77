package scheduling

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// Operators that Karpenter v1 adds to the Kubernetes node selector operators.
const (
	OpGte corev1.NodeSelectorOperator = "Gte"
	OpLte corev1.NodeSelectorOperator = "Lte"
)

// Requirement is one NodePool requirement as Karpenter v1 writes it: a node selector requirement
// plus an optional minimum number of distinct values the planned NodeClaim must keep open.
type Requirement struct {
	Key       string
	Operator  corev1.NodeSelectorOperator
	Values    []string
	MinValues *int
}

func (r Requirement) String() string {
	switch r.Operator {
	case corev1.NodeSelectorOpExists, corev1.NodeSelectorOpDoesNotExist:
		return fmt.Sprintf("%s %s", r.Key, r.Operator)
	}
	return fmt.Sprintf("%s %s %v", r.Key, r.Operator, r.Values)
}

// ErrInvalidRequirement is wrapped by every error about a malformed requirement.
var ErrInvalidRequirement = errors.New("invalid requirement")

// req is one key's allowed values, closed under intersection. A complement req allows every
// value except those listed (and, with bounds, only integers inside them); a plain req allows
// exactly the listed values, and with none listed it means "the label must be absent".
type req struct {
	key        string
	complement bool
	values     []string // sorted, unique
	hasGt      bool
	gt         int64
	hasLt      bool
	lt         int64
	// mustExist separates Exists/Gt/Lt from NotIn: both are complements, but only NotIn is
	// satisfied by a node that lacks the label.
	mustExist bool
	minValues int
}

func newReq(key string, op corev1.NodeSelectorOperator, values []string, minValues *int) (req, error) {
	r := req{key: key}
	if minValues != nil {
		r.minValues = *minValues
	}
	bound := func() (int64, error) {
		if len(values) != 1 {
			return 0, fmt.Errorf("%w: %s %s needs exactly one integer value, got %v", ErrInvalidRequirement, key, op, values)
		}
		n, err := strconv.ParseInt(values[0], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%w: %s %s %q: %w", ErrInvalidRequirement, key, op, values[0], err)
		}
		return n, nil
	}
	switch op {
	case corev1.NodeSelectorOpIn:
		r.values = sortedUnique(values)
		r.mustExist = true
	case corev1.NodeSelectorOpNotIn:
		r.complement = true
		r.values = sortedUnique(values)
	case corev1.NodeSelectorOpExists:
		r.complement, r.mustExist = true, true
	case corev1.NodeSelectorOpDoesNotExist:
	case corev1.NodeSelectorOpGt, OpGte:
		n, err := bound()
		if err != nil {
			return req{}, err
		}
		if op == OpGte {
			n--
		}
		r.complement, r.mustExist, r.hasGt, r.gt = true, true, true, n
	case corev1.NodeSelectorOpLt, OpLte:
		n, err := bound()
		if err != nil {
			return req{}, err
		}
		if op == OpLte {
			n++
		}
		r.complement, r.mustExist, r.hasLt, r.lt = true, true, true, n
	default:
		return req{}, fmt.Errorf("%w: %s: unknown operator %q", ErrInvalidRequirement, key, op)
	}
	return r, nil
}

func sortedUnique(v []string) []string {
	if len(v) == 0 {
		return nil
	}
	out := append([]string(nil), v...)
	sort.Strings(out)
	j := 0
	for i := range out {
		if i == 0 || out[i] != out[j-1] {
			out[j] = out[i]
			j++
		}
	}
	return out[:j]
}

func containsSorted(v []string, s string) bool {
	if len(v) < 8 {
		for _, x := range v {
			if x == s {
				return true
			}
		}
		return false
	}
	i := sort.SearchStrings(v, s)
	return i < len(v) && v[i] == s
}

func (r *req) inBounds(v string) bool {
	if !r.hasGt && !r.hasLt {
		return true
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return false
	}
	return (!r.hasGt || n > r.gt) && (!r.hasLt || n < r.lt)
}

// has reports whether a node whose label has value v satisfies r.
func (r *req) has(v string) bool {
	if r.complement {
		return !containsSorted(r.values, v) && r.inBounds(v)
	}
	return containsSorted(r.values, v)
}

// absentOK reports whether a node without the label satisfies r.
func (r *req) absentOK() bool {
	if r.complement {
		return !r.mustExist
	}
	return len(r.values) == 0
}

// empty reports whether no label value satisfies r (which still allows an absent label when
// absentOK).
func (r *req) empty() bool {
	if !r.complement {
		return len(r.values) == 0
	}
	return r.hasGt && r.hasLt && r.lt-r.gt <= 1
}

func (r *req) intersect(o *req) req {
	out := req{key: r.key, minValues: max(r.minValues, o.minValues), mustExist: r.mustExist || o.mustExist}
	switch {
	case !r.complement && !o.complement:
		for _, v := range r.values {
			if containsSorted(o.values, v) {
				out.values = append(out.values, v)
			}
		}
	case !r.complement:
		for _, v := range r.values {
			if o.has(v) {
				out.values = append(out.values, v)
			}
		}
	case !o.complement:
		for _, v := range o.values {
			if r.has(v) {
				out.values = append(out.values, v)
			}
		}
	default:
		out.complement = true
		out.values = sortedUnique(append(append([]string(nil), r.values...), o.values...))
		out.hasGt, out.gt = r.hasGt, r.gt
		if o.hasGt && (!out.hasGt || o.gt > out.gt) {
			out.hasGt, out.gt = true, o.gt
		}
		out.hasLt, out.lt = r.hasLt, r.lt
		if o.hasLt && (!out.hasLt || o.lt < out.lt) {
			out.hasLt, out.lt = true, o.lt
		}
	}
	return out
}

// notInLike is Karpenter's exception in Intersects: two requirements that are each satisfied by
// an absent label never conflict, even when no value satisfies both.
func (r *req) notInLike() bool { return r.absentOK() }

// intersects reports whether some node can satisfy both r and o.
func (r *req) intersects(o *req) bool {
	x := r.intersect(o)
	if !x.empty() {
		return true
	}
	return r.notInLike() && o.notInLike()
}

// describe renders the allowed values, for explanations: "In [a b]", "NotIn [c]", "Gt 4".
func (r *req) describe() string {
	var parts []string
	if r.complement {
		switch {
		case r.hasGt || r.hasLt:
			if r.hasGt {
				parts = append(parts, fmt.Sprintf("Gt %d", r.gt))
			}
			if r.hasLt {
				parts = append(parts, fmt.Sprintf("Lt %d", r.lt))
			}
			if len(r.values) > 0 {
				parts = append(parts, "NotIn "+shortList(r.values))
			}
		case len(r.values) > 0:
			parts = append(parts, "NotIn "+shortList(r.values))
			if r.mustExist {
				parts = append(parts, "Exists")
			}
		default:
			parts = append(parts, "Exists")
		}
		return strings.Join(parts, ", ")
	}
	if len(r.values) == 0 {
		return "DoesNotExist"
	}
	return "In " + shortList(r.values)
}

// shortList keeps explanations readable when a requirement lists hundreds of instance types.
func shortList(v []string) string {
	const keep = 6
	if len(v) <= keep {
		return "[" + strings.Join(v, " ") + "]"
	}
	return fmt.Sprintf("[%s ... +%d more]", strings.Join(v[:keep], " "), len(v)-keep)
}

// export turns r back into NodePool-style requirements (one or several, since a bounded
// complement needs Gt, Lt and NotIn together).
func (r *req) export() []Requirement {
	var mv *int
	if r.minValues > 0 {
		m := r.minValues
		mv = &m
	}
	if !r.complement {
		if len(r.values) == 0 {
			return []Requirement{{Key: r.key, Operator: corev1.NodeSelectorOpDoesNotExist}}
		}
		return []Requirement{{Key: r.key, Operator: corev1.NodeSelectorOpIn, Values: append([]string(nil), r.values...), MinValues: mv}}
	}
	var out []Requirement
	if r.hasGt {
		out = append(out, Requirement{Key: r.key, Operator: corev1.NodeSelectorOpGt, Values: []string{strconv.FormatInt(r.gt, 10)}})
	}
	if r.hasLt {
		out = append(out, Requirement{Key: r.key, Operator: corev1.NodeSelectorOpLt, Values: []string{strconv.FormatInt(r.lt, 10)}})
	}
	if len(r.values) > 0 {
		out = append(out, Requirement{Key: r.key, Operator: corev1.NodeSelectorOpNotIn, Values: append([]string(nil), r.values...)})
	}
	if len(out) == 0 || (r.mustExist && !r.hasGt && !r.hasLt) {
		out = append(out, Requirement{Key: r.key, Operator: corev1.NodeSelectorOpExists})
	}
	out[0].MinValues = mv
	return out
}

func (r *req) canon(b *strings.Builder) {
	b.WriteString(r.key)
	b.WriteByte(0)
	if r.complement {
		b.WriteByte('c')
	}
	if r.mustExist {
		b.WriteByte('e')
	}
	if r.hasGt {
		fmt.Fprintf(b, "g%d", r.gt)
	}
	if r.hasLt {
		fmt.Fprintf(b, "l%d", r.lt)
	}
	if r.minValues > 0 {
		fmt.Fprintf(b, "m%d", r.minValues)
	}
	for _, v := range r.values {
		b.WriteByte(1)
		b.WriteString(v)
	}
	b.WriteByte(2)
}

// reqs is a conjunction of per-key requirements, sorted by key.
type reqs []req

func (rs reqs) get(key string) *req {
	i := sort.Search(len(rs), func(i int) bool { return rs[i].key >= key })
	if i < len(rs) && rs[i].key == key {
		return &rs[i]
	}
	return nil
}

// merge intersects two conjunctions key by key.
func (rs reqs) merge(o reqs) reqs {
	out := make(reqs, 0, len(rs)+len(o))
	i, j := 0, 0
	for i < len(rs) || j < len(o) {
		switch {
		case j >= len(o) || (i < len(rs) && rs[i].key < o[j].key):
			out = append(out, rs[i])
			i++
		case i >= len(rs) || o[j].key < rs[i].key:
			out = append(out, o[j])
			j++
		default:
			out = append(out, rs[i].intersect(&o[j]))
			i++
			j++
		}
	}
	return out
}

// with returns rs with one more requirement intersected in.
func (rs reqs) with(r req) reqs { return rs.merge(reqs{r}) }

func (rs reqs) canon() string {
	var b strings.Builder
	for i := range rs {
		rs[i].canon(&b)
	}
	return b.String()
}

func (rs reqs) export() []Requirement {
	var out []Requirement
	for i := range rs {
		out = append(out, rs[i].export()...)
	}
	return out
}

// compileRequirements builds a conjunction from NodePool-style requirements; repeated keys are
// intersected.
func compileRequirements(in []Requirement) (reqs, error) {
	var out reqs
	for _, r := range in {
		c, err := newReq(r.Key, r.Operator, r.Values, r.MinValues)
		if err != nil {
			return nil, err
		}
		out = out.with(c)
	}
	return out, nil
}

// compileSelectorTerm builds a conjunction from one node selector term. matchFields on
// metadata.name is kept under a reserved key, matched against node names.
func compileSelectorTerm(t corev1.NodeSelectorTerm) (reqs, error) {
	var out reqs
	for _, e := range t.MatchExpressions {
		c, err := newReq(e.Key, e.Operator, e.Values, nil)
		if err != nil {
			return nil, err
		}
		out = out.with(c)
	}
	for _, f := range t.MatchFields {
		if f.Key != metadataNameField {
			return nil, fmt.Errorf("%w: unsupported field selector %q", ErrInvalidRequirement, f.Key)
		}
		c, err := newReq(fieldNodeName, f.Operator, f.Values, nil)
		if err != nil {
			return nil, err
		}
		out = out.with(c)
	}
	return out, nil
}

func labelReqs(labels map[string]string) reqs {
	out := make(reqs, 0, len(labels))
	for k, v := range labels {
		out = append(out, req{key: k, values: []string{v}, mustExist: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].key < out[j].key })
	return out
}

const (
	metadataNameField = "metadata.name"
	// fieldNodeName is the reserved requirement key for matchFields metadata.name; it can never
	// collide with a label key because labels cannot contain spaces.
	fieldNodeName = "field metadata.name"
)

// conflict is why a set of requirements cannot hold on a node: the key, what the pod side
// allows and what the node side offers.
type conflict struct {
	key       string
	podSide   string
	nodeSide  string
	undefined bool // the node side does not offer the label at all
}

func (c *conflict) String() string {
	if c.undefined {
		return fmt.Sprintf("label %s %s is not offered", c.key, c.podSide)
	}
	return fmt.Sprintf("%s: wants %s, offers %s", c.key, c.podSide, c.nodeSide)
}

// compatible is Karpenter's Compatible: every key the pod constrains must either be offered by
// the node side with an overlapping value, be satisfied by an absent label, or be a label the
// node side leaves open (allowUndefined: well-known labels the instance types will pin down).
func compatible(node, pod reqs, allowUndefined func(string) bool) *conflict {
	for i := range pod {
		p := &pod[i]
		n := node.get(p.key)
		if n == nil {
			if p.absentOK() || (allowUndefined != nil && allowUndefined(p.key)) {
				continue
			}
			return &conflict{key: p.key, podSide: p.describe(), undefined: true}
		}
		if !n.intersects(p) {
			return &conflict{key: p.key, podSide: p.describe(), nodeSide: n.describe()}
		}
	}
	return nil
}

// labelsMatch is kube-scheduler's node selector term match against a real node's labels.
func labelsMatch(labels map[string]string, nodeName string, pod reqs) *conflict {
	for i := range pod {
		p := &pod[i]
		var v string
		var ok bool
		if p.key == fieldNodeName {
			v, ok = nodeName, true
		} else {
			v, ok = labels[p.key]
		}
		if ok {
			if !p.has(v) {
				return &conflict{key: p.key, podSide: p.describe(), nodeSide: "[" + v + "]"}
			}
		} else if !p.absentOK() {
			return &conflict{key: p.key, podSide: p.describe(), nodeSide: "no such label", undefined: true}
		}
	}
	return nil
}
