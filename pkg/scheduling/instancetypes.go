package scheduling

import (
	"math"
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// offer is an available offering with its zone and capacity type numbered.
type offer struct {
	zone, ct int32
	of       cloudprovider.Offering
}

// typeInfo is one instance type as one NodePool sees it.
type typeInfo struct {
	it       *cloudprovider.InstanceType
	alloc    resVec
	capacity resVec
	// ds is the overhead of the DaemonSets that would land on this type in this pool; room is
	// what is left for pending pods.
	ds       resVec
	room     resVec
	offers   []offer
	minPrice float64
}

// labelOK reports whether the type's labels satisfy rs. Keys the type does not define are left
// to the NodePool (its template labels), except the instance-type facts, which a type without
// them lacks.
func (p *pool) labelOK(t *typeInfo, rs reqs) bool {
	for i := range rs {
		r := &rs[i]
		switch r.key {
		case corev1.LabelTopologyZone, LabelCapacityType:
			continue
		}
		if v, ok := t.it.Labels[r.key]; ok {
			if !r.has(v) {
				return false
			}
		} else if instanceTypeLabels[r.key] || p.typeLabelKeys[r.key] {
			if !r.absentOK() {
				return false
			}
		}
	}
	return true
}

// offerOK reports whether the type has an available offering in the zones and capacity types rs
// allows.
func (s *solver) offerOK(t *typeInfo, rs reqs) bool {
	_, ok := s.cheapestOffer(t, rs)
	return ok
}

func (s *solver) cheapestOffer(t *typeInfo, rs reqs) (offer, bool) {
	return cheapestAllowed(t, s.offerFilterOf(rs))
}

func cheapestAllowed(t *typeInfo, f offerFilter) (offer, bool) {
	best, found := offer{}, false
	for _, o := range t.offers {
		if !f.allows(o) {
			continue
		}
		if !found || o.of.Price < best.of.Price {
			best, found = o, true
		}
	}
	return best, found
}

// offerFilter is the zones and capacity types a requirement set allows, as domain sets, so
// offerings are matched by integer instead of by string.
type offerFilter struct {
	zones, cts bitset // nil: any
}

func (f offerFilter) allows(o offer) bool {
	return (f.zones == nil || f.zones.has(int(o.zone))) && (f.cts == nil || f.cts.has(int(o.ct)))
}

func (s *solver) offerFilterOf(rs reqs) offerFilter {
	zr, cr := rs.get(corev1.LabelTopologyZone), rs.get(LabelCapacityType)
	if zr == nil && cr == nil {
		return offerFilter{}
	}
	var f offerFilter
	// Offering zones and capacity types were all numbered when the types were built, so the
	// sets cover every value an offering can have.
	if zr != nil {
		f.zones = s.domains.forKey(corev1.LabelTopologyZone).allowed(zr)
	}
	if cr != nil {
		f.cts = s.domains.forKey(LabelCapacityType).allowed(cr)
	}
	return f
}

// compat returns the pool's types whose labels and offerings satisfy rs. Cached per set: a run
// sees few distinct requirement sets but asks about them for every pod.
func (s *solver) compat(p *pool, rs *reqSet) bitset {
	if b, ok := p.compat[rs.id]; ok {
		return b
	}
	b := newBitset(len(p.types))
	f := s.offerFilterOf(rs.r)
	p.usable.each(func(i int) bool {
		t := p.types[i]
		if p.labelOK(t, rs.r) {
			if _, ok := cheapestAllowed(t, f); ok {
				b = b.set(i)
			}
		}
		return true
	})
	p.compat[rs.id] = b
	return b
}

// buildTypes numbers the pool's instance types by the price of their cheapest available
// offering, so "cheapest option" is the lowest set bit and the largest are found walking down.
func (s *solver) buildTypes(p *pool) {
	zones, cts := s.domains.forKey(corev1.LabelTopologyZone), s.domains.forKey(LabelCapacityType)
	for _, it := range p.np.InstanceTypes {
		if it == nil {
			continue
		}
		t := &typeInfo{it: it, alloc: s.res.vec(it.Allocatable), capacity: s.res.vec(it.Capacity), minPrice: math.Inf(1)}
		if len(it.Capacity) == 0 {
			t.capacity = t.alloc
		}
		for _, of := range it.Offerings {
			if !of.Available {
				continue
			}
			t.offers = append(t.offers, offer{zone: zones.intern(of.Zone), ct: cts.intern(of.CapacityType), of: of})
			t.minPrice = math.Min(t.minPrice, of.Price)
		}
		for k := range it.Labels {
			p.typeLabelKeys[k] = true
		}
		p.types = append(p.types, t)
	}
	sort.SliceStable(p.types, func(i, j int) bool {
		if p.types[i].minPrice != p.types[j].minPrice {
			return p.types[i].minPrice < p.types[j].minPrice
		}
		return p.types[i].it.Name < p.types[j].it.Name
	})
	p.usable = newBitset(len(p.types))
	for i, t := range p.types {
		t.ds = s.daemonOverhead(p, t)
		t.room = t.alloc.clone()
		t.room.sub(t.ds)
		if len(t.offers) > 0 && p.labelOK(t, p.rs.r) && s.offerOK(t, p.rs.r) {
			p.usable = p.usable.set(i)
		}
	}
}

// minValuesOK checks the pool's minValues against a set of options; it returns the first key
// that has too few distinct values.
func (s *solver) minValuesOK(p *pool, opts bitset, rs reqs) (key string, have, want int, ok bool) {
	for _, mv := range p.minValues {
		n := s.distinctValues(p, opts, rs, mv.key)
		if n < mv.n {
			return mv.key, n, mv.n, false
		}
	}
	return "", 0, 0, true
}

func (s *solver) distinctValues(p *pool, opts bitset, rs reqs, key string) int {
	seen := map[string]bool{}
	zr, cr := rs.get(corev1.LabelTopologyZone), rs.get(LabelCapacityType)
	opts.each(func(i int) bool {
		t := p.types[i]
		switch key {
		case corev1.LabelTopologyZone, LabelCapacityType:
			for _, o := range t.offers {
				if (zr == nil || zr.has(o.of.Zone)) && (cr == nil || cr.has(o.of.CapacityType)) {
					if key == corev1.LabelTopologyZone {
						seen[o.of.Zone] = true
					} else {
						seen[o.of.CapacityType] = true
					}
				}
			}
		case corev1.LabelInstanceTypeStable:
			seen[t.it.Name] = true
		default:
			if v, ok := t.it.Labels[key]; ok {
				seen[v] = true
			}
		}
		return true
	})
	return len(seen)
}

// truncate keeps at most n of the options sorted by price, making sure minValues survive: for
// every minValues key, the cheapest type of each still-missing value is kept first.
func (s *solver) truncate(p *pool, sorted []int, rs reqs, n int) []int {
	if len(sorted) <= n {
		return sorted
	}
	keep := map[int]bool{}
	for _, mv := range p.minValues {
		seen := map[string]bool{}
		for _, i := range sorted {
			if keep[i] {
				for _, v := range s.typeValues(p.types[i], mv.key, rs) {
					seen[v] = true
				}
			}
		}
		for _, i := range sorted {
			if len(seen) >= mv.n || len(keep) >= n {
				break
			}
			added := false
			for _, v := range s.typeValues(p.types[i], mv.key, rs) {
				if !seen[v] {
					seen[v], added = true, true
				}
			}
			if added {
				keep[i] = true
			}
		}
	}
	for _, i := range sorted {
		if len(keep) >= n {
			break
		}
		keep[i] = true
	}
	out := make([]int, 0, n)
	for _, i := range sorted {
		if keep[i] {
			out = append(out, i)
		}
	}
	return out
}

func (s *solver) typeValues(t *typeInfo, key string, rs reqs) []string {
	switch key {
	case corev1.LabelInstanceTypeStable:
		return []string{t.it.Name}
	case corev1.LabelTopologyZone, LabelCapacityType:
		zr, cr := rs.get(corev1.LabelTopologyZone), rs.get(LabelCapacityType)
		var out []string
		for _, o := range t.offers {
			if (zr == nil || zr.has(o.of.Zone)) && (cr == nil || cr.has(o.of.CapacityType)) {
				if key == corev1.LabelTopologyZone {
					out = append(out, o.of.Zone)
				} else {
					out = append(out, o.of.CapacityType)
				}
			}
		}
		return out
	}
	if v, ok := t.it.Labels[key]; ok {
		return []string{v}
	}
	return nil
}
