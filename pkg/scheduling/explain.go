package scheduling

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// ReasonKind classifies why a pod does not fit somewhere. The values are stable: the agent puts
// them in Events and the plugin matches on them.
type ReasonKind string

// The kinds of Reason, one per constraint that can keep a pod off a node or a NodePool.
const (
	// ReasonTaint means the pod does not tolerate a taint of the node or NodePool.
	ReasonTaint ReasonKind = "TaintNotTolerated"
	// ReasonRequirement means the pod's nodeSelector or node affinity conflicts with the node's
	// labels or the NodePool's requirements.
	ReasonRequirement ReasonKind = "RequirementConflict"
	// ReasonLimits means launching a node for the pod would exceed the NodePool's limits.
	ReasonLimits ReasonKind = "LimitExceeded"
	// ReasonResources means there is no room for the pod's requests, on the node or on any
	// instance type.
	ReasonResources ReasonKind = "InsufficientResources"
	// ReasonNoInstanceType means none of the NodePool's instance types satisfies the
	// requirements.
	ReasonNoInstanceType ReasonKind = "NoCompatibleInstanceType"
	// ReasonNoOffering means compatible instance types exist, but none has an available offering
	// in the allowed zones and capacity types.
	ReasonNoOffering ReasonKind = "NoOffering"
	// ReasonMinValues means the instance types left would not meet a requirement's minValues.
	ReasonMinValues ReasonKind = "MinValues"
	// ReasonTopology means placing the pod would break a topology spread constraint.
	ReasonTopology ReasonKind = "TopologySpread"
	// ReasonAffinity means a required pod affinity term cannot be met there.
	ReasonAffinity ReasonKind = "PodAffinity"
	// ReasonAntiAffinity means a required pod anti-affinity term, the pod's own or another pod's,
	// rules the place out.
	ReasonAntiAffinity ReasonKind = "PodAntiAffinity"
	// ReasonVolume means a volume's topology (its zone or node affinity) rules the place out.
	ReasonVolume ReasonKind = "VolumeTopology"
	// ReasonHostPort means a host port the pod needs is already taken there.
	ReasonHostPort ReasonKind = "HostPort"
	// ReasonUnschedulable means the node is cordoned (spec.unschedulable).
	ReasonUnschedulable ReasonKind = "NodeUnschedulable"
)

// Reason is one constraint that keeps a pod off a node or a NodePool. Only the fields that
// matter for its Kind are set.
type Reason struct {
	Kind ReasonKind
	// Message is a one-clause rendering, e.g. "insufficient cpu: requested 3, largest
	// instance type c5.large has 1930m".
	Message string
	// Taint is the taint not tolerated.
	Taint *corev1.Taint
	// Key, PodValues and NodeValues describe a requirement conflict: the label, what the pod
	// allows and what the node or NodePool offers.
	Key        string
	PodValues  string
	NodeValues string
	// Resource, Requested and Available describe a shortage; Available is the most any
	// candidate has (the largest instance type, the node's free room, the limit's headroom).
	Resource     corev1.ResourceName
	Requested    *resource.Quantity
	Available    *resource.Quantity
	InstanceType string
	// Used and Limit describe an exhausted NodePool limit.
	Used  *resource.Quantity
	Limit *resource.Quantity
	// Term names the topology spread or (anti-)affinity term.
	Term string
	// Volume names the volume whose topology conflicts.
	Volume string
	// Fix suggests a change that would let the pod fit, when one is obvious.
	Fix string
}

func (r *Reason) String() string { return r.Message }

// summary is the kube-scheduler-style short form used to group nodes.
func (r *Reason) summary() string {
	switch r.Kind {
	case ReasonResources:
		if r.Resource != "" {
			return "Insufficient " + string(r.Resource)
		}
		return "Insufficient resources"
	case ReasonTaint:
		return "untolerated taint " + taintString(r.Taint)
	case ReasonRequirement:
		return "didn't match node affinity/selector on " + r.Key
	case ReasonTopology:
		return "didn't match pod topology spread constraints"
	case ReasonAffinity:
		return "didn't match pod affinity rules"
	case ReasonAntiAffinity:
		return "didn't match pod anti-affinity rules"
	case ReasonVolume:
		return "volume node affinity conflict"
	case ReasonHostPort:
		return "didn't have free ports"
	case ReasonUnschedulable:
		return "unschedulable"
	}
	return r.Message
}

// NodeReason is why the pod does not fit one existing node or in-flight NodeClaim.
type NodeReason struct {
	Node   string
	Reason Reason
}

// NodePoolReason is why no new NodeClaim of a NodePool can take the pod.
type NodePoolReason struct {
	NodePool string
	Reason   Reason
}

// ReasonCount groups nodes that fail for the same reason.
type ReasonCount struct {
	Summary string
	Count   int
	Example string // one node that fails this way
}

