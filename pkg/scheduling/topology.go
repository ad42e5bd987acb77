package scheduling

import (
	"fmt"
	"math"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
)

type groupKind uint8

const (
	// gSpread counts pods matching a topology spread constraint per domain.
	gSpread groupKind = iota
	// gAffinity counts pods matching a pod's required (or still preferred) affinity term.
	gAffinity
	// gAnti counts pods matching a pod's anti-affinity term: the owner avoids their domains.
	gAnti
	// gInverse counts the owners of an anti-affinity term: pods the term selects avoid them.
	gInverse
)

// group is one topology constraint shared by every pod that declares it identically. Counts are
// per domain of the constraint's key and include pods already running.
type group struct {
	id     int
	kind   groupKind
	kd     *keyDomains
	sel    labels.Selector
	allNS  bool
	ns     map[string]bool
	desc   string
	counts []int32
	// total counts matching pods on nodes that have the key, wherever their domain is decided;
	// affinity uses it for kube-scheduler's "first pod of its group" rule.
	total int32

	// Spread only.
	maxSkew    int32
	minDomains int32
	filter     *nodeFilter
	universe   bitset
	// newNodeMinZero: a new node is its own hostname domain with no pods, so the global minimum
	// on hostname is zero whenever some NodePool could create a node for the pod.
	newNodeMinZero bool
	minCache       int32
	minValid       bool
	filterCache    map[int32]bool

	// levels[l] holds the candidates (by index) whose hostname domain has more than l matching
	// pods. The packing scan skips them without looking: a hostname anti-affinity excludes
	// level 0, a hostname spread the level its skew allows.
	levels []bitset
}

// nodeFilter is a spread constraint's nodeAffinityPolicy/nodeTaintsPolicy: only pods on nodes
// that pass it are counted, and only such nodes' domains take part in the minimum.
type nodeFilter struct {
	terms       []reqs // ORed; nil: any node
	termSets    []*reqSet
	tolerations []corev1.Toleration
	taints      bool
}

func (g *group) count(d int32) int32 {
	if d < 0 || int(d) >= len(g.counts) {
		return 0
	}
	return g.counts[d]
}

// record counts one more matching pod in domain d.
func (g *group) record(d int32) {
	for int(d) >= len(g.counts) {
		g.counts = append(g.counts, 0)
	}
	g.counts[d]++
	g.minValid = false
}

func (g *group) selectsNS(ns string) bool { return g.allNS || g.ns[ns] }

// min is the global minimum of matching pods over the eligible domains, as kube-scheduler
// computes it, with Karpenter's rule that a hostname minimum is zero when a node can be added.
func (g *group) min() int32 {
	if g.newNodeMinZero {
		return 0
	}
	if g.minValid {
		return g.minCache
	}
	m, n := int32(math.MaxInt32), int32(0)
	g.universe.each(func(d int) bool {
		n++
		if c := g.count(int32(d)); c < m {
			m = c
		}
		return true
	})
	if n == 0 || (g.minDomains > 0 && n < g.minDomains) {
		m = 0
	}
	g.minCache, g.minValid = m, true
	return m
}

// topology owns every group of a solve and the index from pod labels to the groups that count
// them.
type topology struct {
	groups []*group
	byKey  map[string]*group
	// byLabel indexes groups by one label key every pod they select must carry, so a pod's
	// groups are found without testing every selector; unindexed holds the rest.
	byLabel   map[string][]*group
	unindexed []*group
}

func newTopology() *topology {
	return &topology{byKey: map[string]*group{}, byLabel: map[string][]*group{}}
}

func (t *topology) intern(g *group, identity string) *group {
	if old, ok := t.byKey[identity]; ok {
		return old
	}
	g.id = len(t.groups)
	t.groups = append(t.groups, g)
	t.byKey[identity] = g
	if k := requiredLabelKey(g.sel); k != "" {
		t.byLabel[k] = append(t.byLabel[k], g)
	} else {
		t.unindexed = append(t.unindexed, g)
	}
	return g
}

// requiredLabelKey returns a label key without which the selector cannot match, or "".
func requiredLabelKey(sel labels.Selector) string {
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		switch r.Operator() {
		case selection.Equals, selection.DoubleEquals, selection.In, selection.Exists, selection.GreaterThan, selection.LessThan:
			return r.Key()
		}
	}
	return ""
}

