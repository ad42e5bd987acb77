package apis

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/yaml"
)

// The resources under test, all cluster-scoped.
var (
	nodePools       = schema.GroupVersionResource{Group: "karpenter.sh", Version: "v1", Resource: "nodepools"}
	nodeClaims      = schema.GroupVersionResource{Group: "karpenter.sh", Version: "v1", Resource: "nodeclaims"}
	ec2NodeClasses  = schema.GroupVersionResource{Group: "karpenter.k8s.aws", Version: "v1", Resource: "ec2nodeclasses"}
	scalingPolicies = schema.GroupVersionResource{Group: "karpenter.sh", Version: "v1alpha1", Resource: "karpenterscalingpolicies"}
)

// resourceFor maps a manifest's apiVersion and kind to the resource the tests expect it to be.
func resourceFor(t testing.TB, u *unstructured.Unstructured) schema.GroupVersionResource {
	t.Helper()
	gvk := u.GroupVersionKind()
	switch gvk {
	case schema.GroupVersionKind{Group: "karpenter.sh", Version: "v1", Kind: "NodePool"}:
		return nodePools
	case schema.GroupVersionKind{Group: "karpenter.sh", Version: "v1", Kind: "NodeClaim"}:
		return nodeClaims
	case schema.GroupVersionKind{Group: "karpenter.k8s.aws", Version: "v1", Kind: "EC2NodeClass"}:
		return ec2NodeClasses
	case schema.GroupVersionKind{Group: "karpenter.sh", Version: "v1alpha1", Kind: "KarpenterScalingPolicy"}:
		return scalingPolicies
	}
	t.Fatalf("no resource for %s", gvk)
	return schema.GroupVersionResource{}
}

func (s *suite) resource(gvr schema.GroupVersionResource) dynamic.ResourceInterface {
	return s.dynamic.Resource(gvr)
}

// testContext is a context bounded by a deadline well under the go test timeout, so that a hung
// API call fails the test that made it.
func testContext(t testing.TB) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx
}

// readManifest reads a YAML manifest under testdata.
func readManifest(t testing.TB, path string) ([]byte, *unstructured.Unstructured) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", path))
	if err != nil {
		t.Fatal(err)
	}
	return data, decodeYAML(t, data)
}

func decodeYAML(t testing.TB, data []byte) *unstructured.Unstructured {
	t.Helper()
	obj := map[string]any{}
	if err := yaml.Unmarshal(data, &obj); err != nil {
		t.Fatalf("decoding YAML: %v", err)
	}
	return &unstructured.Unstructured{Object: obj}
}

// applyYAML server-side applies a manifest's bytes exactly as written, with strict field
// validation: a field the CRD does not know is an error, not silently pruned.
func (s *suite) applyYAML(ctx context.Context, gvr schema.GroupVersionResource, name string, data []byte) (*unstructured.Unstructured, error) {
	force := true
	u, err := s.resource(gvr).Patch(ctx, name, types.ApplyYAMLPatchType, data, metav1.PatchOptions{
		FieldManager:    fieldManager,
		Force:           &force,
		FieldValidation: metav1.FieldValidationStrict,
	})
	if err != nil {
		return nil, fmt.Errorf("applying %s %s: %w", gvr.Resource, name, err)
	}
	return u, nil
}

// createObject creates an object with strict field validation and deletes it when the test ends.
func (s *suite) createObject(t testing.TB, u *unstructured.Unstructured) *unstructured.Unstructured {
	t.Helper()
	gvr := resourceFor(t, u)
	ctx := testContext(t)
	out, err := s.resource(gvr).Create(ctx, u, metav1.CreateOptions{FieldManager: fieldManager, FieldValidation: metav1.FieldValidationStrict})
	if err != nil {
		t.Fatalf("creating %s %s: %v", gvr.Resource, u.GetName(), err)
	}
	s.deleteAtEnd(t, gvr, u.GetName())
	return out
}

func (s *suite) deleteAtEnd(t testing.TB, gvr schema.GroupVersionResource, name string) {
	t.Helper()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := s.resource(gvr).Delete(ctx, name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("deleting %s %s: %v", gvr.Resource, name, err)
		}
	})
}