// Explanation says why a pod could not be placed: per existing node, summarised; per NodePool,
// the constraint that excluded it.
type Explanation struct {
	Namespace string
	Name      string
	// Nodes lists every existing node and in-flight NodeClaim with its reason.
	Nodes []NodeReason
	// NodeSummary groups Nodes by reason, most common first.
	NodeSummary []ReasonCount
	// PlannedNodeClaims counts the NodeClaims planned in this run that could not take the pod
	// either, grouped by reason.
	PlannedNodeClaims int
	PlannedSummary    []ReasonCount
	NodePools         []NodePoolReason
	// Relaxed lists the preferences that were dropped before giving up.
	Relaxed []string
}

// compactLimit keeps Event messages well under the 1 KiB they are readable at.
const compactLimit = 1000

// String is the compact form.
func (e *Explanation) String() string { return e.Compact() }

// Compact renders one line for a Kubernetes Event: a kube-scheduler-style node summary and one
// clause per NodePool, cut to under 1 KB.
func (e *Explanation) Compact() string {
	var parts []string
	parts = append(parts, e.nodeLine())
	if len(e.NodePools) == 0 {
		parts = append(parts, "no NodePool")
	}
	for _, np := range e.NodePools {
		parts = append(parts, fmt.Sprintf("nodepool %s: %s", np.NodePool, np.Reason.Message))
	}
	out := strings.Join(parts, "; ")
	if len(out) > compactLimit {
		cut := compactLimit - len(" ...(truncated)")
		for cut > 0 && !utf8Start(out[cut]) {
			cut--
		}
		out = out[:cut] + " ...(truncated)"
	}
	return out
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }

func (e *Explanation) nodeLine() string {
	total := len(e.Nodes)
	if total == 0 {
		return "no existing nodes"
	}
	var groups []string
	for _, g := range e.NodeSummary {
		groups = append(groups, fmt.Sprintf("%d %s", g.Count, g.Summary))
	}
	return fmt.Sprintf("0/%d nodes are available: %s", total, strings.Join(groups, ", "))
}

// Full renders the explanation for a person: every reason group with an example node, one
// paragraph per NodePool with its suggested fix, and what was relaxed.
func (e *Explanation) Full() string {
	var b strings.Builder
	fmt.Fprintf(&b, "Pod %s/%s cannot be placed.\n", e.Namespace, e.Name)
	if len(e.Nodes) == 0 {
		b.WriteString("Existing nodes: none.\n")
	} else {
		fmt.Fprintf(&b, "Existing nodes (%d), none fits:\n", len(e.Nodes))
		for _, g := range e.NodeSummary {
			fmt.Fprintf(&b, "  %d × %s (e.g. %s)\n", g.Count, g.Summary, g.Example)
		}
		const detail = 20
		for i, n := range e.Nodes {
			if i == detail {
				fmt.Fprintf(&b, "    ... and %d more nodes\n", len(e.Nodes)-detail)
				break
			}
			fmt.Fprintf(&b, "    %s: %s\n", n.Node, n.Reason.Message)
		}
	}
	if e.PlannedNodeClaims > 0 {
		fmt.Fprintf(&b, "NodeClaims planned in this run (%d), none can take it:\n", e.PlannedNodeClaims)
		for _, g := range e.PlannedSummary {
			fmt.Fprintf(&b, "  %d × %s\n", g.Count, g.Summary)
		}
	}
	if len(e.NodePools) == 0 {
		b.WriteString("NodePools: none.\n")
	}
	for _, np := range e.NodePools {
		fmt.Fprintf(&b, "NodePool %s: %s\n", np.NodePool, np.Reason.Message)
		if np.Reason.Fix != "" {
			fmt.Fprintf(&b, "  fix: %s\n", np.Reason.Fix)
		}
	}
	if len(e.Relaxed) > 0 {
		fmt.Fprintf(&b, "Preferences relaxed before giving up: %s\n", strings.Join(e.Relaxed, "; "))
	}
	return b.String()
}

