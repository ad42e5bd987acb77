package scheduling

import (
	"fmt"
	"math"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// narrowing collects, during one fit check, the domains each topology key is narrowed to. Its
// buffers are reused from check to check, since the packing loop runs millions of checks.
type narrowing struct {
	keys []*keyDomains
	sets []bitset
	bufs []bitset
}

func (n *narrowing) reset() {
	n.keys = n.keys[:0]
	n.sets = n.sets[:0]
}

func (n *narrowing) get(kd *keyDomains) (bitset, bool) {
	for i, k := range n.keys {
		if k == kd {
			return n.sets[i], true
		}
	}
	return nil, false
}

// buf returns an empty scratch set big enough for the key's domains.
func (n *narrowing) buf(kd *keyDomains) bitset {
	i := len(n.sets)
	for len(n.bufs) <= i {
		n.bufs = append(n.bufs, nil)
	}
	words := (len(kd.names) + 64) / 64
	b := n.bufs[i]
	if cap(b) < words {
		b = make(bitset, words)
	}
	b = b[:words]
	clear(b)
	n.bufs[i] = b
	return b
}

// put records the narrowing of kd to b, a set from buf.
func (n *narrowing) put(kd *keyDomains, b bitset) {
	for i, k := range n.keys {
		if k == kd {
			n.sets[i] = b
			return
		}
	}
	n.keys = append(n.keys, kd)
	n.sets = append(n.sets, b)
}

// fitPlan is what committing a pod to a planned NodeClaim changes.
type fitPlan struct {
	rs   *reqSet
	opts bitset
}

// shapeAllowed is the set of a key's domains the shape's requirements admit, cached per shape.
func (s *solver) shapeAllowed(sh *shape, kd *keyDomains) bitset {
	if sh.allowed == nil {
		sh.allowed = map[int]allowedCache{}
	}
	if a, ok := sh.allowed[kd.id]; ok && a.n == len(kd.names) {
		return a.b
	}
	var r *req
	if len(sh.rawTerms) > 0 {
		r = sh.rawTerms[0].get(kd.key)
	}
	b := kd.allowed(r)
	sh.allowed[kd.id] = allowedCache{b: b, n: len(kd.names)}
	return b
}

type allowedCache struct {
	b bitset
	n int
}

// domainsFor returns the domains of kd that c may still take for this pod: a single domain
// (d >= 0) for nodes, hostnames and pinned NodeClaims, otherwise a set. absent means the node
// does not (or will not) carry the key.
func (s *solver) domainsFor(c *candidate, sh *shape, kd *keyDomains, nw *narrowing) (d int32, set bitset, absent bool) {
	if b, ok := nw.get(kd); ok {
		return -1, b, false
	}
	if !c.isPlanned() {
		d := s.existingDomain(c, kd)
		return d, nil, d < 0
	}
	if kd == s.hostKD {
		return c.hostDomain, nil, false
	}
	b, absent := s.plannedDomains(c, kd)
	if absent {
		return -1, nil, true
	}
	out := nw.buf(kd)
	allowed := s.shapeAllowed(sh, kd)
	for i := range out {
		if i < len(b) && i < len(allowed) {
			out[i] = b[i] & allowed[i]
		}
	}
	return -1, out, false
}

// checkTopology applies the pod's spread, affinity and anti-affinity terms and the running
// pods' anti-affinity to candidate c, narrowing c's domains into nw. It returns the first term
// that cannot be met.
func (s *solver) checkTopology(pi *podInfo, sh *shape, c *candidate, nw *narrowing, explain bool) *Reason {
	ls := s.groupsOf(pi.ls)
	for _, g := range sh.spreads {
		d, D, absent := s.domainsFor(c, sh, g.kd, nw)
		if absent {
			return topoReason(g, "the node has no "+g.kd.key+" label", explain)
		}
		m := g.min()
		self := int32(0)
		if selects(g, ls) {
			self = 1
		}
		if d >= 0 {
			if g.count(d)+self-m > g.maxSkew {
				if !explain {
					return errReason
				}
				return topoReason(g, s.skewDetail(g, bitset(nil).set(int(d)), m), true)
			}
			continue
		}
		best, bestCount := -1, int32(0)
		D.each(func(d int) bool {
			cnt := g.count(int32(d))
			if cnt+self-m <= g.maxSkew && (best < 0 || cnt < bestCount) {
				best, bestCount = d, cnt
			}
			return true
		})
		if best < 0 {
			if !explain {
				return errReason
			}
			return topoReason(g, s.skewDetail(g, D, m), true)
		}
		clear(D)
		D.set(best)
		nw.put(g.kd, D)
	}
	for _, g := range sh.affs {
		d, D, absent := s.domainsFor(c, sh, g.kd, nw)
		if absent {
			return topoReason(g, "the node has no "+g.kd.key+" label", explain)
		}
		bootstrap := g.total == 0 && selects(g, ls)
		fail := func() *Reason {
			detail := "no matching pod runs in its " + g.kd.key
			if g.total == 0 {
				detail = "no pod matching the term runs anywhere yet"
			}
			return topoReason(g, detail, explain)
		}
		if d >= 0 {
			if g.count(d) == 0 && !bootstrap {
				return fail()
			}
			continue
		}
		any := false
		first := -1
		D.each(func(x int) bool {
			if first < 0 {
				first = x
			}
			if g.count(int32(x)) > 0 {
				any = true
			} else {
				D.clear(x)
			}
			return true
		})
		if !any {
			// kube-scheduler lets the first pod of a self-selecting group start anywhere; the
			// NodeClaim is pinned to one domain so the pods that follow can find it.
			if !bootstrap || first < 0 {
				return fail()
			}
			D.set(first)
		}
		nw.put(g.kd, D)
	}
	for _, list := range [2][]*group{sh.antis, ls.inverse} {
		for _, g := range list {
			d, D, absent := s.domainsFor(c, sh, g.kd, nw)
			if absent {
				continue
			}
			if d >= 0 {
				if g.count(d) > 0 {
					return topoReason(g, "a matching pod already runs in its "+g.kd.key, explain)
				}
				continue
			}
			first := -1
			D.each(func(x int) bool {
				if g.count(int32(x)) > 0 {
					D.clear(x)
				} else if first < 0 {
					first = x
				}
				return true
			})
			if first < 0 {
				return topoReason(g, "a matching pod already runs in every "+g.kd.key+" it could use", explain)
			}
			// Pin the NodeClaim to one free domain: left open, the pod would have to block
			// every domain it might land in, and its siblings could not follow in this run.
			clear(D)
			D.set(first)
			nw.put(g.kd, D)
		}
	}
	return nil
}

// errReason is returned on the hot path, where nobody reads the reason.
var errReason = &Reason{Kind: "", Message: "does not fit"}

func topoReason(g *group, detail string, explain bool) *Reason {
	if !explain {
		return errReason
	}
	kind := map[groupKind]ReasonKind{gSpread: ReasonTopology, gAffinity: ReasonAffinity, gAnti: ReasonAntiAffinity, gInverse: ReasonAntiAffinity}[g.kind]
	r := &Reason{Kind: kind, Term: g.desc, Message: fmt.Sprintf("%s: %s", g.desc, detail)}
	switch g.kind {
	case gSpread:
		r.Fix = "add capacity in the less loaded domains, raise maxSkew, or use whenUnsatisfiable: ScheduleAnyway"
	case gAffinity:
		r.Fix = "run a pod the term selects in a reachable domain first, or make the affinity preferred"
	case gAnti:
		r.Fix = "allow more domains (zones, nodes) or make the anti-affinity preferred"
	case gInverse:
		r.Fix = "a running pod's required anti-affinity selects this pod; change its labels or that pod's term"
	}
	return r
}

func (s *solver) skewDetail(g *group, doms bitset, m int32) string {
	var parts []string
	doms.each(func(d int) bool {
		name := fmt.Sprint(d)
		if d < len(g.kd.names) {
			name = g.kd.names[d]
		}
		parts = append(parts, fmt.Sprintf("%s has %d", name, g.count(int32(d))))
		return len(parts) < 6
	})
	return fmt.Sprintf("placing it would exceed maxSkew %d (global minimum %d; %s)", g.maxSkew, m, strings.Join(parts, ", "))
}

// fitExisting checks a pod against an existing node or in-flight NodeClaim.
func (s *solver) fitExisting(pi *podInfo, sh *shape, c *candidate, nw *narrowing, explain bool) *Reason {
	if i := firstShortage(c.used, pi.req, c.alloc); i >= 0 {
		if !explain {
			return errReason
		}
		free := c.alloc[i] - c.used[i]
		req, avail := s.res.quantity(i, pi.req[i]), s.res.quantity(i, max(free, 0))
		return &Reason{Kind: ReasonResources, Resource: s.res.names[i], Requested: &req, Available: &avail,
			Message: fmt.Sprintf("insufficient %s: requested %s, %s free", s.res.names[i], req.String(), avail.String())}
	}
	if r := s.staticExisting(sh, c, explain); r != nil {
		return r
	}
	if len(sh.base.ports) > 0 {
		if p, bad := portConflict(c.ports, sh.base.ports); bad {
			return &Reason{Kind: ReasonHostPort, Message: fmt.Sprintf("host port %s/%d is in use", p.protocol, p.port)}
		}
	}
	if sh.topo || len(s.groupsOf(pi.ls).inverse) > 0 {
		nw.reset()
		return s.checkTopology(pi, sh, c, nw, explain)
	}
	return nil
}

// firstShortage returns the first resource the pod requests more of than is free, or -1.
func firstShortage(used, req, alloc resVec) int {
	for i, x := range req {
		if x > 0 && used[i]+x > alloc[i] {
			return i
		}
	}
	return -1
}

// staticExisting is the part of the existing-node check that does not change during a run, so
// it is cached per shape and node.
func (s *solver) staticExisting(sh *shape, c *candidate, explain bool) *Reason {
	if sh.nodeOK == nil {
		sh.nodeOK = make([]int8, s.nExisting)
	}
	if sh.nodeOK[c.idx] == 1 {
		return nil
	}
	if sh.nodeOK[c.idx] == 2 && !explain {
		return errReason
	}
	r := s.staticExistingReason(sh, c)
	if r == nil {
		sh.nodeOK[c.idx] = 1
	} else {
		sh.nodeOK[c.idx] = 2
	}
	return r
}

func (s *solver) staticExistingReason(sh *shape, c *candidate) *Reason {
	b := sh.base
	if b.problem != "" {
		return &Reason{Kind: ReasonVolume, Message: b.problem}
	}
	if c.unschedulable {
		unsched := corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}
		if !tolerates(b.tolerations, &unsched) {
			return &Reason{Kind: ReasonUnschedulable, Message: "node is cordoned (unschedulable)"}
		}
	}
	if t := untoleratedTaint(c.taints, b.tolerations, sh.pnsBlock); t != nil {
		return &Reason{Kind: ReasonTaint, Taint: t.DeepCopy(), Message: "taint " + taintString(t) + " not tolerated",
			Fix: "add a toleration for " + taintString(t)}
	}
	if len(sh.rawTerms) == 0 {
		return &Reason{Kind: ReasonRequirement, Message: "required node affinity has no term that can match"}
	}
	var first *conflict
	for _, t := range sh.rawTerms {
		cf := labelsMatch(c.labels, c.name, t)
		if cf == nil {
			return nil
		}
		if first == nil {
			first = cf
		}
	}
	return s.conflictReason(first, b, "node")
}

