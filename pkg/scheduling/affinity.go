package scheduling

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// affinityGroup builds (or finds) the group for one pod (anti-)affinity term. kind says how the
// term is used: gAffinity and gAnti count the pods the term selects, for its owner; gInverse
// counts the owners, for the pods the term selects.
func (s *solver) affinityGroup(pod *corev1.Pod, term corev1.PodAffinityTerm, kind groupKind) (*group, error) {
	sel, err := selectorWithKeys(term.LabelSelector, term.MatchLabelKeys, term.MismatchLabelKeys, pod.Labels)
	if err != nil {
		return nil, fmt.Errorf("pod affinity term on %s: %w", term.TopologyKey, err)
	}
	if term.TopologyKey == "" {
		return nil, fmt.Errorf("pod affinity term: %w: empty topologyKey", ErrInvalidRequirement)
	}
	allNS, ns, err := s.termNamespaces(pod, term)
	if err != nil {
		return nil, err
	}
	nsNames := make([]string, 0, len(ns))
	for n := range ns {
		nsNames = append(nsNames, n)
	}
	sort.Strings(nsNames)
	identity := fmt.Sprintf("aff|%d|%s|%t|%s|%s", kind, term.TopologyKey, allNS, strings.Join(nsNames, ","), sel.String())
	what := map[groupKind]string{gAffinity: "pod affinity", gAnti: "pod anti-affinity", gInverse: "anti-affinity of running pods"}[kind]
	g := &group{
		kind: kind, kd: s.domains.forKey(term.TopologyKey), sel: sel, allNS: allNS, ns: ns,
		desc: fmt.Sprintf("%s on %s %s", what, term.TopologyKey, selectorString(sel)),
	}
	if g.kd == s.hostKD && kind != gAffinity {
		g.levels = make([]bitset, 1)
	}
	return s.topo.intern(g, identity), nil
}

// termNamespaces resolves the namespaces a term looks at: its list, the namespaces its selector
// matches, or (neither given) the owner's own namespace. An empty selector means all.
func (s *solver) termNamespaces(pod *corev1.Pod, term corev1.PodAffinityTerm) (bool, map[string]bool, error) {
	ns := map[string]bool{}
	for _, n := range term.Namespaces {
		ns[n] = true
	}
	if term.NamespaceSelector != nil {
		sel, err := metav1.LabelSelectorAsSelector(term.NamespaceSelector)
		if err != nil {
			return false, nil, fmt.Errorf("namespace selector: %w", err)
		}
		if sel.Empty() {
			return true, ns, nil
		}
		for _, n := range s.in.Namespaces {
			if n != nil && sel.Matches(labels.Set(n.Labels)) {
				ns[n.Name] = true
			}
		}
		return false, ns, nil
	}
	if len(term.Namespaces) == 0 {
		ns[pod.Namespace] = true
	}
	return false, ns, nil
}

// inverseGroupsOf returns the groups for a pod's required anti-affinity terms as seen by other
// pods: running pods' terms repel the pods they select (kube-scheduler's "existing pods'
// anti-affinity"), and so do those of pods placed earlier in the run.
func (s *solver) inverseGroupsOf(pod *corev1.Pod) ([]*group, error) {
	a := pod.Spec.Affinity
	if a == nil || a.PodAntiAffinity == nil {
		return nil, nil
	}
	var out []*group
	for _, term := range a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution {
		g, err := s.affinityGroup(pod, term, gInverse)
		if err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, nil
}
