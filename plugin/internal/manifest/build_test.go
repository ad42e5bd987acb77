package manifest

import (
	"context"
	"errors"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func ptr[T any](v T) *T { return &v }

func reqValues(np *karpv1.NodePool, key string) []string {
	for _, r := range np.Spec.Template.Spec.Requirements {
		if r.Key == key {
			return r.Values
		}
	}
	return nil
}

func TestEveryPresetIsValid(t *testing.T) {
	for _, name := range PresetNames() {
		t.Run(name, func(t *testing.T) {
			spec, err := Build("pool", Flags{Preset: name})
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			obj, err := spec.Unstructured()
			if err != nil {
				t.Fatal(err)
			}
			if err := Validate(context.Background(), obj, spec.Origins); err != nil {
				t.Fatalf("preset %s fails the CRD's rules: %v", name, err)
			}
		})
	}
}

func TestFlagsOverrideThePreset(t *testing.T) {
	spec, err := Build("pool", Flags{
		Preset:           "spot-first",
		CapacityTypes:    []string{"on-demand"},
		InstanceFamilies: []string{"m5", " c6i "},
		Zones:            []string{"us-east-1a"},
		Taints:           []string{"dedicated=web:NoSchedule"},
		Labels:           []string{"team=web"},
		Weight:           ptr(int32(50)),
		CPULimit:         "none",
		ExpireAfter:      "Never",
	})
	if err != nil {
		t.Fatalf("Build: %v", err)
	}
	np, origins := spec.NodePool, spec.Origins
	if got := reqValues(np, karpv1.CapacityTypeLabelKey); len(got) != 1 || got[0] != "on-demand" {
		t.Errorf("capacity-type = %v, want [on-demand]", got)
	}
	if got := reqValues(np, keyFamily); len(got) != 2 || got[1] != "c6i" {
		t.Errorf("instance-family = %v, want [m5 c6i]", got)
	}
	if reqValues(np, keyCategory) != nil || reqValues(np, keyGeneration) != nil {
		t.Errorf("--instance-family alone must drop the preset's category and generation: %v", np.Spec.Template.Spec.Requirements)
	}
	if _, ok := np.Spec.Limits[corev1.ResourceCPU]; ok {
		t.Errorf("--cpu-limit none kept a cpu limit: %v", np.Spec.Limits)
	}
	if np.Spec.Template.Spec.ExpireAfter.Duration != nil {
		t.Errorf("--expire-after Never = %v", np.Spec.Template.Spec.ExpireAfter)
	}
	if got := np.Spec.Template.Spec.Taints; len(got) != 1 || got[0].Key != "dedicated" || got[0].Effect != corev1.TaintEffectNoSchedule {
		t.Errorf("taints = %v", got)
	}
	if got := origins.FlagFor("spec.template.spec.requirements[0].values[0]"); got != "--capacity-type" {
		t.Errorf("requirement 0 comes from %q, want --capacity-type", got)
	}
	if got := origins.FlagFor("spec.template.spec.requirements[2]"); got != "--preset spot-first" {
		t.Errorf("requirement 2 (os) comes from %q, want the preset", got)
	}
}

func TestBuildRejectsMalformedFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		flags Flags
		want  string
	}{
		{"preset", Flags{Preset: "cheap"}, "--preset"},
		{"capacity type", Flags{CapacityTypes: []string{"spotty"}}, `--capacity-type value "spotty"`},
		{"arch", Flags{Arch: []string{"x86"}}, "--arch"},
		{"empty list", Flags{Zones: []string{" "}}, "--zones needs at least one value"},
		{"taint", Flags{Taints: []string{"nocolon"}}, "--taint"},
		{"label", Flags{Labels: []string{"novalue"}}, "--label"},
		{"duplicate label", Flags{Labels: []string{"a=1", "a=2"}}, "give each key once"},
		{"quantity", Flags{CPULimit: "lots"}, "--cpu-limit"},
		{"duration", Flags{ConsolidateAfter: "soon"}, "--consolidate-after"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Build("pool", tc.flags)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Build error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// The CRD's rules, evaluated client-side, name the flag and the field.
func TestValidateNamesTheFlagAndTheField(t *testing.T) {
	for _, tc := range []struct {
		name      string
		flags     Flags
		nodePool  string
		wantFlag  string
		wantField string
		wantText  string
	}{
		{"weight above 100", Flags{Weight: ptr(int32(101))}, "pool", "--weight", "spec.weight", "less than or equal to 100"},
		{"restricted label domain", Flags{Labels: []string{"karpenter.sh/team=web"}}, "pool", "--label", "spec.template.metadata.labels", `label domain "karpenter.sh" is restricted`},
		{"label value too long", Flags{Labels: []string{"team=" + strings.Repeat("x", 64)}}, "pool", "--label", "spec.template.metadata.labels", "63"},
		{"taint effect", Flags{Taints: []string{"a=b:Sometimes"}}, "pool", "--taint", "spec.template.spec.taints", "taint effect must be one of"},
		{"consolidation policy", Flags{ConsolidationPolicy: "Always"}, "pool", "--consolidation-policy", "spec.disruption.consolidationPolicy", "Unsupported value"},
		{"sub-second duration", Flags{ConsolidateAfter: "300ms"}, "pool", "--consolidate-after", "spec.disruption.consolidateAfter", "should match"},
		{"name", Flags{}, "Pool_1", "NAME", "metadata.name", "RFC 1123"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			spec, err := Build(tc.nodePool, tc.flags)
			if err != nil {
				t.Fatalf("Build: %v", err)
			}
			obj, err := spec.Unstructured()
			if err != nil {
				t.Fatal(err)
			}
			err = Validate(context.Background(), obj, spec.Origins)
			var verr *ValidationError
			if !errors.As(err, &verr) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			found := false
			for _, fe := range verr.Errors {
				// A flag given more than once is named with its value (--taint a=b:Sometimes).
				if (fe.Flag == tc.wantFlag || strings.HasPrefix(fe.Flag, tc.wantFlag+" ")) && strings.HasPrefix(fe.Field, tc.wantField) && strings.Contains(fe.Detail, tc.wantText) {
					found = true
					if fe.Fix == "" {
						t.Errorf("no fix for %+v", fe)
					}
				}
			}
			if !found {
				t.Errorf("Validate = %v\nwant an error for flag %s on %s containing %q", err, tc.wantFlag, tc.wantField, tc.wantText)
			}
		})
	}
}

func TestUnstructuredKeepsLimitsAsWritten(t *testing.T) {
	spec, err := Build("pool", Flags{CPULimit: "1000", MemoryLimit: "4000Gi"})
	if err != nil {
		t.Fatal(err)
	}
	obj, err := spec.Unstructured()
	if err != nil {
		t.Fatal(err)
	}
	limits := obj["spec"].(map[string]interface{})["limits"].(map[string]interface{})
	if limits["cpu"] != "1000" || limits["memory"] != "4000Gi" {
		t.Errorf("limits = %v, want cpu 1000 and memory 4000Gi as written", limits)
	}
	if _, ok := obj["status"]; ok {
		t.Errorf("a new NodePool carries a status: %v", obj["status"])
	}
	if d := obj["spec"].(map[string]interface{})["disruption"].(map[string]interface{}); d["consolidateAfter"] != "1m" {
		t.Errorf("consolidateAfter = %v, want 1m", d["consolidateAfter"])
	}
}