// fitPlanned checks a pod against a NodeClaim planned in this run (or a fresh one), returning
// how the NodeClaim would change.
//
// With free set, the pod must fit on the NodeClaim's current cheapest instance type, so adding
// it does not make the NodeClaim dearer.
func (s *solver) fitPlanned(pi *podInfo, sh *shape, c *candidate, nw *narrowing, explain, free bool) (fitPlan, *Reason) {
	p := c.pool
	if !explain && !fitsWith(c.used, pi.req, c.head) {
		return fitPlan{}, errReason
	}
	pf := s.poolFit(sh, p)
	if pf.reason != nil {
		return fitPlan{}, pf.reason
	}
	if len(sh.base.ports) > 0 {
		if hp, bad := portConflict(c.ports, sh.base.ports); bad {
			return fitPlan{}, &Reason{Kind: ReasonHostPort, Message: fmt.Sprintf("host port %s/%d is in use", hp.protocol, hp.port)}
		}
	}
	nw.reset()
	if sh.topo || len(s.groupsOf(pi.ls).inverse) > 0 {
		if r := s.checkTopology(pi, sh, c, nw, explain); r != nil {
			return fitPlan{}, r
		}
	}
	if cf := p.compatibleWith(c.rs, pf.podRS); cf != nil {
		if !explain {
			return fitPlan{}, errReason
		}
		return fitPlan{}, s.conflictReason(cf, sh.base, "nodeclaim")
	}
	merged := s.reqs.merge(c.rs, pf.podRS)
	for i, kd := range nw.keys {
		if kd.key == corev1.LabelHostname {
			continue
		}
		// Even when the instance types already imply the domain, writing it into the
		// requirements makes the NodeClaim say where it must launch.
		merged = s.reqs.merge(merged, s.domainReq(kd, nw.sets[i]))
	}
	opts := c.options
	if merged != c.rs {
		opts = c.options.and(s.compat(p, merged))
	}
	found := false
	if free {
		t0 := c.options.first()
		found = t0 >= 0 && opts.has(t0) && fitsWith(c.used, pi.req, p.types[t0].room)
	} else {
		opts.eachDesc(func(t int) bool {
			found = fitsWith(c.used, pi.req, p.types[t].room)
			return !found
		})
	}
	if found && !free && !explain && c.idx >= 0 && pi.newCost < math.Inf(1) {
		// Growing the NodeClaim must not cost more than a node of its own would: with
		// uneven prices (real catalogs) first fit would otherwise grow NodeClaims into the
		// largest, dearest instance types.
		cur := p.types[c.options.first()].minPrice
		opts.each(func(t int) bool {
			if !fitsWith(c.used, pi.req, p.types[t].room) {
				return true
			}
			found = p.types[t].minPrice-cur <= pi.newCost*(1+1e-9)
			return false
		})
	}
	if !found {
		if !explain {
			return fitPlan{}, errReason
		}
		if opts.empty() {
			return fitPlan{}, s.noTypeReason(p, merged, sh.base)
		}
		return fitPlan{}, s.resourceReason(p, opts, c.used.plus(pi.req))
	}
	plan := fitPlan{rs: merged, opts: opts}
	if len(p.minValues) > 0 {
		need := c.used.plus(pi.req)
		kept := s.filterFits(p, opts, need)
		if key, have, want, ok := s.minValuesOK(p, kept, merged.r); !ok {
			if !explain {
				return fitPlan{}, errReason
			}
			return fitPlan{}, &Reason{Kind: ReasonMinValues, Key: key,
				Message: fmt.Sprintf("only %d distinct %s values would remain, minValues is %d", have, key, want),
				Fix:     fmt.Sprintf("lower minValues on %s or allow more instance types", key)}
		}
	}
	return plan, nil
}

