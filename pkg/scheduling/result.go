package scheduling

import (
	"sort"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func (s *solver) result() Result {
	var res Result
	ncIndex := map[*candidate]int{}
	for _, c := range s.cands[s.nExisting:] {
		ncIndex[c] = len(res.NodeClaims)
		res.NodeClaims = append(res.NodeClaims, s.finalize(c))
	}
	res.Placements = make([]Placement, len(s.in.Pods))
	for i, pod := range s.in.Pods {
		res.Placements[i] = Placement{Pod: pod}
	}
	for _, pi := range s.pending {
		pl := &res.Placements[pi.order]
		pl.Relaxed = pi.relaxed
		switch c := pi.cand; {
		case c == nil:
			pl.Explanation = s.explain(pi)
		case c.kind == candExisting:
			pl.Kind, pl.Node = ExistingNode, c.name
		case c.kind == candInFlight:
			pl.Kind, pl.Node = InFlight, c.name
		default:
			pl.Kind, pl.NodeClaim = NewNodeClaim, ncIndex[c]
		}
	}
	return res
}

// finalize turns a planned candidate into a NodeClaim: options sorted by the cheapest offering
// its requirements allow, truncated with minValues kept, and its requirements pinned to them.
func (s *solver) finalize(c *candidate) *NodeClaim {
	p := c.pool
	type priced struct {
		i     int
		price float64
		of    cloudprovider.Offering
	}
	var ps []priced
	f := s.offerFilterOf(c.rs.r)
	unconstrained := f.zones == nil && f.cts == nil && len(p.minValues) == 0
	c.options.each(func(t int) bool {
		if o, ok := cheapestAllowed(p.types[t], f); ok {
			ps = append(ps, priced{i: t, price: o.of.Price, of: o.of})
		}
		// Options are numbered by their cheapest offering; with nothing narrowing the
		// offerings that is the final order, so the first ones are all that is kept.
		return !unconstrained || len(ps) < s.maxTypes
	})
	sort.SliceStable(ps, func(i, j int) bool { return ps[i].price < ps[j].price })
	var kept []int
	offers := map[int]cloudprovider.Offering{}
	if len(p.minValues) == 0 {
		for _, x := range ps[:min(len(ps), s.maxTypes)] {
			kept = append(kept, x.i)
			offers[x.i] = x.of
		}
	} else {
		sorted := make([]int, len(ps))
		for i, x := range ps {
			sorted[i] = x.i
			offers[x.i] = x.of
		}
		kept = s.truncate(p, sorted, c.rs.r, s.maxTypes)
	}
	nc := &NodeClaim{NodePool: p.np.Name, Hostname: c.name, Taints: p.np.Taints, StartupTaints: p.np.StartupTaints, Labels: map[string]string{}}
	names := make([]string, 0, len(kept))
	for _, i := range kept {
		nc.InstanceTypes = append(nc.InstanceTypes, p.types[i].it)
		names = append(names, p.types[i].it.Name)
	}
	podReqs := s.res.zero()
	for _, pi := range c.pods {
		nc.Pods = append(nc.Pods, pi.pod)
		podReqs.add(pi.req)
	}
	nc.PodRequests = s.res.list(podReqs)
	if len(kept) > 0 {
		nc.Offering = offers[kept[0]]
		nc.DaemonSetRequests = s.res.list(p.types[kept[0]].ds)
	}
	r := c.rs.r
	if len(names) > 0 {
		itReq := req{key: corev1.LabelInstanceTypeStable, values: sortedUnique(names), mustExist: true}
		if own := r.get(corev1.LabelInstanceTypeStable); own != nil {
			itReq.minValues = own.minValues
		}
		r = r.with(itReq)
	}
	nc.Requirements = r.export()
	for i := range r {
		if !r[i].complement && len(r[i].values) == 1 {
			nc.Labels[r[i].key] = r[i].values[0]
		}
	}
	return nc
}

// explain builds the Explanation for a pod left unplaced, against the run's final state.
func (s *solver) explain(pi *podInfo) *Explanation {
	sh := s.shapeOf(pi)
	e := &Explanation{Namespace: pi.pod.Namespace, Name: pi.pod.Name, Relaxed: pi.relaxed}
	var nw narrowing
	for _, c := range s.cands[:s.nExisting] {
		r := s.fitExisting(pi, sh, c, &nw, true)
		if r == nil {
			// Only reachable when the pod fits now but did not when it was tried.
			r = &Reason{Kind: ReasonResources, Message: "fits now, but not when the pod was tried"}
		}
		e.Nodes = append(e.Nodes, NodeReason{Node: c.name, Reason: *r})
	}
	e.NodeSummary = summarize(e.Nodes)
	planned := make([]NodeReason, 0, len(s.cands)-s.nExisting)
	for _, c := range s.cands[s.nExisting:] {
		_, r := s.fitPlanned(pi, sh, c, &nw, true, false)
		if r == nil {
			r = &Reason{Kind: ReasonResources, Message: "fits now, but not when the pod was tried"}
		}
		planned = append(planned, NodeReason{Node: c.name, Reason: *r})
	}
	e.PlannedNodeClaims = len(planned)
	e.PlannedSummary = summarize(planned)
	for _, p := range s.pools {
		e.NodePools = append(e.NodePools, NodePoolReason{NodePool: p.np.Name, Reason: *s.explainPool(pi, sh, p)})
	}
	return e
}

// explainPool says why a new NodeClaim of the pool cannot take the pod.
func (s *solver) explainPool(pi *podInfo, sh *shape, p *pool) *Reason {
	if pf := s.poolFit(sh, p); pf.reason != nil {
		return pf.reason
	}
	if p.nodeLimit >= 0 && p.nodes >= p.nodeLimit {
		return &Reason{Kind: ReasonLimits, Resource: "nodes", Message: "limit nodes reached", Fix: "raise the NodePool's node limit"}
	}
	opts := s.withinLimits(p)
	if p.hasLimits {
		// When the types big enough for the pod are all over the limits, the limit is what
		// blocks, whatever else a smaller type would run into.
		fitting := s.filterFits(p, s.poolFit(sh, p).types, pi.req)
		if !fitting.empty() && !fitting.intersects(opts) {
			return s.limitsReason(p, fitting)
		}
	}
	if opts.empty() {
		return s.limitsReason(p, s.poolFit(sh, p).types)
	}
	var nw narrowing
	c := s.freshCandidate(p)
	_, r := s.fitPlanned(pi, sh, c, &nw, true, false)
	if r == nil {
		return &Reason{Kind: ReasonResources, Message: "fits now, but not when the pod was tried"}
	}
	return r
}

func (s *solver) limitsReason(p *pool, types bitset) *Reason {
	smallest := -1
	types.each(func(t int) bool {
		if smallest < 0 || p.types[t].capacity[resCPU] < p.types[smallest].capacity[resCPU] {
			smallest = t
		}
		return true
	})
	for i, lim := range p.limited {
		if !lim {
			continue
		}
		need := int64(0)
		if smallest >= 0 {
			need = p.types[smallest].capacity[i]
		}
		if p.used[i]+need > p.limits[i] {
			used, limit := s.res.quantity(i, p.used[i]), s.res.quantity(i, p.limits[i])
			return &Reason{Kind: ReasonLimits, Resource: s.res.names[i], Used: &used, Limit: &limit,
				Message: "limit " + string(s.res.names[i]) + " reached: " + used.String() + " of " + limit.String() + " used (including in-flight and planned NodeClaims)",
				Fix:     "raise the NodePool's limits." + string(s.res.names[i]) + " or free capacity"}
		}
	}
	return &Reason{Kind: ReasonLimits, Message: "the NodePool's limits leave no instance type that fits", Fix: "raise the NodePool's limits"}
}
