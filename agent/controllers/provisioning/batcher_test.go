package provisioning

import (
	"context"
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

// waitAsync runs Wait in the background and returns a channel with its result.
func waitAsync(ctx context.Context, b *Batcher) <-chan bool {
	done := make(chan bool, 1)
	go func() { done <- b.Wait(ctx) }()
	return done
}

// closed reports whether the batch has been delivered; a correct batcher never delivers early,
// so a negative answer cannot be a false failure.
func closed(done <-chan bool) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}

func TestBatchClosesAfterIdle(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	b := NewBatcher(clk, time.Second, 10*time.Second)
	b.Trigger()
	done := waitAsync(context.Background(), b)
	clk.Step(999 * time.Millisecond)
	if closed(done) {
		t.Fatal("batch closed before the idle duration")
	}
	clk.Step(time.Millisecond)
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("Wait reported cancellation")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("batch did not close once the idle duration passed")
	}
}

func TestTriggersExtendTheBatchUpToMax(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	b := NewBatcher(clk, time.Second, 3*time.Second)
	b.Trigger()
	done := waitAsync(context.Background(), b)
	// A trigger every 900ms keeps the idle window open; only the max closes the batch.
	for i := 0; i < 3; i++ {
		clk.Step(900 * time.Millisecond)
		b.Trigger()
		if closed(done) {
			t.Fatalf("batch closed after %d triggers, before the max duration", i+1)
		}
	}
	clk.Step(300 * time.Millisecond) // 3s after the first trigger
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("Wait reported cancellation")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("batch did not close at the max duration")
	}
}

func TestNoTriggerNoBatch(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	b := NewBatcher(clk, time.Second, 10*time.Second)
	ctx, cancel := context.WithCancel(context.Background())
	done := waitAsync(ctx, b)
	clk.Step(time.Minute)
	if closed(done) {
		t.Fatal("a batch closed without any trigger")
	}
	cancel()
	if <-done {
		t.Fatal("Wait returned true for a cancelled context")
	}
}

func TestBatchesAreSeparate(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	b := NewBatcher(clk, time.Second, 10*time.Second)
	b.Trigger()
	clk.Step(time.Second)
	if !b.Wait(context.Background()) {
		t.Fatal("first batch not delivered")
	}
	// The next batch's window starts at its own first trigger, not the previous one's.
	clk.Step(time.Minute)
	b.Trigger()
	done := waitAsync(context.Background(), b)
	if closed(done) {
		t.Fatal("second batch closed at its first trigger")
	}
	clk.Step(time.Second)
	if !<-done {
		t.Fatal("second batch not delivered")
	}
}

func TestNudgeOpensButNeverExtends(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	b := NewBatcher(clk, time.Second, 10*time.Second)
	b.Nudge()
	done := waitAsync(context.Background(), b)
	clk.Step(900 * time.Millisecond)
	b.Nudge() // a repeat while the batch is open: must not move its close
	clk.Step(100 * time.Millisecond)
	select {
	case ok := <-done:
		if !ok {
			t.Fatal("Wait reported cancellation")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a nudged batch did not close one idle duration after it opened")
	}

	// A trigger still extends a batch a nudge opened.
	b.Nudge()
	done = waitAsync(context.Background(), b)
	clk.Step(900 * time.Millisecond)
	b.Trigger()
	clk.Step(900 * time.Millisecond)
	if closed(done) {
		t.Fatal("batch closed although a trigger extended it")
	}
	clk.Step(100 * time.Millisecond)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("batch did not close one idle duration after the trigger")
	}
}
