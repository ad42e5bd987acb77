package manifest

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// ParseTaint reads key[=value]:Effect, as `kubectl taint` writes taints.
func ParseTaint(s string) (corev1.Taint, error) {
	kv, effect, ok := strings.Cut(s, ":")
	if !ok || kv == "" || effect == "" {
		return corev1.Taint{}, fmt.Errorf("invalid --taint %q: write it as key[=value]:Effect, e.g. dedicated=gpu:NoSchedule", s)
	}
	key, value, _ := strings.Cut(kv, "=")
	return corev1.Taint{Key: key, Value: value, Effect: corev1.TaintEffect(effect)}, nil
}

// ParseLabel reads key=value.
func ParseLabel(s string) (string, string, error) {
	key, value, ok := strings.Cut(s, "=")
	if !ok || key == "" {
		return "", "", fmt.Errorf("invalid --label %q: write it as key=value, e.g. team=web", s)
	}
	return key, value, nil
}

// applyTaints uses the --taint flags when given, else the preset's taints.
func applyTaints(np *karpv1.NodePool, p Preset, f Flags, origins Origins) error {
	spec := &np.Spec.Template.Spec
	if f.Taints == nil {
		spec.Taints = append([]corev1.Taint(nil), p.Taints...)
		for i := range spec.Taints {
			origins[fmt.Sprintf("spec.template.spec.taints[%d]", i)] = "--preset " + p.Name
		}
		return nil
	}
	for _, s := range f.Taints {
		t, err := ParseTaint(s)
		if err != nil {
			return err
		}
		origins[fmt.Sprintf("spec.template.spec.taints[%d]", len(spec.Taints))] = fmt.Sprintf("--taint %s", s)
		spec.Taints = append(spec.Taints, t)
	}
	origins["spec.template.spec.taints"] = "--taint"
	return nil
}

// applyLabels puts the --label flags into the template's labels. The CRD's label rules apply to
// the whole map, so errors name --label with the field.
func applyLabels(np *karpv1.NodePool, f Flags, origins Origins) error {
	if len(f.Labels) == 0 {
		return nil
	}
	np.Spec.Template.Labels = map[string]string{}
	for _, s := range f.Labels {
		k, v, err := ParseLabel(s)
		if err != nil {
			return err
		}
		if old, dup := np.Spec.Template.Labels[k]; dup && old != v {
			return fmt.Errorf("invalid --label %q: label %s is also given as %s=%s; give each key once", s, k, k, old)
		}
		np.Spec.Template.Labels[k] = v
	}
	origins["spec.template.metadata.labels"] = "--label"
	return nil
}