// labelShape is a (namespace, labels) combination; pods sharing it match the same groups.
type labelShape struct {
	ns        string
	labels    labels.Set
	computed  bool
	selecting []*group // forward groups (spread, affinity, anti) that count this pod
	inverse   []*group // anti-affinity owners' groups that keep this pod away
}

func (s *solver) labelShapeOf(pod *corev1.Pod) *labelShape {
	var b strings.Builder
	b.WriteString(pod.Namespace)
	keys := make([]string, 0, len(pod.Labels))
	for k := range pod.Labels {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteByte(0)
		b.WriteString(k)
		b.WriteByte(1)
		b.WriteString(pod.Labels[k])
	}
	key := b.String()
	if ls, ok := s.labelShapes[key]; ok {
		return ls
	}
	ls := &labelShape{ns: pod.Namespace, labels: labels.Set(pod.Labels)}
	s.labelShapes[key] = ls
	return ls
}

// groupsOf resolves, once per label shape, which groups count or repel pods with these labels.
func (s *solver) groupsOf(ls *labelShape) *labelShape {
	if ls.computed {
		return ls
	}
	ls.computed = true
	visit := func(g *group) {
		if !g.selectsNS(ls.ns) || !g.sel.Matches(ls.labels) {
			return
		}
		if g.kind == gInverse {
			ls.inverse = append(ls.inverse, g)
		} else {
			ls.selecting = append(ls.selecting, g)
		}
	}
	for k := range ls.labels {
		for _, g := range s.topo.byLabel[k] {
			visit(g)
		}
	}
	for _, g := range s.topo.unindexed {
		visit(g)
	}
	sort.Slice(ls.selecting, func(i, j int) bool { return ls.selecting[i].id < ls.selecting[j].id })
	sort.Slice(ls.inverse, func(i, j int) bool { return ls.inverse[i].id < ls.inverse[j].id })
	return ls
}

func selects(g *group, ls *labelShape) bool {
	return g.selectsNS(ls.ns) && g.sel.Matches(ls.labels)
}

// spreadGroup builds (or finds) the group of one topology spread constraint of a pod.
func (s *solver) spreadGroup(pod *corev1.Pod, tsc corev1.TopologySpreadConstraint, hardTerms []reqs, tolerations []corev1.Toleration) (*group, error) {
	sel, err := selectorWithKeys(tsc.LabelSelector, tsc.MatchLabelKeys, nil, pod.Labels)
	if err != nil {
		return nil, fmt.Errorf("topology spread on %s: %w", tsc.TopologyKey, err)
	}
	f := &nodeFilter{}
	if tsc.NodeAffinityPolicy == nil || *tsc.NodeAffinityPolicy == corev1.NodeInclusionPolicyHonor {
		f.terms = hardTerms
	}
	if tsc.NodeTaintsPolicy != nil && *tsc.NodeTaintsPolicy == corev1.NodeInclusionPolicyHonor {
		f.taints, f.tolerations = true, tolerations
	}
	var minDomains int32
	if tsc.MinDomains != nil {
		minDomains = *tsc.MinDomains
	}
	var id strings.Builder
	fmt.Fprintf(&id, "spread|%s|%s|%s|%d|%d|", tsc.TopologyKey, pod.Namespace, sel.String(), tsc.MaxSkew, minDomains)
	for _, t := range f.terms {
		id.WriteString(t.canon())
		id.WriteByte('|')
	}
	if f.taints {
		for _, t := range tolerations {
			id.WriteString(t.String())
		}
	}
	g := &group{
		kind: gSpread, kd: s.domains.forKey(tsc.TopologyKey), sel: sel, ns: map[string]bool{pod.Namespace: true},
		maxSkew: tsc.MaxSkew, minDomains: minDomains, filter: f, filterCache: map[int32]bool{},
		desc: fmt.Sprintf("topology spread %s maxSkew=%d %s", tsc.TopologyKey, tsc.MaxSkew, selectorString(sel)),
	}
	if len(f.terms) == 0 && !f.taints {
		g.filter = nil
	} else {
		for _, t := range f.terms {
			f.termSets = append(f.termSets, s.reqs.intern(stripNodeIdentity(t)))
		}
	}
	if g.kd == s.hostKD {
		g.levels = make([]bitset, tsc.MaxSkew+1)
	}
	return s.topo.intern(g, id.String()), nil
}

