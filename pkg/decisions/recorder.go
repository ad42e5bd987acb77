package decisions

import (
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// DedupeWindow is how long a decision with the same object and DedupeKey is suppressed. Identical
// repeats are also folded by client-go's correlator, which bumps the Event's count.
const DedupeWindow = 2 * time.Minute

// EventRecorder publishes decisions through a client-go EventRecorder.
type EventRecorder struct {
	rec   record.EventRecorder
	clock clock.Clock

	mu   sync.Mutex
	seen map[string]time.Time
}

var _ Recorder = (*EventRecorder)(nil)

// NewEventRecorder wraps rec; decisions with a DedupeKey are suppressed within DedupeWindow.
func NewEventRecorder(rec record.EventRecorder, c clock.Clock) *EventRecorder {
	return &EventRecorder{rec: rec, clock: c, seen: map[string]time.Time{}}
}

// Publish records each decision as an Event on its object.
func (r *EventRecorder) Publish(ds ...Decision) {
	for _, d := range ds {
		if d.DedupeKey != "" && r.recentlySeen(d) {
			continue
		}
		r.rec.Event(d.Object, d.Type, d.Reason, d.Message)
	}
}

func (r *EventRecorder) recentlySeen(d Decision) bool {
	id := d.DedupeKey
	if m, err := meta.Accessor(d.Object); err == nil {
		id = string(m.GetUID()) + "/" + m.GetName() + "/" + id
	}
	now := r.clock.Now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if t, ok := r.seen[id]; ok && now.Sub(t) < DedupeWindow {
		return true
	}
	r.seen[id] = now
	// Forget old keys so the map does not grow with every pod the agent ever saw.
	if len(r.seen) > 10000 {
		for k, t := range r.seen {
			if now.Sub(t) >= DedupeWindow {
				delete(r.seen, k)
			}
		}
	}
	return false
}
