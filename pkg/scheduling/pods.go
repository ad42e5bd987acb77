package scheduling

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// podInfo is a pod prepared for one solve.
type podInfo struct {
	pod   *corev1.Pod
	order int
	req   resVec
	ls    *labelShape
	base  *podBase
	prefs prefs
	shape *shape
	// relaxed lists the preferences dropped so far, for the placement and the explanation.
	relaxed []string
	cand    *candidate
	// newCost is the price of the cheapest node of its own the pod could get; growing a
	// NodeClaim for it may not cost more.
	newCost float64
}

// podBase is everything about a pod's constraints that relaxation does not change. Pods of one
// Deployment share it.
type podBase struct {
	key         string
	problem     string // set when no node can ever take the pod (volume not found, bad selector)
	terms       []reqs // nodeSelector ∧ volume topology ∧ one required node affinity term, ORed
	noTerms     bool   // required node affinity is present but has no satisfiable term
	prefNode    []reqs // preferred node affinity terms, heaviest first
	prefNodeW   []int32
	volSource   map[string]string
	ports       []hostPort
	tolerations []corev1.Toleration
	hardSpreads []*group
	softSpreads []*group
	reqAff      []*group
	prefAff     []*group // heaviest first; relaxation drops from the end
	reqAnti     []*group
	prefAnti    []*group
	inverse     []*group
}

// requiredTerms returns the pod's hard node constraints as ORed conjunctions: its nodeSelector
// and, when it has required node affinity, each of its terms. An empty term matches nothing, as
// in kube-scheduler, so it is dropped.
func requiredTerms(pod *corev1.Pod) ([]reqs, error) {
	sel := labelReqs(pod.Spec.NodeSelector)
	a := pod.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return []reqs{sel}, nil
	}
	out := []reqs{}
	for _, t := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
			continue
		}
		r, err := compileSelectorTerm(t)
		if err != nil {
			return nil, fmt.Errorf("required node affinity: %w", err)
		}
		out = append(out, sel.merge(r))
	}
	return out, nil
}

func baseKey(pod *corev1.Pod) string {
	var b strings.Builder
	b.WriteString(pod.Namespace)
	b.WriteByte('|')
	keys := make([]string, 0, len(pod.Spec.NodeSelector))
	for k := range pod.Spec.NodeSelector {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k)
		b.WriteByte('=')
		b.WriteString(pod.Spec.NodeSelector[k])
		b.WriteByte(',')
	}
	b.WriteByte('|')
	if a := pod.Spec.Affinity; a != nil {
		b.WriteString(a.String())
	}
	b.WriteByte('|')
	for i := range pod.Spec.Tolerations {
		b.WriteString(pod.Spec.Tolerations[i].String())
	}
	b.WriteByte('|')
	usesOwnLabels := false
	for i := range pod.Spec.TopologySpreadConstraints {
		t := &pod.Spec.TopologySpreadConstraints[i]
		b.WriteString(t.String())
		usesOwnLabels = usesOwnLabels || len(t.MatchLabelKeys) > 0
	}
	if a := pod.Spec.Affinity; a != nil && (a.PodAffinity != nil || a.PodAntiAffinity != nil) {
		// matchLabelKeys in affinity terms fold the pod's own labels into selectors.
		usesOwnLabels = usesOwnLabels || strings.Contains(b.String(), "LabelKeys:[")
	}
	if usesOwnLabels {
		lk := make([]string, 0, len(pod.Labels))
		for k, v := range pod.Labels {
			lk = append(lk, k+"="+v)
		}
		sort.Strings(lk)
		b.WriteString(strings.Join(lk, ","))
	}
	b.WriteByte('|')
	for _, h := range podHostPorts(pod) {
		fmt.Fprintf(&b, "%s/%s:%d,", h.protocol, h.ip, h.port)
	}
	b.WriteByte('|')
	for _, v := range pod.Spec.Volumes {
		switch {
		case v.PersistentVolumeClaim != nil:
			b.WriteString("pvc:" + v.PersistentVolumeClaim.ClaimName + ",")
		case v.Ephemeral != nil:
			// The claim is named after the pod, so such pods never share a shape.
			b.WriteString("eph:" + pod.Name + "-" + v.Name + ",")
		}
	}
	return b.String()
}

func (s *solver) baseOf(pod *corev1.Pod) *podBase {
	key := baseKey(pod)
	if b, ok := s.bases[key]; ok {
		return b
	}
	b := &podBase{key: key, ports: podHostPorts(pod), tolerations: pod.Spec.Tolerations}
	s.bases[key] = b
	if err := s.fillBase(b, pod); err != nil {
		b.problem = err.Error()
	}
	return b
}

