package tui

import (
	"context"
	"fmt"
	"testing"
	"time"
)

// A burst of writes becomes one snapshot that includes all of them, and the next wait lasts
// until the next write.
func TestWaitForChangeCoalescesBursts(t *testing.T) {
	s := NewStore()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := WaitForChange(ctx, s, fixedNow, 50*time.Millisecond)

	for i := 0; i < 2000; i++ {
		s.UpsertPod(fixturePod("ns", fmt.Sprintf("p-%d", i), "", "100m", "128Mi"))
	}
	msg, ok := wait().(SnapshotMsg)
	if !ok || msg.Snap.Totals.Pending != 2000 {
		t.Fatalf("first snapshot: %#v", msg)
	}

	next := make(chan interface{}, 1)
	go func() { next <- wait() }()
	select {
	case m := <-next:
		t.Fatalf("a snapshot without a change: %#v", m)
	case <-time.After(200 * time.Millisecond):
		// Nothing changed, nothing delivered: the deadline is the assertion, not a synchronisation.
	}
	s.DeletePod("ns", "p-0")
	select {
	case m := <-next:
		if snap := m.(SnapshotMsg).Snap; snap.Totals.Pending != 1999 {
			t.Fatalf("second snapshot has %d pending", snap.Totals.Pending)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no snapshot after a change")
	}
	cancel()
	if m := wait(); m != nil {
		t.Fatalf("after cancel: %#v", m)
	}
}