func selectorString(sel labels.Selector) string {
	if sel.Empty() {
		return "selecting all pods"
	}
	return "selecting " + sel.String()
}

// selectorWithKeys converts a label selector and folds in matchLabelKeys (the incoming pod's
// value must match) and mismatchLabelKeys (must differ), as kube-scheduler does.
func selectorWithKeys(ls *metav1.LabelSelector, matchKeys, mismatchKeys []string, podLabels map[string]string) (labels.Selector, error) {
	if ls == nil {
		// A nil selector matches nothing in spread constraints and affinity terms.
		return labels.Nothing(), nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil {
		return nil, fmt.Errorf("label selector: %w", err)
	}
	for _, k := range matchKeys {
		if v, ok := podLabels[k]; ok {
			r, err := labels.NewRequirement(k, selection.In, []string{v})
			if err != nil {
				return nil, fmt.Errorf("matchLabelKeys %s: %w", k, err)
			}
			sel = sel.Add(*r)
		}
	}
	for _, k := range mismatchKeys {
		if v, ok := podLabels[k]; ok {
			r, err := labels.NewRequirement(k, selection.NotIn, []string{v})
			if err != nil {
				return nil, fmt.Errorf("mismatchLabelKeys %s: %w", k, err)
			}
			sel = sel.Add(*r)
		}
	}
	return sel, nil
}

// buildUniverse decides which domains take part in a spread group's minimum: the domains of
// existing nodes that pass the constraint's node filter, and those NodePools that pass it can
// create.
func (s *solver) buildUniverse(g *group) {
	for _, c := range s.cands {
		if c.kind == candPlanned || !s.filterPasses(g, c) {
			continue
		}
		if d := s.existingDomain(c, g.kd); d >= 0 {
			g.universe = g.universe.set(int(d))
		}
	}
	for _, p := range s.pools {
		if !s.poolPassesFilter(g, p) {
			continue
		}
		if g.kd.key == corev1.LabelHostname {
			g.newNodeMinZero = true
			continue
		}
		var r *req
		if g.filter != nil && len(g.filter.terms) > 0 {
			// Only the first term narrows values; with several ORed terms any value of any
			// term is eligible, so take the union.
			vals := map[string]bool{}
			for _, t := range g.filter.terms {
				for _, v := range s.poolDomains(p, g.kd.key, t.get(g.kd.key)) {
					vals[v] = true
				}
			}
			for v := range vals {
				g.universe = g.universe.set(int(g.kd.intern(v)))
			}
			continue
		}
		for _, v := range s.poolDomains(p, g.kd.key, r) {
			g.universe = g.universe.set(int(g.kd.intern(v)))
		}
	}
}

func (s *solver) poolPassesFilter(g *group, p *pool) bool {
	if len(p.usable) == 0 || p.usable.empty() {
		return false
	}
	if g.filter == nil {
		return true
	}
	if g.filter.taints && untoleratedTaint(p.taints, g.filter.tolerations, false) != nil {
		return false
	}
	if len(g.filter.termSets) == 0 {
		return true
	}
	for _, t := range g.filter.termSets {
		if p.compatibleWith(p.rs, t) == nil {
			return true
		}
	}
	return false
}

// filterPasses reports whether pods on c count for the spread group.
func (s *solver) filterPasses(g *group, c *candidate) bool {
	if g.kind != gSpread || g.filter == nil {
		return true
	}
	f := g.filter
	if c.isPlanned() {
		if v, ok := g.filterCache[c.rs.id]; ok {
			return v
		}
		ok := !f.taints || untoleratedTaint(c.taints, f.tolerations, false) == nil
		if ok && len(f.termSets) > 0 {
			ok = false
			for _, t := range f.termSets {
				if c.pool.compatibleWith(c.rs, t) == nil {
					ok = true
					break
				}
			}
		}
		g.filterCache[c.rs.id] = ok
		return ok
	}
	if f.taints && untoleratedTaint(c.taints, f.tolerations, false) != nil {
		return false
	}
	if len(f.terms) == 0 {
		return true
	}
	for _, t := range f.terms {
		if labelsMatch(c.labels, c.name, t) == nil {
			return true
		}
	}
	return false
}

// stripNodeIdentity drops hostname and node-name requirements, which a NodeClaim planned in
// this run cannot know; they are checked separately.
func stripNodeIdentity(r reqs) reqs {
	out := make(reqs, 0, len(r))
	for _, x := range r {
		if x.key == corev1.LabelHostname || x.key == fieldNodeName {
			continue
		}
		out = append(out, x)
	}
	return out
}

// newNodeIdentityOK reports whether a brand-new node (whose hostname and name nobody can have
// asked for) satisfies the hostname and node-name requirements in r.
func newNodeIdentityOK(r reqs) bool {
	for i := range r {
		x := &r[i]
		if x.key != corev1.LabelHostname && x.key != fieldNodeName {
			continue
		}
		if !x.complement || x.hasGt || x.hasLt {
			return false
		}
	}
	return true
}

// recordPod counts a pod placed on c in every group that selects it and in the inverse groups
// of its own anti-affinity terms.
func (s *solver) recordPod(ls *labelShape, owned []*group, c *candidate) {
	s.groupsOf(ls)
	for _, g := range ls.selecting {
		if !s.filterPasses(g, c) {
			continue
		}
		s.recordIn(g, c, false)
	}
	for _, g := range owned {
		s.recordIn(g, c, true)
	}
}

func (s *solver) recordIn(g *group, c *candidate, owner bool) {
	if !c.isPlanned() || g.kd == s.hostKD {
		d := c.hostDomain
		if !c.isPlanned() {
			d = s.existingDomain(c, g.kd)
		}
		if d >= 0 {
			g.record(d)
			g.total++
			if g.kd == s.hostKD {
				if n := int(g.count(d)); n <= len(g.levels) {
					g.levels[n-1] = g.levels[n-1].set(c.idx)
				}
			}
		}
		return
	}
	doms, absent := s.plannedDomains(c, g.kd)
	if absent {
		return
	}
	g.total++
	if owner || g.kind == gAnti || g.kind == gInverse {
		// Anti-affinity must hold wherever the NodeClaim lands, so block every domain it may
		// still take, as Karpenter does.
		doms.each(func(d int) bool { g.record(int32(d)); return true })
		return
	}
	if doms.count() == 1 {
		g.record(int32(doms.first()))
		return
	}
	c.pending = append(c.pending, pendingRecord{g: g})
}

// flushPending counts pods whose domain on c has just been decided.
func (s *solver) flushPending(c *candidate) {
	// Hostname domains are always decided, so only other keys are ever pending.
	if len(c.pending) == 0 {
		return
	}
	keep := c.pending[:0]
	for _, pr := range c.pending {
		doms, absent := s.plannedDomains(c, pr.g.kd)
		switch {
		case absent:
		case doms.count() == 1:
			pr.g.record(int32(doms.first()))
		default:
			keep = append(keep, pr)
		}
	}
	c.pending = keep
}

// scanMask returns the candidates the pod's hostname anti-affinity and hostname spread rule out
// before any check, or nil.
func (s *solver) scanMask(pi *podInfo, sh *shape, buf bitset) bitset {
	ls := s.groupsOf(pi.ls)
	var mask bitset
	or := func(b bitset) {
		if len(b) == 0 {
			return
		}
		if mask == nil {
			mask = buf[:0]
		}
		for len(mask) < len(b) {
			mask = append(mask, 0)
		}
		for i, w := range b {
			mask[i] |= w
		}
	}
	for _, list := range [2][]*group{sh.antis, ls.inverse} {
		for _, g := range list {
			if len(g.levels) > 0 {
				or(g.levels[0])
			}
		}
	}
	for _, g := range sh.spreads {
		if len(g.levels) == 0 || !g.newNodeMinZero {
			continue
		}
		self := int32(0)
		if selects(g, ls) {
			self = 1
		}
		if t := g.maxSkew - self; t >= 0 && int(t) < len(g.levels) {
			or(g.levels[t])
		}
	}
	return mask
}
