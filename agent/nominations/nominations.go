// Package nominations records which nodes and NodeClaims the provisioner has just promised to
// pending pods, so that disruption does not remove them before the kube-scheduler binds the pods.
// Upstream Karpenter keeps the same record in its in-memory cluster state.
package nominations

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Tracker is shared by the provisioner, which nominates, and the disruption controllers, which
// ask. Nominations expire unless renewed: the provisioner renews them at every batch while the
// pods stay pending, so an expired one means the pods went elsewhere or away. Safe for
// concurrent use.
type Tracker struct {
	clock clock.Clock
	ttl   time.Duration

	mu    sync.Mutex
	until map[string]time.Time
}

// New returns a tracker whose nominations last ttl.
func New(c clock.Clock, ttl time.Duration) *Tracker {
	return &Tracker{clock: c, ttl: ttl, until: map[string]time.Time{}}
}

// Nominate records that pending pods are expected on each named node or NodeClaim.
func (t *Tracker) Nominate(names ...string) {
	until := t.clock.Now().Add(t.ttl)
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, n := range names {
		if n != "" {
			t.until[n] = until
		}
	}
}

// Until returns when the latest live nomination of any of the names expires, or the zero time
// when none is nominated. Expired entries are dropped.
func (t *Tracker) Until(names ...string) time.Time {
	now := t.clock.Now()
	t.mu.Lock()
	defer t.mu.Unlock()
	var latest time.Time
	for _, n := range names {
		u, ok := t.until[n]
		if !ok {
			continue
		}
		if !u.After(now) {
			delete(t.until, n)
			continue
		}
		if u.After(latest) {
			latest = u
		}
	}
	return latest
}
