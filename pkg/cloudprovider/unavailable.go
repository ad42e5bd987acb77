package cloudprovider

import (
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// UnavailableTTL is how long an offering that ran out of capacity is skipped, as upstream does.
const UnavailableTTL = 3 * time.Minute

// UnavailableOfferings remembers offerings that recently failed with insufficient capacity, so
// both the scheduler's view (GetInstanceTypes) and the next launch skip them until they expire.
// It is safe for concurrent use.
type UnavailableOfferings struct {
	clock clock.Clock
	ttl   time.Duration

	mu      sync.Mutex
	entries map[OfferingKey]time.Time
	// seq changes whenever the set changes, so callers can cache derived views cheaply.
	seq uint64
}

// NewUnavailableOfferings returns an empty cache whose entries live for ttl.
func NewUnavailableOfferings(c clock.Clock, ttl time.Duration) *UnavailableOfferings {
	return &UnavailableOfferings{clock: c, ttl: ttl, entries: map[OfferingKey]time.Time{}}
}

// MarkUnavailable records that the offering had no capacity.
func (u *UnavailableOfferings) MarkUnavailable(k OfferingKey) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.entries[k] = u.clock.Now().Add(u.ttl)
	u.seq++
}

// IsUnavailable reports whether the offering failed within the TTL.
func (u *UnavailableOfferings) IsUnavailable(k OfferingKey) bool {
	u.mu.Lock()
	defer u.mu.Unlock()
	exp, ok := u.entries[k]
	if !ok {
		return false
	}
	if !u.clock.Now().Before(exp) {
		delete(u.entries, k)
		u.seq++
		return false
	}
	return true
}

// SeqNum changes whenever an entry is added or expires.
func (u *UnavailableOfferings) SeqNum() uint64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.seq
}

// Apply returns a copy of the instance types whose offerings are marked unavailable where the
// cache says so; the input is not modified because providers share cached instance types.
func (u *UnavailableOfferings) Apply(its []*InstanceType) []*InstanceType {
	out := make([]*InstanceType, 0, len(its))
	for _, it := range its {
		var copied *InstanceType
		for i, of := range it.Offerings {
			if !of.Available || !u.IsUnavailable(OfferingKey{InstanceType: it.Name, Zone: of.Zone, CapacityType: of.CapacityType}) {
				continue
			}
			if copied == nil {
				c := *it
				c.Offerings = append(Offerings(nil), it.Offerings...)
				copied = &c
			}
			copied.Offerings[i].Available = false
		}
		if copied != nil {
			out = append(out, copied)
		} else {
			out = append(out, it)
		}
	}
	return out
}
