package v1

import "testing"

// The hand-written deep copy shares no map with its source, and keeps nil maps nil so that a
// copied template encodes exactly as the original.
func TestObjectMetaDeepCopy(t *testing.T) {
	in := &ObjectMeta{Labels: map[string]string{"team": "a"}, Annotations: map[string]string{"example.com/owner": "a"}}
	out := in.DeepCopy()
	out.Labels["team"] = "b"
	out.Annotations["example.com/owner"] = "b"
	if in.Labels["team"] != "a" || in.Annotations["example.com/owner"] != "a" {
		t.Errorf("changing the copy changed the original: %+v", in)
	}

	empty := (&ObjectMeta{}).DeepCopy()
	if empty.Labels != nil || empty.Annotations != nil {
		t.Errorf("nil maps copied as %#v and %#v, want nil", empty.Labels, empty.Annotations)
	}
	if (*ObjectMeta)(nil).DeepCopy() != nil {
		t.Error("a nil ObjectMeta copied to non-nil")
	}

	tmpl := &NodeClaimTemplate{ObjectMeta: ObjectMeta{Labels: map[string]string{"team": "a"}}}
	copied := tmpl.DeepCopy()
	copied.Labels["team"] = "b"
	if tmpl.Labels["team"] != "a" {
		t.Error("the generated NodeClaimTemplate deep copy shares its labels with the original")
	}
}
