package scheduling

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
)

// Legacy zone labels that older volume plugins still put on PersistentVolumes.
const (
	labelZoneBeta   = "failure-domain.beta.kubernetes.io/zone"
	labelRegionBeta = "failure-domain.beta.kubernetes.io/region"
)

// volumeTopology is what a pod's volumes require of its node.
type volumeTopology struct {
	reqs reqs
	// source names the volume behind each constrained key, for explanations.
	source map[string]string
	// problem is set when the pod cannot be placed anywhere because of a volume.
	problem string
}

// volumeRequirements derives node requirements from the pod's volumes: a bound claim's
// PersistentVolume node affinity (or legacy zone labels), and for an unbound
// WaitForFirstConsumer claim its StorageClass's allowedTopologies. Only the first term of each is
// used (the common single-term case is exact; several ORed terms are narrowed to the first).
func (s *solver) volumeRequirements(pod *corev1.Pod) volumeTopology {
	var vt volumeTopology
	add := func(r reqs, source string) {
		for _, x := range r {
			if vt.source == nil {
				vt.source = map[string]string{}
			}
			vt.source[x.key] = source
		}
		vt.reqs = vt.reqs.merge(r)
	}
	for _, v := range pod.Spec.Volumes {
		var claim string
		var ephemeralClass *string
		switch {
		case v.PersistentVolumeClaim != nil:
			claim = v.PersistentVolumeClaim.ClaimName
		case v.Ephemeral != nil:
			claim = pod.Name + "-" + v.Name
			if t := v.Ephemeral.VolumeClaimTemplate; t != nil {
				ephemeralClass = t.Spec.StorageClassName
			}
		default:
			continue
		}
		pvc := s.pvcs[pod.Namespace+"/"+claim]
		if pvc == nil && ephemeralClass == nil {
			vt.problem = fmt.Sprintf("persistentvolumeclaim %s/%s not found", pod.Namespace, claim)
			return vt
		}
		if pvc != nil && pvc.Spec.VolumeName != "" {
			pv := s.pvs[pvc.Spec.VolumeName]
			if pv == nil {
				vt.problem = fmt.Sprintf("persistentvolume %s of claim %s not found", pvc.Spec.VolumeName, claim)
				return vt
			}
			r, err := pvRequirements(pv)
			if err != nil {
				vt.problem = fmt.Sprintf("persistentvolume %s: %v", pv.Name, err)
				return vt
			}
			add(r, fmt.Sprintf("volume %s (persistentvolume %s)", v.Name, pv.Name))
			continue
		}
		class := ephemeralClass
		if pvc != nil {
			class = pvc.Spec.StorageClassName
		}
		if class == nil || *class == "" {
			continue
		}
		sc := s.storageClasses[*class]
		if sc == nil || sc.VolumeBindingMode == nil || *sc.VolumeBindingMode != storagev1.VolumeBindingWaitForFirstConsumer || len(sc.AllowedTopologies) == 0 {
			continue
		}
		var r reqs
		for _, e := range sc.AllowedTopologies[0].MatchLabelExpressions {
			x, err := newReq(e.Key, corev1.NodeSelectorOpIn, e.Values, nil)
			if err != nil {
				vt.problem = fmt.Sprintf("storageclass %s: %v", sc.Name, err)
				return vt
			}
			r = r.with(x)
		}
		add(r, fmt.Sprintf("volume %s (storageclass %s allowedTopologies)", v.Name, sc.Name))
	}
	return vt
}

func pvRequirements(pv *corev1.PersistentVolume) (reqs, error) {
	if na := pv.Spec.NodeAffinity; na != nil && na.Required != nil && len(na.Required.NodeSelectorTerms) > 0 {
		return compileSelectorTerm(na.Required.NodeSelectorTerms[0])
	}
	var r reqs
	for _, l := range []struct{ from, to string }{
		{corev1.LabelTopologyZone, corev1.LabelTopologyZone}, {labelZoneBeta, corev1.LabelTopologyZone},
		{corev1.LabelTopologyRegion, corev1.LabelTopologyRegion}, {labelRegionBeta, corev1.LabelTopologyRegion},
	} {
		if v, ok := pv.Labels[l.from]; ok {
			// Multi-zone volumes list their zones joined by "__".
			x, err := newReq(l.to, corev1.NodeSelectorOpIn, strings.Split(v, "__"), nil)
			if err != nil {
				return nil, err
			}
			r = r.with(x)
		}
	}
	return r, nil
}
