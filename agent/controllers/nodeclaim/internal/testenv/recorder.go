package testenv

import (
	"fmt"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/api/meta"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// Recorder keeps the decisions published, for assertions.
type Recorder struct {
	mu        sync.Mutex
	decisions []decisions.Decision
}

var _ decisions.Recorder = (*Recorder)(nil)

// Publish records the decisions, with a copy of their objects as they are now: the controller
// goes on changing its own (client-go's recorder also reads the object before returning).
func (r *Recorder) Publish(ds ...decisions.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		d.Object = d.Object.DeepCopyObject()
		r.decisions = append(r.decisions, d)
	}
}

// For returns the decisions with the reason about the named object, oldest first.
func (r *Recorder) For(reason, name string) []decisions.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []decisions.Decision
	for _, d := range r.decisions {
		m, err := meta.Accessor(d.Object)
		if err == nil && d.Reason == reason && m.GetName() == name {
			out = append(out, d)
		}
	}
	return out
}

// Find returns the first decision with the reason about the named object, or an error listing
// what was published instead (for Eventually).
func (r *Recorder) Find(reason, name string) (decisions.Decision, error) {
	if ds := r.For(reason, name); len(ds) > 0 {
		return ds[0], nil
	}
	return decisions.Decision{}, fmt.Errorf("no %s decision about %s; published: %s", reason, name, r)
}

func (r *Recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	parts := make([]string, 0, len(r.decisions))
	for _, d := range r.decisions {
		name := "?"
		if m, err := meta.Accessor(d.Object); err == nil {
			name = m.GetName()
		}
		parts = append(parts, fmt.Sprintf("%s(%s): %s", d.Reason, name, d.Message))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}
