package status

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

func req(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}

func poolWith(mutate func(*karpv1.NodePool)) *karpv1.NodePool {
	np := &karpv1.NodePool{Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
		Requirements: []karpv1.NodeSelectorRequirementWithMinValues{req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64")},
		NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
	}}}}
	if mutate != nil {
		mutate(np)
	}
	return np
}

func TestValidateAcceptsSatisfiableNodePools(t *testing.T) {
	for name, mutate := range map[string]func(*karpv1.NodePool){
		"the default": nil,
		"a label the requirements allow": func(np *karpv1.NodePool) {
			np.Spec.Template.Labels = map[string]string{"team": "a"}
			np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
				req("team", corev1.NodeSelectorOpIn, "a", "b"), req("team", corev1.NodeSelectorOpNotIn, "c"), req("team", corev1.NodeSelectorOpExists))
		},
		"a numeric label within bounds": func(np *karpv1.NodePool) {
			np.Spec.Template.Labels = map[string]string{"gen": "5"}
			np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
				req("gen", corev1.NodeSelectorOpGt, "2"), req("gen", karpv1.NodeSelectorOpLte, "5"))
		},
		"overlapping In requirements": func(np *karpv1.NodePool) {
			np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
				req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64", "arm64"))
		},
		"DoesNotExist with NotIn": func(np *karpv1.NodePool) {
			np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
				req("gpu", corev1.NodeSelectorOpDoesNotExist), req("gpu", corev1.NodeSelectorOpNotIn, "a"))
		},
		"the same taint key with different effects": func(np *karpv1.NodePool) {
			np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "a", Effect: corev1.TaintEffectNoSchedule}, {Key: "a", Effect: corev1.TaintEffectNoExecute}}
		},
	} {
		if err := validate(poolWith(mutate)); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*karpv1.NodePool)
		want   string
	}{
		"a label the requirement excludes": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Labels = map[string]string{"team": "c"}
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, req("team", corev1.NodeSelectorOpIn, "a", "b"))
			},
			want: `spec.template.spec.requirements[1] (team In [a b]) conflicts with spec.template.metadata.labels["team"]="c"`,
		},
		"a label with DoesNotExist": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Labels = map[string]string{"team": "a"}
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, req("team", corev1.NodeSelectorOpDoesNotExist))
			},
			want: `spec.template.spec.requirements[1] (team DoesNotExist []) conflicts with spec.template.metadata.labels["team"]="a"`,
		},
		"a label outside numeric bounds": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Labels = map[string]string{"gen": "2"}
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, req("gen", corev1.NodeSelectorOpGt, "2"))
			},
			want: `spec.template.spec.requirements[1] (gen Gt [2]) conflicts with spec.template.metadata.labels["gen"]="2"`,
		},
		"a static NodePool": {
			mutate: func(np *karpv1.NodePool) {
				replicas := int64(3)
				np.Spec.Replicas = &replicas
			},
			want: "spec.replicas: static NodePools are not supported by this agent",
		},
		"disjoint In requirements": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "arm64"))
			},
			want: `spec.template.spec.requirements[0,1]: the requirements on "kubernetes.io/arch" together admit no value`,
		},
		"In minus NotIn is empty": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements, req(corev1.LabelArchStable, corev1.NodeSelectorOpNotIn, "amd64"))
			},
			want: `the requirements on "kubernetes.io/arch" together admit no value`,
		},
		"empty numeric range": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
					req("cpu", corev1.NodeSelectorOpGt, "8"), req("cpu", corev1.NodeSelectorOpLt, "9"))
			},
			want: `spec.template.spec.requirements[1,2]: the requirements on "cpu" together admit no value`,
		},
		"Exists and DoesNotExist": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
					req("gpu", corev1.NodeSelectorOpExists), req("gpu", corev1.NodeSelectorOpDoesNotExist))
			},
			want: `the requirements on "gpu" together admit no value`,
		},
		"a duplicate taint": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "a", Effect: corev1.TaintEffectNoSchedule}}
				np.Spec.Template.Spec.StartupTaints = []corev1.Taint{{Key: "dedicated", Value: "b", Effect: corev1.TaintEffectNoSchedule}}
			},
			want: `spec.template.spec.startupTaints[0] duplicates spec.template.spec.taints[0]: taint key "dedicated" with effect NoSchedule`,
		},
		"a bad label value": {
			mutate: func(np *karpv1.NodePool) { np.Spec.Template.Labels = map[string]string{"team": "a b"} },
			want:   `spec.template.metadata.labels["team"]: invalid value "a b"`,
		},
		"a bad taint key": {
			mutate: func(np *karpv1.NodePool) {
				np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "not a key", Effect: corev1.TaintEffectNoSchedule}}
			},
			want: `spec.template.spec.taints[0]: invalid key "not a key"`,
		},
	} {
		err := validate(poolWith(tc.mutate))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to contain %q", name, err, tc.want)
		}
	}
}

// The NodePools the API tests accept as valid must pass the runtime checks too, but for static
// ones, which the API stores for upstream compatibility and this agent refuses only by that
// field.
func TestValidateAcceptsTheValidFixtures(t *testing.T) {
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	paths, err := filepath.Glob(filepath.Join(root, "test", "apis", "testdata", "valid", "nodepool-*.yaml"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no NodePool fixtures: %v", err)
	}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		np := &karpv1.NodePool{}
		if err := yaml.Unmarshal(data, np); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		err = validate(np)
		if np.Spec.Replicas != nil {
			if err == nil || !strings.HasPrefix(err.Error(), "spec.replicas:") || strings.Contains(err.Error(), "\n") {
				t.Errorf("%s: a static NodePool must fail on spec.replicas alone, got %v", filepath.Base(p), err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		}
	}
}
