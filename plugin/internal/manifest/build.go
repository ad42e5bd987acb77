package manifest

import (
	"fmt"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Flags are the values of `create nodepool`'s flags. A nil slice or empty string means "not
// given": the preset's value stays.
type Flags struct {
	Preset              string
	NodeClass           string
	CapacityTypes       []string
	Arch                []string
	InstanceCategories  []string
	InstanceFamilies    []string
	Zones               []string
	CPULimit            string
	MemoryLimit         string
	ConsolidationPolicy string
	ConsolidateAfter    string
	ExpireAfter         string
	Weight              *int32
	Taints              []string
	Labels              []string
}

// Known values of the requirement flags; the CRD accepts any string, but a NodePool asking for
// another value would never launch a node.
var (
	CapacityTypes = []string{karpv1.CapacityTypeSpot, karpv1.CapacityTypeOnDemand, karpv1.CapacityTypeReserved}
	Architectures = []string{karpv1.ArchitectureAmd64, karpv1.ArchitectureArm64}
)

// Origins maps a field path of the NodePool to the flag that set it.
type Origins map[string]string

// FlagFor returns the flag that set the field at path or one of its parents, "" when none did.
func (o Origins) FlagFor(path string) string {
	for p := path; p != ""; p = parent(p) {
		if f, ok := o[p]; ok {
			return f
		}
	}
	return ""
}

// parent strips the last element of a field path: a.b[2].c → a.b[2] → a.b → a.
func parent(p string) string {
	i := strings.LastIndexAny(p, ".[")
	if i < 0 {
		return ""
	}
	return p[:i]
}

// Spec is a NodePool built from flags, with the flag behind each field.
type Spec struct {
	NodePool *karpv1.NodePool
	Origins  Origins
	// limitText keeps limits as the user wrote them ("1000" rather than "1k").
	limitText map[corev1.ResourceName]string
}

// Build returns the NodePool for name: the preset with the flags applied, and which flag set
// which field. It fails on values it cannot even put into the object (a malformed taint, label
// or quantity), naming the flag; everything else is left to the CRD's validation.
func Build(name string, f Flags) (*Spec, error) {
	np, origins, limitText, err := build(name, f)
	if err != nil {
		return nil, err
	}
	return &Spec{NodePool: np, Origins: origins, limitText: limitText}, nil
}

func build(name string, f Flags) (*karpv1.NodePool, Origins, map[corev1.ResourceName]string, error) {
	presetName := f.Preset
	if presetName == "" {
		presetName = "default"
	}
	p, ok := Presets[presetName]
	if !ok {
		return nil, nil, nil, fmt.Errorf("invalid --preset %q: use one of %s", f.Preset, strings.Join(PresetNames(), ", "))
	}
	origins := Origins{"metadata.name": "NAME"}
	np := &karpv1.NodePool{
		TypeMeta:   metav1.TypeMeta{APIVersion: karpv1.SchemeGroupVersion.String(), Kind: "NodePool"},
		ObjectMeta: metav1.ObjectMeta{Name: name},
	}
	spec := &np.Spec.Template.Spec
	nodeClass := f.NodeClass
	if nodeClass == "" {
		nodeClass = "default"
	}
	spec.NodeClassRef = &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: nodeClass}
	origins["spec.template.spec.nodeClassRef"] = "--nodeclass"

	reqs, err := requirements(p, f)
	if err != nil {
		return nil, nil, nil, err
	}
	spec.Requirements = make([]karpv1.NodeSelectorRequirementWithMinValues, 0, len(reqs))
	for i, r := range reqs {
		spec.Requirements = append(spec.Requirements, r.req)
		origins[fmt.Sprintf("spec.template.spec.requirements[%d]", i)] = r.flag
	}

	if err := applyTaints(np, p, f, origins); err != nil {
		return nil, nil, nil, err
	}
	if err := applyLabels(np, f, origins); err != nil {
		return nil, nil, nil, err
	}
	limitText, err := applyLimits(np, p, f, origins)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := applyDisruption(np, p, f, origins); err != nil {
		return nil, nil, nil, err
	}
	if f.Weight != nil {
		w := *f.Weight
		np.Spec.Weight = &w
		origins["spec.weight"] = "--weight"
	}
	return np, origins, limitText, nil
}

type originReq struct {
	req  karpv1.NodeSelectorRequirementWithMinValues
	flag string
}

func in(key string, values []string, flag string) originReq {
	return originReq{req: karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: corev1.NodeSelectorOpIn, Values: values}, flag: flag}
}