func (s *solver) fillBase(b *podBase, pod *corev1.Pod) error {
	vt := s.volumeRequirements(pod)
	if vt.problem != "" {
		return fmt.Errorf("%s", vt.problem)
	}
	b.volSource = vt.source
	terms, err := requiredTerms(pod)
	if err != nil {
		return err
	}
	if len(terms) == 0 {
		b.noTerms = true
	}
	for _, t := range terms {
		b.terms = append(b.terms, t.merge(vt.reqs))
	}
	if a := pod.Spec.Affinity; a != nil && a.NodeAffinity != nil {
		prefs := append([]corev1.PreferredSchedulingTerm(nil), a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution...)
		sort.SliceStable(prefs, func(i, j int) bool { return prefs[i].Weight > prefs[j].Weight })
		for _, p := range prefs {
			r, err := compileSelectorTerm(p.Preference)
			if err != nil {
				return fmt.Errorf("preferred node affinity: %w", err)
			}
			b.prefNode = append(b.prefNode, r)
			b.prefNodeW = append(b.prefNodeW, p.Weight)
		}
	}
	hard := b.terms
	for _, tsc := range pod.Spec.TopologySpreadConstraints {
		g, err := s.spreadGroup(pod, tsc, hard, pod.Spec.Tolerations)
		if err != nil {
			return err
		}
		if tsc.WhenUnsatisfiable == corev1.ScheduleAnyway {
			b.softSpreads = append(b.softSpreads, g)
		} else {
			b.hardSpreads = append(b.hardSpreads, g)
		}
	}
	a := pod.Spec.Affinity
	if a == nil {
		return nil
	}
	if pa := a.PodAffinity; pa != nil {
		for _, t := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			g, err := s.affinityGroup(pod, t, gAffinity)
			if err != nil {
				return err
			}
			b.reqAff = append(b.reqAff, g)
		}
		for _, w := range sortedWeighted(pa.PreferredDuringSchedulingIgnoredDuringExecution) {
			g, err := s.affinityGroup(pod, w.PodAffinityTerm, gAffinity)
			if err != nil {
				return err
			}
			b.prefAff = append(b.prefAff, g)
		}
	}
	if pa := a.PodAntiAffinity; pa != nil {
		for _, t := range pa.RequiredDuringSchedulingIgnoredDuringExecution {
			g, err := s.affinityGroup(pod, t, gAnti)
			if err != nil {
				return err
			}
			b.reqAnti = append(b.reqAnti, g)
		}
		for _, w := range sortedWeighted(pa.PreferredDuringSchedulingIgnoredDuringExecution) {
			g, err := s.affinityGroup(pod, w.PodAffinityTerm, gAnti)
			if err != nil {
				return err
			}
			b.prefAnti = append(b.prefAnti, g)
		}
		inv, err := s.inverseGroupsOf(pod)
		if err != nil {
			return err
		}
		b.inverse = inv
	}
	return nil
}

func sortedWeighted(in []corev1.WeightedPodAffinityTerm) []corev1.WeightedPodAffinityTerm {
	out := append([]corev1.WeightedPodAffinityTerm(nil), in...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Weight > out[j].Weight })
	return out
}

// prefs is how far a pod's preferences have been relaxed. Preferences are honoured as if they
// were required until the pod cannot be placed; then they are dropped one at a time, in
// Karpenter's order.
type prefs struct {
	dropReq     int  // required node affinity terms skipped (the next one is tried)
	nPrefAff    int  // preferred pod affinity terms still honoured (heaviest first)
	nPrefAnti   int  // preferred pod anti-affinity terms still honoured
	nodePref    int  // index of the preferred node affinity term honoured
	softDropped int  // ScheduleAnyway spreads dropped
	tolPNS      bool // PreferNoSchedule taints tolerated
}

func fullPrefs(b *podBase) prefs {
	return prefs{nPrefAff: len(b.prefAff), nPrefAnti: len(b.prefAnti)}
}

// hardOnly is what kube-scheduler filters on: no preference is enforced.
func hardOnly(b *podBase) prefs {
	return prefs{nodePref: len(b.prefNode), softDropped: len(b.softSpreads), tolPNS: true}
}

