package crdvalidate

import (
	"context"
	"strings"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/manifests/crds"
)

func nodePool(mutate func(spec map[string]interface{})) map[string]interface{} {
	spec := map[string]interface{}{
		"template": map[string]interface{}{"spec": map[string]interface{}{
			"nodeClassRef": map[string]interface{}{"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": "default"},
			"requirements": []interface{}{},
		}},
	}
	if mutate != nil {
		mutate(spec)
	}
	return map[string]interface{}{"apiVersion": "karpenter.sh/v1", "kind": "NodePool", "metadata": map[string]interface{}{"name": "x"}, "spec": spec}
}

func TestValidatorRunsSchemaDefaultsAndCEL(t *testing.T) {
	v, err := New(crds.NodePools, "v1")
	if err != nil {
		t.Fatal(err)
	}
	if gvk := v.GroupVersionKind(); gvk.Kind != "NodePool" || gvk.Group != "karpenter.sh" {
		t.Errorf("GVK = %v", gvk)
	}
	// Defaults fill the required consolidateAfter; without them the schema would reject.
	if errs := v.Validate(context.Background(), nodePool(nil)); len(errs) != 0 {
		t.Fatalf("a minimal NodePool fails: %v", errs)
	}
	bad := nodePool(func(spec map[string]interface{}) {
		spec["weight"] = int64(0)
		spec["template"].(map[string]interface{})["metadata"] = map[string]interface{}{"labels": map[string]interface{}{"karpenter.sh/x": "y"}}
	})
	errs := v.Validate(context.Background(), bad)
	got := errs.ToAggregate().Error()
	for _, want := range []string{"spec.weight", "greater than or equal to 1", `label domain "karpenter.sh" is restricted`} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q: %s", want, got)
		}
	}
	if _, ok := bad["spec"].(map[string]interface{})["disruption"]; ok {
		t.Error("Validate defaulted the caller's object")
	}
	wrongKind := nodePool(nil)
	wrongKind["kind"] = "NodeClaim"
	wrongKind["metadata"] = map[string]interface{}{"name": "Not_A_Name"}
	got = v.Validate(context.Background(), wrongKind).ToAggregate().Error()
	for _, want := range []string{"kind", "metadata.name"} {
		if !strings.Contains(got, want) {
			t.Errorf("errors lack %q: %s", want, got)
		}
	}
}

func TestNewRejectsAnUnknownVersion(t *testing.T) {
	if _, err := New(crds.NodePools, "v1beta1"); err == nil || !strings.Contains(err.Error(), "no schema for version v1beta1") {
		t.Errorf("New(v1beta1) = %v", err)
	}
	if _, err := New([]byte("kind: [oops"), "v1"); err == nil {
		t.Error("New accepted malformed YAML")
	}
}