// requirements are, in order: capacity type, architecture, OS, category, family, generation,
// zones. A flag replaces the preset's requirement on its key. --instance-family without
// --instance-category drops the preset's category and generation, which the families already
// decide (and might contradict).
func requirements(p Preset, f Flags) ([]originReq, error) {
	var out []originReq
	preset := "--preset " + p.Name
	pick := func(key string, flagValues, presetValues []string, flag string, allowed []string) error {
		switch {
		case flagValues != nil:
			values, err := list(flag, flagValues, allowed)
			if err != nil {
				return err
			}
			out = append(out, in(key, values, flag))
		case presetValues != nil:
			out = append(out, in(key, presetValues, preset))
		}
		return nil
	}
	if err := pick(karpv1.CapacityTypeLabelKey, f.CapacityTypes, p.CapacityTypes, "--capacity-type", CapacityTypes); err != nil {
		return nil, err
	}
	if err := pick(corev1.LabelArchStable, f.Arch, p.Arch, "--arch", Architectures); err != nil {
		return nil, err
	}
	out = append(out, in(corev1.LabelOSStable, []string{"linux"}, preset))
	familiesOnly := f.InstanceFamilies != nil && f.InstanceCategories == nil
	presetCategories := p.Categories
	if familiesOnly {
		presetCategories = nil
	}
	if err := pick(keyCategory, f.InstanceCategories, presetCategories, "--instance-category", nil); err != nil {
		return nil, err
	}
	if err := pick(keyFamily, f.InstanceFamilies, nil, "--instance-family", nil); err != nil {
		return nil, err
	}
	if p.MinGeneration > 0 && !familiesOnly {
		out = append(out, originReq{req: karpv1.NodeSelectorRequirementWithMinValues{
			Key: keyGeneration, Operator: corev1.NodeSelectorOpGt, Values: []string{strconv.Itoa(p.MinGeneration)},
		}, flag: preset})
	}
	if err := pick(corev1.LabelTopologyZone, f.Zones, nil, "--zones", nil); err != nil {
		return nil, err
	}
	return out, nil
}

// list trims and checks the values of a comma-separated flag.
func list(flag string, values []string, allowed []string) ([]string, error) {
	out := make([]string, 0, len(values))
	for _, v := range values {
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		if allowed != nil && !contains(allowed, v) {
			return nil, fmt.Errorf("invalid %s value %q: use one or more of %s, separated by commas", flag, v, strings.Join(allowed, ", "))
		}
		out = append(out, v)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s needs at least one value; omit the flag to keep the preset's", flag)
	}
	return out, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func applyLimits(np *karpv1.NodePool, p Preset, f Flags, origins Origins) (map[corev1.ResourceName]string, error) {
	np.Spec.Limits = karpv1.Limits{}
	text := map[corev1.ResourceName]string{}
	set := func(name corev1.ResourceName, flagValue, presetValue, flag string) error {
		v, from := presetValue, "--preset "+p.Name
		if flagValue != "" {
			v, from = flagValue, flag
		}
		if v == "" || v == "none" {
			return nil
		}
		q, err := resource.ParseQuantity(v)
		if err != nil {
			return fmt.Errorf("invalid %s %q: use a quantity such as 1000 or 500m for cpu, 4000Gi for memory, or none: %w", flag, v, err)
		}
		np.Spec.Limits[name] = q
		text[name] = v
		origins["spec.limits."+string(name)] = from
		return nil
	}
	if err := set(corev1.ResourceCPU, f.CPULimit, p.CPULimit, "--cpu-limit"); err != nil {
		return nil, err
	}
	return text, set(corev1.ResourceMemory, f.MemoryLimit, p.MemoryLimit, "--memory-limit")
}

func applyDisruption(np *karpv1.NodePool, p Preset, f Flags, origins Origins) error {
	d := &np.Spec.Disruption
	d.ConsolidationPolicy = p.ConsolidationPolicy
	origins["spec.disruption.consolidationPolicy"] = "--preset " + p.Name
	if f.ConsolidationPolicy != "" {
		d.ConsolidationPolicy = karpv1.ConsolidationPolicy(f.ConsolidationPolicy)
		origins["spec.disruption.consolidationPolicy"] = "--consolidation-policy"
	}
	after, flag := p.ConsolidateAfter, "--preset "+p.Name
	if f.ConsolidateAfter != "" {
		after, flag = f.ConsolidateAfter, "--consolidate-after"
	}
	v, err := duration(after, flag)
	if err != nil {
		return err
	}
	d.ConsolidateAfter = v
	origins["spec.disruption.consolidateAfter"] = flag

	expire, flag := p.ExpireAfter, "--preset "+p.Name
	if f.ExpireAfter != "" {
		expire, flag = f.ExpireAfter, "--expire-after"
	}
	if v, err = duration(expire, flag); err != nil {
		return err
	}
	np.Spec.Template.Spec.ExpireAfter = v
	origins["spec.template.spec.expireAfter"] = flag
	return nil
}

func duration(s, flag string) (karpv1.NillableDuration, error) {
	d, err := karpv1.ParseNillableDuration(s)
	if err != nil {
		return d, fmt.Errorf("invalid %s %q: use whole seconds, minutes or hours such as 30s, 5m, 1h30m or 720h, or Never: %w", flag, s, err)
	}
	return d, nil
}
