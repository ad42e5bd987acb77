package scheduling

import (
	"fmt"
	"math"
	"math/bits"
	"sort"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// solver holds one run's state. It is single-use: Solve builds one, packs, and throws it away.
type solver struct {
	in         *Input
	res        *resourceIndex
	reqs       *reqInterner
	domains    *domainRegistry
	topo       *topology
	pools      []*pool
	poolByName map[string]*pool
	daemonSets []*daemonSet

	// cands holds existing nodes and in-flight NodeClaims first (nExisting of them), then the
	// NodeClaims planned in this run in creation order: the first-fit order.
	cands     []*candidate
	nExisting int
	// free mirrors each candidate's spare cpu, memory and pod slots (for planned NodeClaims:
	// the most any remaining option leaves), so the scan rejects most candidates from three
	// contiguous arrays without touching the candidate.
	freeCPU, freeMem, freePods []int64
	// cheap* is the room left on a planned NodeClaim's cheapest remaining instance type (for
	// existing nodes the same as free*): a pod that fits there costs nothing extra.
	cheapCPU, cheapMem, cheapPods []int64
	headCPU, headMem              []int64
	poolHead                      []resVec
	mask                          bitset

	pvcs           map[string]*corev1.PersistentVolumeClaim
	pvs            map[string]*corev1.PersistentVolume
	storageClasses map[string]*storagev1.StorageClass

	bases       map[string]*podBase
	shapes      map[string]*shape
	labelShapes map[string]*labelShape
	domainReqs  map[domainReqKey]*reqSet
	hostKD      *keyDomains

	anyPreferNoSchedule bool
	maxTypes            int
	memPerCPU           float64
	perCPU, perByte     float64 // the cheapest price per allocatable vCPU and per byte
	nw                  narrowing
	pending             []*podInfo
	requests            map[*corev1.Pod]corev1.ResourceList
}

func newSolver(in *Input) (*solver, error) {
	s := &solver{
		in: in, res: newResourceIndex(), reqs: newReqInterner(), domains: newDomainRegistry(), topo: newTopology(),
		poolByName: map[string]*pool{}, pvcs: map[string]*corev1.PersistentVolumeClaim{},
		pvs: map[string]*corev1.PersistentVolume{}, storageClasses: map[string]*storagev1.StorageClass{},
		bases: map[string]*podBase{}, shapes: map[string]*shape{}, labelShapes: map[string]*labelShape{},
		domainReqs: map[domainReqKey]*reqSet{}, maxTypes: in.MaxInstanceTypes, requests: map[*corev1.Pod]corev1.ResourceList{},
	}
	if s.maxTypes <= 0 {
		s.maxTypes = DefaultMaxInstanceTypes
	}
	s.hostKD = s.domains.forKey(corev1.LabelHostname)
	s.registerResources()
	for _, c := range in.PersistentVolumeClaims {
		if c != nil {
			s.pvcs[c.Namespace+"/"+c.Name] = c
		}
	}
	for _, v := range in.PersistentVolumes {
		if v != nil {
			s.pvs[v.Name] = v
		}
	}
	for _, sc := range in.StorageClasses {
		if sc != nil {
			s.storageClasses[sc.Name] = sc
		}
	}
	if err := s.buildPools(); err != nil {
		return nil, err
	}
	if err := s.buildDaemonSets(); err != nil {
		return nil, err
	}
	for _, p := range s.pools {
		s.buildTypes(p)
		s.anyPreferNoSchedule = s.anyPreferNoSchedule || hasPreferNoSchedule(p.taints)
	}
	for _, n := range in.Nodes {
		if err := s.addExisting(n); err != nil {
			return nil, err
		}
	}
	for _, nc := range in.InFlight {
		if err := s.addInFlight(nc); err != nil {
			return nil, err
		}
	}
	s.nExisting = len(s.cands)
	for _, c := range s.cands {
		s.anyPreferNoSchedule = s.anyPreferNoSchedule || hasPreferNoSchedule(c.taints)
		s.trackFree(c)
	}
	s.poolHead = make([]resVec, len(s.pools))
	s.memPerCPU = s.exchangeRate()
	for _, p := range s.pools {
		s.prepareLimits(p)
	}
	return s, nil
}

// registerResources numbers every resource name any input mentions before vectors are built.
func (s *solver) registerResources() {
	for _, p := range s.in.Pods {
		if p != nil {
			s.res.addList(s.requestsOf(p))
		}
	}
	for _, n := range s.in.Nodes {
		if n.Node != nil {
			s.res.addList(n.Node.Status.Allocatable)
		}
		for _, p := range n.Pods {
			if p != nil {
				s.res.addList(s.requestsOf(p))
			}
		}
	}
	for _, nc := range s.in.InFlight {
		s.res.addList(nc.Allocatable)
		s.res.addList(nc.Capacity)
	}
	for _, ds := range s.in.DaemonSets {
		if ds != nil {
			s.res.addList(podRequests(&corev1.Pod{Spec: ds.Spec.Template.Spec}))
		}
	}
	for _, np := range s.in.NodePools {
		s.res.addList(np.Limits)
		for _, it := range np.InstanceTypes {
			if it != nil {
				s.res.addList(it.Allocatable)
			}
		}
	}
	delete(s.res.index, "nodes")
}

// requestsOf computes a pod's effective requests once per solve: resources are registered in
// one pass and vectors built in another.
func (s *solver) requestsOf(p *corev1.Pod) corev1.ResourceList {
	if r, ok := s.requests[p]; ok {
		return r
	}
	r := podRequests(p)
	s.requests[p] = r
	return r
}

// existingPod prepares a pod that is already bound (or nominated): its requests, labels and
// the anti-affinity it imposes on pods that come later.
func (s *solver) existingPod(pod *corev1.Pod) (*podInfo, error) {
	pi := &podInfo{pod: pod, req: s.res.vec(s.requestsOf(pod)), ls: s.labelShapeOf(pod)}
	inv, err := s.inverseGroupsOf(pod)
	if err != nil {
		return nil, fmt.Errorf("pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	pi.base = &podBase{inverse: inv}
	return pi, nil
}

// preparePending builds the pending pods and every topology group, then counts the pods that
// already run.
func (s *solver) preparePending(pods []*corev1.Pod) {
	for i, pod := range pods {
		if pod == nil {
			continue
		}
		pi := &podInfo{pod: pod, order: i, req: s.res.vec(s.requestsOf(pod)), ls: s.labelShapeOf(pod), base: s.baseOf(pod)}
		pi.prefs = fullPrefs(pi.base)
		s.pending = append(s.pending, pi)
	}
	for _, g := range s.topo.groups {
		if g.kind == gSpread {
			s.buildUniverse(g)
		}
	}
	for _, c := range s.cands {
		for _, pi := range c.pods {
			s.recordPod(pi.ls, pi.base.inverse, c)
		}
	}
}

func (s *solver) trackFree(c *candidate) {
	for len(s.freeCPU) <= c.idx {
		s.freeCPU = append(s.freeCPU, 0)
		s.freeMem = append(s.freeMem, 0)
		s.freePods = append(s.freePods, 0)
		s.cheapCPU = append(s.cheapCPU, 0)
		s.cheapMem = append(s.cheapMem, 0)
		s.cheapPods = append(s.cheapPods, 0)
		s.headCPU = append(s.headCPU, 0)
		s.headMem = append(s.headMem, 0)
	}
	if c.isPlanned() {
		s.setHead(c)
		return
	}
	s.freeCPU[c.idx] = c.alloc[resCPU] - c.used[resCPU]
	s.freeMem[c.idx] = c.alloc[resMemory] - c.used[resMemory]
	s.freePods[c.idx] = c.alloc[resPods] - c.used[resPods]
	s.cheapCPU[c.idx], s.cheapMem[c.idx], s.cheapPods[c.idx] = s.freeCPU[c.idx], s.freeMem[c.idx], s.freePods[c.idx]
}

// Solve places the pending pods: first-fit decreasing (cpu, then memory) onto existing nodes and
// in-flight NodeClaims, then onto NodeClaims planned in this run, then onto a new NodeClaim from
// the highest-weight NodePool that can take the pod. Pods that fit nowhere have their
// preferences relaxed one at a time and are retried after the others; what is still left gets
// an Explanation. The error reports malformed NodePools or running pods, never a pod that does
// not fit.
func Solve(in Input) (Result, error) {
	s, err := newSolver(&in)
	if err != nil {
		return Result{}, fmt.Errorf("preparing the simulation: %w", err)
	}
	s.preparePending(in.Pods)
	queue := append([]*podInfo(nil), s.pending...)
	sort.SliceStable(queue, func(i, j int) bool {
		a, b := queue[i], queue[j]
		// Pods that need a node of their own (required hostname anti-affinity) go first: each
		// opens a NodeClaim that the pods after it fill, instead of opening one at the end
		// that nothing is left to fill.
		if x, y := ownsNode(a), ownsNode(b); x != y {
			return x
		}
		if da, db := s.dominant(a), s.dominant(b); da != db {
			return da > db
		}
		if a.req[resCPU] != b.req[resCPU] {
			return a.req[resCPU] > b.req[resCPU]
		}
		if a.req[resMemory] != b.req[resMemory] {
			return a.req[resMemory] > b.req[resMemory]
		}
		return a.order < b.order
	})
	for _, pi := range queue {
		pi.shape = s.shapeOf(pi)
		var p *pool
		if pi.newCost, p = s.newNodeCost(pi, pi.shape); p != nil {
			p.maxBudget = math.Max(p.maxBudget, pi.newCost)
		}
	}
	for _, p := range s.pools {
		if p.maxBudget == 0 {
			p.maxBudget = math.Inf(1)
		}
	}
	s.run(s.interleave(queue))
	return s.result(), nil
}

// interleave keeps the decreasing order within cpu-heavy and within memory-heavy pods but
// merges the two so the pods placed so far stay balanced: the NodeClaims that fill first then
// use their cpu and their memory alike, instead of the first ones running out of one and the
// last ones out of the other.
func (s *solver) interleave(queue []*podInfo) []*podInfo {
	out := make([]*podInfo, 0, len(queue))
	var cpuHeavy, memHeavy []*podInfo
	flush := func() {
		var cpu, mem float64
		i, j := 0, 0
		for i < len(cpuHeavy) || j < len(memHeavy) {
			takeCPU := j >= len(memHeavy) || (i < len(cpuHeavy) && cpu <= mem)
			var pi *podInfo
			if takeCPU {
				pi, i = cpuHeavy[i], i+1
			} else {
				pi, j = memHeavy[j], j+1
			}
			cpu += float64(pi.req[resCPU]) / 1000
			mem += float64(pi.req[resMemory]) / s.memPerCPU
			out = append(out, pi)
		}
		cpuHeavy, memHeavy = cpuHeavy[:0], memHeavy[:0]
	}
	for i, pi := range queue {
		// Pods that own a node keep their place at the front.
		if i > 0 && ownsNode(queue[i-1]) != ownsNode(pi) {
			flush()
		}
		if float64(pi.req[resCPU])/1000 >= float64(pi.req[resMemory])/s.memPerCPU {
			cpuHeavy = append(cpuHeavy, pi)
		} else {
			memHeavy = append(memHeavy, pi)
		}
	}
	flush()
	return out
}

// run is Karpenter's queue: a pod that fails is relaxed (if it can be) and goes to the back;
// the run stops when every pod left has failed since the last placement.
func (s *solver) run(queue []*podInfo) {
	failedAt := map[*podInfo]int{}
	for len(queue) > 0 {
		pi := queue[0]
		if n, ok := failedAt[pi]; ok && n == len(queue) {
			return
		}
		queue = queue[1:]
		if s.place(pi) {
			continue
		}
		if what, ok := s.relax(pi); ok {
			pi.relaxed = append(pi.relaxed, what)
			pi.shape = nil
			clear(failedAt)
		} else {
			failedAt[pi] = len(queue) + 1
		}
		queue = append(queue, pi)
	}
}

// place tries, in order: existing nodes and planned NodeClaims the pod fits without making
// them dearer (first fit); planned NodeClaims that can grow to a bigger instance type (first
// fit); a new NodeClaim from each NodePool by weight. Candidates the pod's hostname
// anti-affinity or spread rules out are skipped by mask.
func (s *solver) place(pi *podInfo) bool {
	if pi.shape == nil {
		pi.shape = s.shapeOf(pi)
		pi.newCost, _ = s.newNodeCost(pi, pi.shape)
	}
	sh := pi.shape
	s.mask = s.scanMask(pi, sh, s.mask)
	mask := s.mask
	cpu, mem, pods := pi.req[resCPU], pi.req[resMemory], pi.req[resPods]
	placed := false
	s.eachCandidate(0, mask, func(idx int) bool {
		if cpu > s.cheapCPU[idx] || mem > s.cheapMem[idx] || pods > s.cheapPods[idx] {
			return true
		}
		c := s.cands[idx]
		if !c.isPlanned() {
			if s.fitExisting(pi, sh, c, &s.nw, false) == nil {
				s.commitExisting(pi, c)
				placed = true
			}
			return !placed
		}
		if plan, r := s.fitPlanned(pi, sh, c, &s.nw, false, true); r == nil {
			s.commitPlanned(pi, c, plan)
			placed = true
		}
		return !placed
	})
	if placed {
		return true
	}
	// Growing a NodeClaim: first fit, but a NodeClaim whose pods lean the other way (more
	// cpu-heavy than memory-heavy, or the reverse) comes first. First fit decreasing sorts by
	// cpu, so without this the first NodeClaims fill with cpu-heavy pods and the last with
	// memory-heavy ones, and every one of them pays for room in the dimension it does not use.
	fallback := -1
	s.eachCandidate(s.nExisting, mask, func(idx int) bool {
		if cpu > s.freeCPU[idx] || mem > s.freeMem[idx] || pods > s.freePods[idx] {
			return true
		}
		if !s.complements(idx, cpu, mem) {
			if fallback < 0 {
				fallback = idx
			}
			return true
		}
		c := s.cands[idx]
		if plan, r := s.fitPlanned(pi, sh, c, &s.nw, false, false); r == nil {
			s.commitPlanned(pi, c, plan)
			placed = true
		}
		return !placed
	})
	if placed {
		return true
	}
	if fallback >= 0 {
		s.eachCandidate(fallback, mask, func(idx int) bool {
			if cpu > s.freeCPU[idx] || mem > s.freeMem[idx] || pods > s.freePods[idx] || s.complements(idx, cpu, mem) {
				return true
			}
			c := s.cands[idx]
			if plan, r := s.fitPlanned(pi, sh, c, &s.nw, false, false); r == nil {
				s.commitPlanned(pi, c, plan)
				placed = true
			}
			return !placed
		})
		if placed {
			return true
		}
	}
	for _, p := range s.pools {
		if pf := s.poolFit(sh, p); pf.reason != nil {
			continue
		}
		c := s.freshCandidate(p)
		if c == nil {
			continue
		}
		if plan, r := s.fitPlanned(pi, sh, c, &s.nw, false, false); r == nil {
			s.adopt(c)
			s.commitPlanned(pi, c, plan)
			return true
		}
	}
	return false
}

// eachCandidate calls fn for the candidates from index start on that mask does not exclude,
// in order, until fn returns false.
func (s *solver) eachCandidate(start int, mask bitset, fn func(int) bool) {
	n := len(s.cands)
	for w := start >> 6; w<<6 < n; w++ {
		bits := ^uint64(0)
		if w < len(mask) {
			bits = ^mask[w]
		}
		if w == start>>6 {
			bits &^= (1 << (uint(start) & 63)) - 1
		}
		for bits != 0 {
			idx := w<<6 + bits64TrailingZeros(bits)
			if idx >= n {
				return
			}
			if !fn(idx) {
				return
			}
			bits &= bits - 1
		}
	}
}

// freshCandidate is a NodeClaim of the pool with nothing on it yet, not yet part of the run.
func (s *solver) freshCandidate(p *pool) *candidate {
	opts := s.withinLimits(p)
	if opts.empty() {
		return nil
	}
	var head resVec
	if !p.hasLimits && s.poolHead[p.idx] != nil {
		head = s.poolHead[p.idx]
	} else {
		head = s.res.zero()
		opts.each(func(t int) bool { head.maxWith(p.types[t].room); return true })
		if !p.hasLimits {
			s.poolHead[p.idx] = head
		}
	}
	return &candidate{
		idx: -1, kind: candPlanned, name: "", poolName: p.np.Name, pool: p, rs: p.rs, options: opts,
		head: head.clone(), used: s.res.zero(), taints: p.taints, hostDomain: int32(len(s.hostKD.names)),
	}
}

// adopt adds a fresh NodeClaim to the run.
func (s *solver) adopt(c *candidate) {
	c.idx = len(s.cands)
	c.name = fmt.Sprintf("%s-planned-%d", c.pool.np.Name, c.idx-s.nExisting+1)
	c.hostDomain = s.hostKD.intern(c.name)
	s.cands = append(s.cands, c)
	c.pool.nodes++
	s.trackFree(c)
}

func (s *solver) commitExisting(pi *podInfo, c *candidate) {
	c.used.add(pi.req)
	c.ports = append(c.ports, pi.shape.base.ports...)
	c.pods = append(c.pods, pi)
	pi.cand = c
	s.trackFree(c)
	s.recordPod(pi.ls, pi.base.inverse, c)
}

func (s *solver) commitPlanned(pi *podInfo, c *candidate, plan fitPlan) {
	p := c.pool
	c.used.add(pi.req)
	opts := s.filterFits(p, plan.opts, c.used)
	changed := plan.rs != c.rs || !equalBits(opts, c.options)
	c.rs, c.options = plan.rs, opts
	if changed {
		c.invalidate()
	}
	if changed || p.maxBudget < math.Inf(1) {
		// Only options a pod could grow into within its budget count towards the head, so
		// the scan skips NodeClaims that could only grow into types nobody would pay for.
		c.head = s.res.zero()
		limit := math.Inf(1)
		if t0 := opts.first(); t0 >= 0 {
			limit = p.types[t0].minPrice + p.maxBudget*(1+1e-9)
		}
		opts.each(func(t int) bool {
			if p.types[t].minPrice > limit {
				return false
			}
			c.head.maxWith(p.types[t].room)
			return true
		})
	}
	s.setHead(c)
	if p.hasLimits {
		r := s.reservation(p, opts)
		if c.reserved != nil {
			p.used.sub(c.reserved)
		}
		p.used.add(r)
		c.reserved = r
	}
	c.ports = append(c.ports, pi.shape.base.ports...)
	c.pods = append(c.pods, pi)
	pi.cand = c
	s.recordPod(pi.ls, pi.base.inverse, c)
	s.flushPending(c)
}

// complements reports whether adding a pod of (cpu, mem) moves the NodeClaim's use towards
// the shape of its largest option rather than away from it.
func (s *solver) complements(idx int, cpu, mem int64) bool {
	hc, hm := s.headCPU[idx], s.headMem[idx]
	if hc <= 0 || hm <= 0 {
		return true
	}
	uc, um := float64(hc-s.freeCPU[idx])/float64(hc), float64(hm-s.freeMem[idx])/float64(hm)
	pc, pm := float64(cpu)/float64(hc), float64(mem)/float64(hm)
	lean := uc - um
	return lean == 0 || (lean > 0) != (pc-pm > 0)
}

// setHead publishes a planned NodeClaim's spare room to the scan arrays.
func (s *solver) setHead(c *candidate) {
	s.freeCPU[c.idx] = c.head[resCPU] - c.used[resCPU]
	s.freeMem[c.idx] = c.head[resMemory] - c.used[resMemory]
	s.freePods[c.idx] = c.head[resPods] - c.used[resPods]
	s.headCPU[c.idx], s.headMem[c.idx] = c.head[resCPU], c.head[resMemory]
	if t := c.options.first(); t >= 0 {
		room := c.pool.types[t].room
		s.cheapCPU[c.idx] = room[resCPU] - c.used[resCPU]
		s.cheapMem[c.idx] = room[resMemory] - c.used[resMemory]
		s.cheapPods[c.idx] = room[resPods] - c.used[resPods]
	} else {
		s.cheapCPU[c.idx], s.cheapMem[c.idx], s.cheapPods[c.idx] = -1, -1, -1
	}
}

func bits64TrailingZeros(x uint64) int { return bits.TrailingZeros64(x) }

// ownsNode reports whether the pod's hostname anti-affinity keeps it apart from pods like it.
func ownsNode(pi *podInfo) bool {
	for _, g := range pi.base.reqAnti {
		if g.kd.key == corev1.LabelHostname {
			return true
		}
	}
	return false
}

// dominant is the pod's larger request, memory expressed in vCPU at the catalog's exchange rate.
func (s *solver) dominant(pi *podInfo) float64 {
	return max(float64(pi.req[resCPU])/1000, float64(pi.req[resMemory])/s.memPerCPU)
}

// exchangeRate is how many bytes of memory cost as much as one vCPU: the ratio of the cheapest
// price per vCPU to the cheapest price per byte over every pool's types. It makes "the bigger
// pod" mean the same thing for cpu-heavy and memory-heavy pods.
func (s *solver) exchangeRate() float64 {
	perCPU, perByte := math.Inf(1), math.Inf(1)
	for _, p := range s.pools {
		p.usable.each(func(i int) bool {
			t := p.types[i]
			if t.alloc[resCPU] > 0 {
				perCPU = math.Min(perCPU, t.minPrice/(float64(t.alloc[resCPU])/1000))
			}
			if t.alloc[resMemory] > 0 {
				perByte = math.Min(perByte, t.minPrice/float64(t.alloc[resMemory]))
			}
			return true
		})
	}
	if math.IsInf(perCPU, 1) || math.IsInf(perByte, 1) || perByte <= 0 {
		return 2 << 30
	}
	s.perCPU, s.perByte = perCPU, perByte
	return perCPU / perByte
}

// newNodeCost is the price of the cheapest instance type the first NodePool that can take the
// pod would give it on its own (ignoring topology), or +Inf.
func (s *solver) newNodeCost(pi *podInfo, sh *shape) (float64, *pool) {
	for _, p := range s.pools {
		pf := s.poolFit(sh, p)
		if pf.reason != nil {
			continue
		}
		best := math.Inf(1)
		pf.types.each(func(t int) bool {
			if pi.req.fitsIn(p.types[t].room) {
				best = p.types[t].minPrice
				return false
			}
			return true
		})
		if best < math.Inf(1) {
			// A node of its own is the price to beat, but the smallest types of a real
			// catalog are so cheap that this alone would scatter pods over hundreds of
			// tiny nodes: growing is also fine while it costs about what the pod's cpu and
			// memory cost at the catalog's best rates.
			value := float64(pi.req[resCPU])/1000*s.perCPU + float64(pi.req[resMemory])*s.perByte
			return math.Max(best, 3*value), p
		}
	}
	return math.Inf(1), nil
}
