package apis

import (
	"sort"
	"testing"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
)

// wantCRD is what upstream Karpenter's CRD declares (plus the scaling policy of this project).
type wantCRD struct {
	group, version, kind, plural string
	shortNames                   []string
}

var wantCRDs = map[string]wantCRD{
	"nodepools.karpenter.sh":                {"karpenter.sh", "v1", "NodePool", "nodepools", []string{"np", "nps"}},
	"nodeclaims.karpenter.sh":               {"karpenter.sh", "v1", "NodeClaim", "nodeclaims", []string{"nc", "ncs"}},
	"ec2nodeclasses.karpenter.k8s.aws":      {"karpenter.k8s.aws", "v1", "EC2NodeClass", "ec2nodeclasses", []string{"ec2nc", "ec2ncs"}},
	"karpenterscalingpolicies.karpenter.sh": {"karpenter.sh", "v1alpha1", "KarpenterScalingPolicy", "karpenterscalingpolicies", []string{"ksp", "ksps"}},
}

// Every CRD in manifests/crds installs from the file as written and becomes Established, with the
// group, version, kind, scope and subresources upstream has.
func TestEveryCRDIsEstablished(t *testing.T) {
	s := requireEnv(t)
	var files []string
	for name := range s.crds {
		files = append(files, name)
	}
	sort.Strings(files)
	if len(files) != len(wantCRDs) {
		t.Errorf("manifests/crds holds %v, want exactly %d CRDs", files, len(wantCRDs))
	}
	for name, want := range wantCRDs {
		t.Run(name, func(t *testing.T) {
			if _, ok := s.crds[name]; !ok {
				t.Fatalf("%s is not in manifests/crds", name)
			}
			crd, err := s.extensions.ApiextensionsV1().CustomResourceDefinitions().Get(testContext(t), name, getOptions)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []apiextensionsv1.CustomResourceDefinitionConditionType{apiextensionsv1.Established, apiextensionsv1.NamesAccepted} {
				if !crdCondition(crd, c) {
					t.Errorf("condition %s is not True: %+v", c, crd.Status.Conditions)
				}
			}
			if crd.Spec.Group != want.group || crd.Spec.Names.Kind != want.kind || crd.Spec.Names.Plural != want.plural {
				t.Errorf("group/kind/plural = %s/%s/%s, want %s/%s/%s", crd.Spec.Group, crd.Spec.Names.Kind, crd.Spec.Names.Plural, want.group, want.kind, want.plural)
			}
			if crd.Spec.Scope != apiextensionsv1.ClusterScoped {
				t.Errorf("scope %s, want Cluster", crd.Spec.Scope)
			}
			if !equalStrings(crd.Spec.Names.ShortNames, want.shortNames) {
				t.Errorf("short names %v, want %v", crd.Spec.Names.ShortNames, want.shortNames)
			}
			if !equalStrings(crd.Spec.Names.Categories, []string{"karpenter"}) {
				t.Errorf("categories %v, want [karpenter]", crd.Spec.Names.Categories)
			}
			if len(crd.Spec.Versions) != 1 {
				t.Fatalf("%d versions, want one (%s)", len(crd.Spec.Versions), want.version)
			}
			v := crd.Spec.Versions[0]
			if v.Name != want.version || !v.Served || !v.Storage {
				t.Errorf("version %s served=%v storage=%v, want %s served and stored", v.Name, v.Served, v.Storage, want.version)
			}
			if v.Subresources == nil || v.Subresources.Status == nil {
				t.Error("no status subresource")
			}
			if !equalStrings(crd.Status.AcceptedNames.ShortNames, want.shortNames) {
				t.Errorf("accepted short names %v, want %v", crd.Status.AcceptedNames.ShortNames, want.shortNames)
			}
		})
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
