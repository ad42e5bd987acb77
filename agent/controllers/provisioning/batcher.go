package provisioning

import (
	"context"
	"sync"
	"time"

	"k8s.io/utils/clock"
)

// Batcher collects triggers into batches: a batch closes once no trigger has arrived for the idle
// duration, or at the latest the max duration after its first trigger. Batching lets one solve
// see a whole Deployment's pods, which packs them onto fewer, larger nodes.
//
// Trigger times are recorded by the caller, not by the waiting goroutine, so the window does not
// depend on how quickly that goroutine runs.
type Batcher struct {
	clock clock.Clock
	idle  time.Duration
	max   time.Duration
	wake  chan struct{}

	mu          sync.Mutex
	open        bool
	first, last time.Time
}

// NewBatcher returns a batcher with the given window.
func NewBatcher(c clock.Clock, idle, maxDuration time.Duration) *Batcher {
	return &Batcher{clock: c, idle: idle, max: maxDuration, wake: make(chan struct{}, 1)}
}

// Trigger notes that something happened that may need provisioning. It never blocks.
func (b *Batcher) Trigger() {
	now := b.clock.Now()
	b.mu.Lock()
	if !b.open {
		b.open, b.first = true, now
	}
	b.last = now
	b.mu.Unlock()
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Nudge opens a batch if none is open, and never extends one that is. It is for weak signals,
// such as the kube-scheduler re-marking a pod it still cannot place: those arrive with every new
// node while a scale-up lands, so as triggers they would hold a batch open to its max duration,
// yet a pod the new nodes did not take must not wait for the periodic resync either.
func (b *Batcher) Nudge() {
	now := b.clock.Now()
	b.mu.Lock()
	opened := !b.open
	if opened {
		b.open, b.first, b.last = true, now, now
	}
	b.mu.Unlock()
	if !opened {
		return
	}
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// Wait blocks until a batch has been collected and closes it; it reports false when ctx is done
// first.
func (b *Batcher) Wait(ctx context.Context) bool {
	for {
		wait, ready := b.remaining()
		if ready {
			return true
		}
		var timer clock.Timer
		var fired <-chan time.Time
		if wait > 0 {
			timer = b.clock.NewTimer(wait)
			fired = timer.C()
		}
		select {
		case <-ctx.Done():
			if timer != nil {
				timer.Stop()
			}
			return false
		case <-b.wake:
		case <-fired:
		}
		if timer != nil {
			timer.Stop()
		}
	}
}

// remaining returns how long until the open batch closes, or ready when it has closed (and
// resets it). With no open batch it returns 0, false: wait for a trigger.
func (b *Batcher) remaining() (time.Duration, bool) {
	now := b.clock.Now()
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.open {
		return 0, false
	}
	closeAt := b.last.Add(b.idle)
	if maxAt := b.first.Add(b.max); maxAt.Before(closeAt) {
		closeAt = maxAt
	}
	if !now.Before(closeAt) {
		b.open = false
		return 0, true
	}
	return closeAt.Sub(now), false
}
