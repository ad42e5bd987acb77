package scheduling

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

type candKind uint8

const (
	candExisting candKind = iota
	candInFlight
	candPlanned
)

// candidate is anything a pod can be placed on: an existing node, an in-flight NodeClaim, or a
// NodeClaim planned in this run. All three go through the same checks.
type candidate struct {
	idx      int
	kind     candKind
	name     string
	poolName string
	taints   []corev1.Taint
	// unschedulable is a cordoned node: kube-scheduler skips it unless the pod tolerates the
	// unschedulable taint.
	unschedulable bool
	used          resVec
	ports         []hostPort
	pods          []*podInfo

	// Existing nodes and in-flight NodeClaims have fixed labels and allocatable.
	labels   map[string]string
	alloc    resVec
	capacity resVec
	// keyDom caches the node's domain per topology key id (-1: label absent, -2: unknown yet).
	keyDom []int32

	// Planned NodeClaims.
	pool       *pool
	rs         *reqSet
	options    bitset
	head       resVec // the most room any remaining option has, per resource (before used)
	hostDomain int32
	dom        []bitset // per topology key id; nil: not computed since the last change
	domAbsent  []bool
	pending    []pendingRecord
	reserved   resVec
}

// pendingRecord is a pod counted by a spread or affinity group whose domain on this NodeClaim
// is not decided yet; it is counted once the NodeClaim's domain for the key is pinned.
type pendingRecord struct {
	g *group
}

func (c *candidate) isPlanned() bool { return c.kind == candPlanned }

func (s *solver) addExisting(n Node) error {
	node := n.Node
	if node == nil {
		return nil
	}
	c := &candidate{
		idx: len(s.cands), kind: candExisting, name: node.Name, labels: node.Labels,
		poolName: node.Labels[LabelNodePool], unschedulable: node.Spec.Unschedulable,
		alloc: s.res.vec(node.Status.Allocatable), capacity: s.res.vec(node.Status.Capacity),
		used: s.res.zero(), hostDomain: -1,
	}
	c.taints = node.Spec.Taints
	if p := s.poolByName[c.poolName]; p != nil && node.Labels[LabelInitialized] != "true" {
		c.taints = withoutStartupTaints(node.Spec.Taints, p.np.StartupTaints)
	}
	for _, pod := range n.Pods {
		if pod == nil || isTerminal(pod) {
			continue
		}
		pi, err := s.existingPod(pod)
		if err != nil {
			return fmt.Errorf("node %s: %w", node.Name, err)
		}
		c.used.add(pi.req)
		c.ports = append(c.ports, podHostPorts(pod)...)
		c.pods = append(c.pods, pi)
	}
	s.cands = append(s.cands, c)
	return nil
}