// mergePatch applies an RFC 7386 JSON merge patch, written as YAML, to a copy of obj: maps
// merge, null deletes, and anything else (lists included) replaces.
func mergePatch(t testing.TB, obj *unstructured.Unstructured, patchYAML string) *unstructured.Unstructured {
	t.Helper()
	patch := map[string]any{}
	if err := yaml.Unmarshal([]byte(patchYAML), &patch); err != nil {
		t.Fatalf("decoding patch %q: %v", patchYAML, err)
	}
	// A JSON round-trip gives both sides the same number types.
	return &unstructured.Unstructured{Object: mergeMaps(jsonCopy(t, obj.Object), patch)}
}

func mergeMaps(dst, patch map[string]any) map[string]any {
	for k, pv := range patch {
		if pv == nil {
			delete(dst, k)
			continue
		}
		pm, pIsMap := pv.(map[string]any)
		dm, dIsMap := dst[k].(map[string]any)
		if pIsMap && dIsMap {
			dst[k] = mergeMaps(dm, pm)
			continue
		}
		if pIsMap {
			dst[k] = mergeMaps(map[string]any{}, pm)
			continue
		}
		dst[k] = pv
	}
	return dst
}

// jsonCopy deep-copies a JSON-like value through encoding/json, normalising numbers to float64.
func jsonCopy(t testing.TB, v map[string]any) map[string]any {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// missingFrom lists the paths of want that got lacks or holds with a different value: an empty
// result means got contains everything want says. Lists must have the same length and match
// element-wise.
func missingFrom(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %v", path, got)}
		}
		keys := make([]string, 0, len(w))
		for k := range w {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var out []string
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				out = append(out, fmt.Sprintf("%s.%s: missing", path, k))
				continue
			}
			out = append(out, missingFrom(w[k], gv, path+"."+k)...)
		}
		return out
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		var out []string
		for i := range w {
			out = append(out, missingFrom(w[i], g[i], fmt.Sprintf("%s[%d]", path, i))...)
		}
		return out
	default:
		if !reflect.DeepEqual(want, got) {
			return []string{fmt.Sprintf("%s: want %v, got %v", path, want, got)}
		}
		return nil
	}
}

// fieldError is what a test expects the API server to say about one field.
type fieldError struct {
	// field is the path the server names, e.g. spec.template.spec.requirements[0].operator.
	field string
	// message must appear in the server's message for that field.
	message string
}

// requireRejected asserts that err is an Invalid error from the API server with a cause naming
// want.field whose message contains want.message.
func requireRejected(t testing.TB, err error, want fieldError) {
	t.Helper()
	if err == nil {
		t.Fatalf("the API server accepted the object; want it rejected at %s with %q", want.field, want.message)
	}
	var status apierrors.APIStatus
	if !errors.As(err, &status) {
		t.Fatalf("want an API status error, got %T: %v", err, err)
	}
	st := status.Status()
	if st.Reason != metav1.StatusReasonInvalid {
		t.Fatalf("want reason %s, got %s: %v", metav1.StatusReasonInvalid, st.Reason, err)
	}
	if st.Details == nil {
		t.Fatalf("the error has no details: %v", err)
	}
	for _, c := range st.Details.Causes {
		// A rule that fails to evaluate still rejects the object, but tells the user about CEL
		// instead of their manifest.
		if strings.Contains(c.Message, "evaluating rule") || strings.Contains(c.Message, "no such key") {
			t.Errorf("a validation rule failed to evaluate instead of rejecting cleanly: %s: %s", c.Field, c.Message)
		}
	}
	for _, c := range st.Details.Causes {
		if c.Field == want.field && strings.Contains(c.Message, want.message) {
			// The human-readable message a user sees (kubectl prints it) must name the field too.
			if !strings.Contains(st.Message, want.field) {
				t.Errorf("the error message does not name %s: %s", want.field, st.Message)
			}
			t.Logf("rejected: %s", st.Message)
			return
		}
	}
	var got []string
	for _, c := range st.Details.Causes {
		got = append(got, fmt.Sprintf("  %s: %s", c.Field, c.Message))
	}
	t.Fatalf("no cause at %s containing %q; causes:\n%s\nmessage: %s", want.field, want.message, strings.Join(got, "\n"), st.Message)
}
