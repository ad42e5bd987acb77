package scheduling

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// daemonSet is a DaemonSet's pod template reduced to what decides where it runs and how much it
// takes.
type daemonSet struct {
	name        string
	req         resVec
	terms       []reqs // ORed; one empty term when the template has no node constraints
	tolerations []corev1.Toleration
}

func (s *solver) buildDaemonSets() error {
	for _, ds := range s.in.DaemonSets {
		if ds == nil {
			continue
		}
		pod := &corev1.Pod{ObjectMeta: ds.Spec.Template.ObjectMeta, Spec: ds.Spec.Template.Spec}
		pod.Namespace = ds.Namespace
		terms, err := requiredTerms(pod)
		if err != nil {
			return fmt.Errorf("daemonset %s/%s: %w", ds.Namespace, ds.Name, err)
		}
		for i := range terms {
			terms[i] = stripNodeIdentity(terms[i])
		}
		s.daemonSets = append(s.daemonSets, &daemonSet{
			name: ds.Namespace + "/" + ds.Name, req: s.res.vec(podRequests(pod)), terms: terms,
			tolerations: append(append([]corev1.Toleration(nil), pod.Spec.Tolerations...), daemonSetTolerations...),
		})
	}
	return nil
}

// daemonOverhead sums the DaemonSets that would run on a node of the pool with this instance
// type: they tolerate the pool's taints and some term of their node affinity is compatible with
// the pool and the type. Startup taints do not keep them off, as they are removed.
func (s *solver) daemonOverhead(p *pool, t *typeInfo) resVec {
	v := s.res.zero()
	for _, ds := range s.daemonSets {
		if s.daemonSetLands(ds, p, t) {
			v.add(ds.req)
		}
	}
	return v
}

func (s *solver) daemonSetLands(ds *daemonSet, p *pool, t *typeInfo) bool {
	if untoleratedTaint(p.taints, ds.tolerations, false) != nil {
		return false
	}
	for _, term := range ds.terms {
		if compatible(p.rs.r, term, p.allowUndefined) != nil {
			continue
		}
		merged := p.rs.r.merge(term)
		if p.labelOK(t, merged) && s.offerOK(t, merged) {
			return true
		}
	}
	return false
}

// DaemonSetOverhead returns, for one NodePool and one of its instance types, the requests of the
// DaemonSets that would land on such a node. The plugin uses it to show why a type is too small.
func DaemonSetOverhead(np NodePool, instanceType string, daemonSets []*appsv1.DaemonSet) (corev1.ResourceList, error) {
	s, err := newSolver(&Input{NodePools: []NodePool{np}, DaemonSets: daemonSets})
	if err != nil {
		return nil, err
	}
	for _, t := range s.pools[0].types {
		if t.it.Name == instanceType {
			return s.res.list(t.ds), nil
		}
	}
	return nil, fmt.Errorf("nodepool %s has no instance type %q", np.Name, instanceType)
}