func summarize(reasons []NodeReason) []ReasonCount {
	idx := map[string]int{}
	var out []ReasonCount
	for _, r := range reasons {
		k := r.Reason.summary()
		if i, ok := idx[k]; ok {
			out[i].Count++
			continue
		}
		idx[k] = len(out)
		out = append(out, ReasonCount{Summary: k, Count: 1, Example: r.Node})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// conflictReason turns a requirement conflict into a Reason, blaming a volume when the key
// came from one.
func (s *solver) conflictReason(c *conflict, b *podBase, side string) *Reason {
	r := &Reason{Kind: ReasonRequirement, Key: c.key, PodValues: c.podSide, NodeValues: c.nodeSide}
	if src, ok := b.volSource[c.key]; ok && b.volSource != nil {
		r.Kind, r.Volume = ReasonVolume, src
		if c.undefined {
			r.Message = fmt.Sprintf("%s needs %s %s, which the %s does not offer", src, c.key, c.podSide, side)
		} else {
			r.Message = fmt.Sprintf("%s needs %s %s, the %s offers %s", src, c.key, c.podSide, side, c.nodeSide)
		}
		r.Fix = fmt.Sprintf("allow %s %s in the %s, or move the volume", c.key, c.podSide, side)
		return r
	}
	if c.undefined {
		r.Message = fmt.Sprintf("label %s (pod wants %s) is not offered by the %s", c.key, c.podSide, side)
		r.Fix = fmt.Sprintf("add %s to the %s's labels or requirements, or drop it from the pod's nodeSelector/affinity", c.key, side)
		return r
	}
	r.Message = fmt.Sprintf("requirement %s: pod wants %s, %s offers %s", c.key, c.podSide, side, c.nodeSide)
	r.Fix = fmt.Sprintf("change the pod's nodeSelector/affinity on %s, or allow %s in the %s's requirements", c.key, c.podSide, side)
	return r
}

// noTypeReason says why none of a pool's instance types satisfies merged: the key that rules
// them all out (with the values the types offer), or the missing offering.
func (s *solver) noTypeReason(p *pool, merged *reqSet, b *podBase) *Reason {
	if p.usable.empty() {
		return &Reason{Kind: ReasonNoInstanceType, Message: "the nodepool has no instance type with an available offering", Fix: "check the NodePool's requirements and the cloud's capacity"}
	}
	labelOK := newBitset(len(p.types))
	p.usable.each(func(i int) bool {
		if p.labelOK(p.types[i], merged.r) {
			labelOK = labelOK.set(i)
		}
		return true
	})
	if labelOK.empty() {
		for i := range merged.r {
			one := reqs{merged.r[i]}
			any := false
			var offered []string
			seen := map[string]bool{}
			p.usable.each(func(t int) bool {
				if p.labelOK(p.types[t], one) {
					any = true
					return false
				}
				if v, ok := p.types[t].it.Labels[one[0].key]; ok && !seen[v] {
					seen[v] = true
					offered = append(offered, v)
				}
				return true
			})
			if !any {
				sort.Strings(offered)
				k := one[0].key
				r := &Reason{Kind: ReasonNoInstanceType, Key: k, PodValues: one[0].describe(), NodeValues: shortList(offered)}
				if src, ok := b.volSource[k]; ok {
					r.Kind, r.Volume = ReasonVolume, src
				}
				if len(offered) == 0 {
					r.NodeValues = "none"
				}
				r.Message = fmt.Sprintf("no instance type has %s %s (types offer %s)", k, r.PodValues, r.NodeValues)
				r.Fix = fmt.Sprintf("relax the pod's %s requirement or add matching instance types to the NodePool", k)
				return r
			}
		}
		return &Reason{Kind: ReasonNoInstanceType, Message: "no instance type satisfies all requirements together: " + describeReqs(merged.r), Fix: "relax one of the requirements"}
	}
	zr, cr := merged.r.get(corev1.LabelTopologyZone), merged.r.get(LabelCapacityType)
	r := &Reason{Kind: ReasonNoOffering, Message: fmt.Sprintf("no available offering in zones %s and capacity types %s", reqValues(zr), reqValues(cr)),
		Fix: "allow more zones or capacity types, or instance types offered there"}
	if zr != nil {
		if src, ok := b.volSource[corev1.LabelTopologyZone]; ok {
			r.Kind, r.Volume = ReasonVolume, src
			r.Message = fmt.Sprintf("%s is in zones %s where the nodepool has no available offering", src, reqValues(zr))
			r.Fix = "allow that zone (and instance types offered there) in the NodePool"
		}
	}
	return r
}

func reqValues(r *req) string {
	if r == nil {
		return "any"
	}
	return r.describe()
}

func describeReqs(rs reqs) string {
	parts := make([]string, 0, len(rs))
	for i := range rs {
		parts = append(parts, rs[i].key+" "+rs[i].describe())
	}
	return strings.Join(parts, ", ")
}

// resourceReason explains why no instance type among opts has room for need: the first
// resource no type has enough of, with the largest amount offered, or the combination.
func (s *solver) resourceReason(p *pool, opts bitset, need resVec) *Reason {
	for i, x := range need {
		if x <= 0 {
			continue
		}
		best, bestType, bestDS := int64(-1), "", int64(0)
		opts.each(func(t int) bool {
			if v := p.types[t].room[i]; v > best {
				best, bestType, bestDS = v, p.types[t].it.Name, p.types[t].ds[i]
			}
			return true
		})
		if best >= x {
			continue
		}
		if best < 0 {
			best = 0
		}
		req, avail := s.res.quantity(i, x), s.res.quantity(i, best)
		r := &Reason{Kind: ReasonResources, Resource: s.res.names[i], Requested: &req, Available: &avail, InstanceType: bestType}
		if bestType == "" {
			r.Message = fmt.Sprintf("insufficient %s: requested %s, no instance type left", s.res.names[i], req.String())
		} else {
			after := ""
			if bestDS > 0 {
				after = " after daemonsets"
			}
			r.Message = fmt.Sprintf("insufficient %s: requested %s, largest instance type %s has %s%s", s.res.names[i], req.String(), bestType, avail.String(), after)
		}
		r.Fix = fmt.Sprintf("request at most %s of %s, or allow larger instance types", avail.String(), s.res.names[i])
		return r
	}
	return &Reason{Kind: ReasonResources, Message: "no single instance type has room for all requests together (" + resourceListString(s.res.list(need)) + ")", Fix: "reduce one of the requests or allow larger instance types"}
}