// relax drops one preference and says which, or returns false when none is left.
func (s *solver) relax(pi *podInfo) (string, bool) {
	b, p := pi.base, &pi.prefs
	switch {
	case len(b.terms)-p.dropReq > 1:
		p.dropReq++
		return fmt.Sprintf("required node affinity term %d of %d", p.dropReq, len(b.terms)), true
	case p.nPrefAff > 0:
		p.nPrefAff--
		return "preferred " + b.prefAff[p.nPrefAff].desc, true
	case p.nPrefAnti > 0:
		p.nPrefAnti--
		return "preferred " + b.prefAnti[p.nPrefAnti].desc, true
	case p.nodePref < len(b.prefNode):
		p.nodePref++
		return "preferred node affinity term (weight " + strconv.Itoa(int(b.prefNodeW[p.nodePref-1])) + ")", true
	case p.softDropped < len(b.softSpreads):
		p.softDropped++
		return "ScheduleAnyway " + b.softSpreads[p.softDropped-1].desc, true
	case !p.tolPNS && s.anyPreferNoSchedule:
		p.tolPNS = true
		return "PreferNoSchedule taints", true
	}
	return "", false
}

// shape is a pod's constraints at one relaxation level. Everything that depends only on the
// shape (which pools and nodes could ever take it) is computed once and cached here.
type shape struct {
	base     *podBase
	rawTerms []reqs    // for existing nodes, ORed
	terms    []*reqSet // the same without hostname/node name, for NodeClaims; terms[0] is used
	newOK    bool      // terms[0]'s hostname/node-name requirements allow a new node
	pnsBlock bool
	spreads  []*group
	affs     []*group
	antis    []*group
	poolFits []*poolFit
	nodeOK   []int8 // per existing candidate: 0 unknown, 1 ok, 2 static misfit
	topo     bool
	allowed  map[int]allowedCache
}

// poolFit is whether a NodePool could ever take a shape, ignoring resources and topology.
type poolFit struct {
	reason *Reason
	podRS  *reqSet
	merged *reqSet
	types  bitset
}

func (s *solver) shapeOf(pi *podInfo) *shape {
	p := pi.prefs
	key := fmt.Sprintf("%s#%d,%d,%d,%d,%d,%t", pi.base.key, p.dropReq, p.nPrefAff, p.nPrefAnti, p.nodePref, p.softDropped, p.tolPNS)
	if sh, ok := s.shapes[key]; ok {
		return sh
	}
	b := pi.base
	sh := &shape{base: b, pnsBlock: !p.tolPNS, poolFits: make([]*poolFit, len(s.pools))}
	var pref reqs
	if p.nodePref < len(b.prefNode) {
		pref = b.prefNode[p.nodePref]
	}
	if p.dropReq < len(b.terms) {
		for _, t := range b.terms[p.dropReq:] {
			full := t.merge(pref)
			sh.rawTerms = append(sh.rawTerms, full)
			sh.terms = append(sh.terms, s.reqs.intern(stripNodeIdentity(full)))
		}
		sh.newOK = newNodeIdentityOK(sh.rawTerms[0])
	}
	sh.spreads = append(append([]*group(nil), b.hardSpreads...), b.softSpreads[p.softDropped:]...)
	sh.affs = append(append([]*group(nil), b.reqAff...), b.prefAff[:p.nPrefAff]...)
	sh.antis = append(append([]*group(nil), b.reqAnti...), b.prefAnti[:p.nPrefAnti]...)
	sh.topo = len(sh.spreads)+len(sh.affs)+len(sh.antis) > 0
	s.shapes[key] = sh
	return sh
}

// poolFit computes, once per shape and pool, whether the pool could take the shape at all.
func (s *solver) poolFit(sh *shape, p *pool) *poolFit {
	if pf := sh.poolFits[p.idx]; pf != nil {
		return pf
	}
	pf := &poolFit{}
	sh.poolFits[p.idx] = pf
	b := sh.base
	switch {
	case b.problem != "":
		pf.reason = &Reason{Kind: ReasonVolume, Message: b.problem}
	case len(sh.terms) == 0:
		pf.reason = &Reason{Kind: ReasonRequirement, Message: "required node affinity has no term that can match"}
	default:
		if t := untoleratedTaint(p.taints, b.tolerations, sh.pnsBlock); t != nil {
			pf.reason = &Reason{Kind: ReasonTaint, Taint: t.DeepCopy(), Message: "taint " + taintString(t) + " not tolerated",
				Fix: "add a toleration for " + taintString(t) + " to the pod, or use a NodePool without that taint"}
			break
		}
		if !sh.newOK {
			pf.reason = &Reason{Kind: ReasonRequirement, Key: corev1.LabelHostname, Message: "the pod asks for a specific node by name or hostname; a new node cannot match"}
			break
		}
		pf.podRS = sh.terms[0]
		if c := p.compatibleWith(p.rs, pf.podRS); c != nil {
			pf.reason = s.conflictReason(c, b, "nodepool")
			break
		}
		pf.merged = s.reqs.merge(p.rs, pf.podRS)
		pf.types = s.compat(p, pf.merged)
		if pf.types.empty() {
			pf.reason = s.noTypeReason(p, pf.merged, b)
		}
	}
	return pf
}
