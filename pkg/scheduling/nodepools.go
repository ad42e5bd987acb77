package scheduling

import (
	"fmt"
	"sort"

	corev1 "k8s.io/api/core/v1"
)

type minValue struct {
	key string
	n   int
}

// pool is a NodePool prepared for one solve: its requirements interned, its instance types
// numbered by price and its limits as vectors.
type pool struct {
	np            *NodePool
	idx           int
	rs            *reqSet
	labels        map[string]string
	taints        []corev1.Taint
	types         []*typeInfo
	usable        bitset
	typeLabelKeys map[string]bool
	compat        map[int32]bitset
	compatible    map[[2]int32]*conflict
	minValues     []minValue

	hasLimits bool
	limited   []bool
	limits    resVec
	// used is the capacity the pool owns plus what this run reserved for its planned NodeClaims.
	used      resVec
	nodeLimit int64 // -1: none
	nodes     int64
	// maxBudget is the most any pending pod whose first choice is this pool will pay to grow
	// a NodeClaim (+Inf when unknown).
	maxBudget float64
}

var noConflict = &conflict{}

func (p *pool) allowUndefined(key string) bool { return wellKnownLabels[key] || p.typeLabelKeys[key] }

// compatibleWith caches Karpenter's Compatible(node side, pod side) for this pool.
func (p *pool) compatibleWith(node, pod *reqSet) *conflict {
	k := [2]int32{node.id, pod.id}
	if c, ok := p.compatible[k]; ok {
		if c == noConflict {
			return nil
		}
		return c
	}
	c := compatible(node.r, pod.r, p.allowUndefined)
	if c == nil {
		p.compatible[k] = noConflict
	} else {
		p.compatible[k] = c
	}
	return c
}

func (s *solver) buildPools() error {
	pools := make([]*pool, 0, len(s.in.NodePools))
	for i := range s.in.NodePools {
		np := &s.in.NodePools[i]
		r, err := compileRequirements(np.Requirements)
		if err != nil {
			return fmt.Errorf("nodepool %s: %w", np.Name, err)
		}
		labels := map[string]string{LabelNodePool: np.Name}
		for k, v := range np.Labels {
			labels[k] = v
		}
		r = r.merge(labelReqs(labels))
		p := &pool{
			np: np, rs: s.reqs.intern(r), labels: labels, taints: np.Taints,
			typeLabelKeys: map[string]bool{}, compat: map[int32]bitset{}, compatible: map[[2]int32]*conflict{},
			nodeLimit: -1,
		}
		for _, rq := range np.Requirements {
			if rq.MinValues != nil && *rq.MinValues > 0 {
				p.minValues = append(p.minValues, minValue{key: rq.Key, n: *rq.MinValues})
			}
		}
		pools = append(pools, p)
	}
	// Highest weight first; the name breaks ties so the outcome does not depend on input order.
	sort.SliceStable(pools, func(i, j int) bool {
		if pools[i].np.Weight != pools[j].np.Weight {
			return pools[i].np.Weight > pools[j].np.Weight
		}
		return pools[i].np.Name < pools[j].np.Name
	})
	for i, p := range pools {
		p.idx = i
		s.poolByName[p.np.Name] = p
	}
	s.pools = pools
	return nil
}

// prepareLimits runs after nodes are known, since usage may be derived from them.
func (s *solver) prepareLimits(p *pool) {
	p.limited = make([]bool, s.res.len())
	p.limits = s.res.zero()
	for n, q := range p.np.Limits {
		if n == "nodes" {
			p.nodeLimit = q.Value()
			p.hasLimits = true
			continue
		}
		if i, ok := s.res.index[n]; ok {
			p.limited[i] = true
			p.limits[i] = quantityValue(n, q)
			p.hasLimits = true
		}
	}
	if p.np.Usage != nil {
		p.used = s.res.vec(p.np.Usage)
		if q, ok := p.np.Usage["nodes"]; ok {
			p.nodes = q.Value()
		}
		return
	}
	p.used = s.res.zero()
	for _, c := range s.cands {
		if c.kind == candPlanned || c.poolName != p.np.Name {
			continue
		}
		p.used.add(c.capacity)
		p.nodes++
	}
}

// withinLimits returns the pool's types whose capacity still fits under its limits.
func (s *solver) withinLimits(p *pool) bitset {
	if !p.hasLimits {
		return p.usable
	}
	b := newBitset(len(p.types))
	if p.nodeLimit >= 0 && p.nodes >= p.nodeLimit {
		return b
	}
	p.usable.each(func(i int) bool {
		if s.limitExceeded(p, p.types[i].capacity) < 0 {
			b = b.set(i)
		}
		return true
	})
	return b
}

// limitExceeded returns the first limited resource that capacity would push over the limit.
func (s *solver) limitExceeded(p *pool, capacity resVec) int {
	for i, lim := range p.limited {
		if lim && p.used[i]+capacity[i] > p.limits[i] {
			return i
		}
	}
	return -1
}

// reservation is what a planned NodeClaim holds against its pool's limits: the largest
// capacity among the options it would launch as.
func (s *solver) reservation(p *pool, opts bitset) resVec {
	// Only the cheapest maxTypes options survive truncation into the NodeClaim, so only they can
	// launch; reserving the largest of every compatible type would let a handful of small
	// NodeClaims exhaust a limit that the nodes actually launched are far from.
	r := s.res.zero()
	kept := 0
	opts.each(func(i int) bool {
		r.maxWith(p.types[i].capacity)
		kept++
		return kept < s.maxTypes
	})
	return r
}

// poolDomains lists the values of key a node of the pool can have, narrowed by r: template
// labels, requirement values, instance-type labels and offerings. Nil means the pool's nodes
// do not carry the key (or, for hostname, that every new node is its own domain).
func (s *solver) poolDomains(p *pool, key string, r *req) []string {
	var vals []string
	seen := map[string]bool{}
	addv := func(v string) {
		if !seen[v] && (r == nil || r.has(v)) {
			seen[v] = true
			vals = append(vals, v)
		}
	}
	own := p.rs.r.get(key)
	switch {
	case key == corev1.LabelTopologyZone || key == LabelCapacityType:
		p.usable.each(func(i int) bool {
			for _, o := range p.types[i].offers {
				v := o.of.Zone
				if key == LabelCapacityType {
					v = o.of.CapacityType
				}
				if own == nil || own.has(v) {
					addv(v)
				}
			}
			return true
		})
	case p.labels[key] != "":
		addv(p.labels[key])
	case instanceTypeLabels[key] || p.typeLabelKeys[key]:
		p.usable.each(func(i int) bool {
			if v, ok := p.types[i].it.Labels[key]; ok {
				addv(v)
			}
			return true
		})
	case own != nil && !own.complement:
		for _, v := range own.values {
			addv(v)
		}
	}
	sort.Strings(vals)
	return vals
}