// withoutStartupTaints drops what will go away once Karpenter initialises the node: the pool's
// startup taints and the kubelet's and cloud controller's start-up taints.
func withoutStartupTaints(taints, startup []corev1.Taint) []corev1.Taint {
	var out []corev1.Taint
	for _, t := range taints {
		if ephemeralTaints[t.Key] {
			continue
		}
		drop := false
		for i := range startup {
			if startup[i].MatchTaint(&t) {
				drop = true
				break
			}
		}
		if !drop {
			out = append(out, t)
		}
	}
	return out
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func (s *solver) addInFlight(nc InFlightNodeClaim) error {
	if nc.HasNode {
		return nil
	}
	r, err := compileRequirements(nc.Requirements)
	if err != nil {
		return fmt.Errorf("in-flight nodeclaim %s: %w", nc.Name, err)
	}
	labels := map[string]string{}
	for i := range r {
		if !r[i].complement && len(r[i].values) == 1 {
			labels[r[i].key] = r[i].values[0]
		}
	}
	for k, v := range nc.Labels {
		labels[k] = v
	}
	if nc.NodePool != "" {
		labels[LabelNodePool] = nc.NodePool
	}
	c := &candidate{
		idx: len(s.cands), kind: candInFlight, name: nc.Name, labels: labels, poolName: nc.NodePool,
		taints: nc.Taints, used: s.res.zero(), hostDomain: -1,
	}
	p := s.poolByName[nc.NodePool]
	switch {
	case nc.Allocatable != nil:
		c.alloc = s.res.vec(nc.Allocatable)
	case p != nil:
		// The smallest of the named types is assumed: the NodeClaim may launch as any of them.
		for _, t := range p.types {
			if !containsString(nc.InstanceTypes, t.it.Name) {
				continue
			}
			if c.alloc == nil {
				c.alloc = t.room.clone()
				continue
			}
			for i := range c.alloc {
				c.alloc[i] = min(c.alloc[i], t.room[i])
			}
		}
	}
	if c.alloc == nil {
		c.alloc = s.res.zero()
	}
	c.capacity = s.res.vec(nc.Capacity)
	if nc.Capacity == nil && p != nil {
		for _, t := range p.types {
			if containsString(nc.InstanceTypes, t.it.Name) {
				c.capacity.maxWith(t.capacity)
			}
		}
	}
	for _, pod := range nc.Pods {
		if pod == nil {
			continue
		}
		pi, err := s.existingPod(pod)
		if err != nil {
			return fmt.Errorf("in-flight nodeclaim %s: %w", nc.Name, err)
		}
		c.used.add(pi.req)
		c.ports = append(c.ports, podHostPorts(pod)...)
		c.pods = append(c.pods, pi)
	}
	s.cands = append(s.cands, c)
	return nil
}

func containsString(v []string, s string) bool {
	for _, x := range v {
		if x == s {
			return true
		}
	}
	return false
}

// existingDomain is the node's value for a topology key, -1 when it lacks the label.
func (s *solver) existingDomain(c *candidate, kd *keyDomains) int32 {
	for len(c.keyDom) <= kd.id {
		c.keyDom = append(c.keyDom, -2)
	}
	if d := c.keyDom[kd.id]; d != -2 {
		return d
	}
	d := int32(-1)
	if v, ok := c.labels[kd.key]; ok {
		d = kd.intern(v)
	}
	c.keyDom[kd.id] = d
	return d
}

// plannedDomains is the set of values a planned NodeClaim may still take for a key, given its
// requirements and remaining instance types; absent is true when its node will not carry the
// key at all.
func (s *solver) plannedDomains(c *candidate, kd *keyDomains) (b bitset, absent bool) {
	if kd.key == corev1.LabelHostname {
		return bitset(nil).set(int(c.hostDomain)), false
	}
	for len(c.dom) <= kd.id {
		c.dom = append(c.dom, nil)
		c.domAbsent = append(c.domAbsent, false)
	}
	if c.dom[kd.id] != nil || c.domAbsent[kd.id] {
		return c.dom[kd.id], c.domAbsent[kd.id]
	}
	b, absent = s.domainsOf(c.pool, c.rs.r, c.options, kd)
	c.dom[kd.id], c.domAbsent[kd.id] = b, absent
	return b, absent
}

func (s *solver) domainsOf(p *pool, rs reqs, opts bitset, kd *keyDomains) (bitset, bool) {
	r := rs.get(kd.key)
	b := newBitset(len(kd.names))
	add := func(v string) {
		if r == nil || r.has(v) {
			b = b.set(int(kd.intern(v)))
		}
	}
	switch {
	case kd.key == corev1.LabelTopologyZone || kd.key == LabelCapacityType:
		f := s.offerFilterOf(rs)
		zone := kd.key == corev1.LabelTopologyZone
		all := kd.allowed(nil)
		opts.each(func(i int) bool {
			for _, o := range p.types[i].offers {
				if f.allows(o) {
					if zone {
						b = b.set(int(o.zone))
					} else {
						b = b.set(int(o.ct))
					}
				}
			}
			// Stop early once every value is in.
			return !equalBits(b, all)
		})
		return b, false
	case p.labels[kd.key] != "":
		add(p.labels[kd.key])
		return b, false
	case instanceTypeLabels[kd.key] || p.typeLabelKeys[kd.key]:
		any := false
		opts.each(func(i int) bool {
			if v, ok := p.types[i].it.Labels[kd.key]; ok {
				any = true
				add(v)
			}
			return true
		})
		return b, !any
	case r != nil && !r.complement && len(r.values) > 0:
		for _, v := range r.values {
			add(v)
		}
		return b, false
	}
	return nil, true
}

// invalidate forgets what depended on a planned NodeClaim's requirements and options.
func (c *candidate) invalidate() {
	for i := range c.dom {
		c.dom[i] = nil
		c.domAbsent[i] = false
	}
}
