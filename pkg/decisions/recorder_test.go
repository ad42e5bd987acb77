package decisions

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	clocktesting "k8s.io/utils/clock/testing"
)

func TestRecorderDedupesByKeyWithinWindow(t *testing.T) {
	fake := record.NewFakeRecorder(10)
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	r := NewEventRecorder(fake, clk)
	np := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "default", UID: "u1"}}

	r.Publish(NodePoolLimitReached(np, "cpu", "96", "100", 3))
	r.Publish(NodePoolLimitReached(np, "cpu", "98", "100", 4)) // same key, suppressed
	r.Publish(NodePoolLimitReached(np, "memory", "1Ti", "1Ti", 1))
	clk.Step(DedupeWindow)
	r.Publish(NodePoolLimitReached(np, "cpu", "99", "100", 5))

	if got := len(fake.Events); got != 3 {
		t.Fatalf("published %d events, want 3 (one suppressed repeat)", got)
	}
}

func TestRecorderPassesUnkeyedDecisions(t *testing.T) {
	fake := record.NewFakeRecorder(10)
	r := NewEventRecorder(fake, clocktesting.NewFakeClock(time.Unix(0, 0)))
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default"}}
	d := Nominated(pod, "node/a")
	d.DedupeKey = ""
	r.Publish(d, d)
	if got := len(fake.Events); got != 2 {
		t.Fatalf("published %d events, want 2: identical repeats are folded by client-go's correlator, not here", got)
	}
	if ev := <-fake.Events; ev != "Normal Nominated Pod should schedule on: node/a" {
		t.Fatalf("event = %q", ev)
	}
}