func fitsWith(used, req, room resVec) bool {
	for i, x := range req {
		if x > 0 && used[i]+x > room[i] {
			return false
		}
	}
	return true
}

func equalBits(a, b bitset) bool {
	n := max(len(a), len(b))
	for i := 0; i < n; i++ {
		var x, y uint64
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return false
		}
	}
	return true
}

// domainReq interns "key In [domains]" for narrowing a NodeClaim to topology domains.
func (s *solver) domainReq(kd *keyDomains, b bitset) *reqSet {
	k := domainReqKey{key: kd.id}
	if len(b) <= 1 {
		if len(b) == 1 {
			k.word = b[0]
		}
		if rs, ok := s.domainReqs[k]; ok {
			return rs
		}
	}
	rs := s.reqs.intern(reqs{{key: kd.key, values: sortedUnique(kd.namesOf(b)), mustExist: true}})
	if len(b) <= 1 {
		s.domainReqs[k] = rs
	}
	return rs
}

type domainReqKey struct {
	key  int
	word uint64
}

// filterFits keeps the options with room for need.
func (s *solver) filterFits(p *pool, opts bitset, need resVec) bitset {
	out := newBitset(len(p.types))
	opts.each(func(t int) bool {
		if need.fitsIn(p.types[t].room) {
			out = out.set(t)
		}
		return true
	})
	return out
}
