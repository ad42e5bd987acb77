package provisioning

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/event"
)

func pendingPod(message string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable, Message: message,
		}}},
	}
}

func TestBecameProvisionable(t *testing.T) {
	created := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}, Status: corev1.PodStatus{Phase: corev1.PodPending}}
	bound := pendingPod("")
	bound.Spec.NodeName = "node-1"
	p := becameProvisionable()

	cases := []struct {
		name     string
		old, new *corev1.Pod
		want     bool
	}{
		{"marked unschedulable", created, pendingPod("0/0 nodes are available"), true},
		{"only the scheduler's message changed", pendingPod("0/3 nodes are available"), pendingPod("0/4 nodes are available"), false},
		{"bound", pendingPod("0/3 nodes are available"), bound, false},
		{"not yet tried by the scheduler", created, created.DeepCopy(), false},
	}
	for _, c := range cases {
		if got := p.Update(event.UpdateEvent{ObjectOld: c.old, ObjectNew: c.new}); got != c.want {
			t.Errorf("%s: update passed = %v, want %v", c.name, got, c.want)
		}
	}
	if !p.Create(event.CreateEvent{Object: pendingPod("0/1 nodes are available")}) {
		t.Error("a pod seen first as unschedulable (the cache's initial list) must open a batch")
	}
	if p.Create(event.CreateEvent{Object: bound}) {
		t.Error("a bound pod must not open a batch")
	}
	if p.Delete(event.DeleteEvent{Object: pendingPod("x")}) {
		t.Error("a deleted pod needs no node")
	}
}

func TestARetriedPendingPodNudgesABatchOpen(t *testing.T) {
	isOpen := func(b *Batcher) bool {
		b.mu.Lock()
		defer b.mu.Unlock()
		return b.open
	}
	cases := []struct {
		name     string
		old, new *corev1.Pod
		want     bool
	}{
		{"retried, still unschedulable", pendingPod("0/3 nodes are available"), pendingPod("0/5 nodes are available"), true},
		{"no change", pendingPod("0/3 nodes are available"), pendingPod("0/3 nodes are available"), false},
		{"newly pending (a trigger's job, not a nudge's)", &corev1.Pod{}, pendingPod("0/3 nodes are available"), false},
	}
	for _, tc := range cases {
		b := NewBatcher(clocktesting.NewFakeClock(time.Unix(0, 0)), time.Second, 10*time.Second)
		c := &Controller{batcher: b}
		c.onRetried().Update(context.Background(), event.UpdateEvent{ObjectOld: tc.old, ObjectNew: tc.new}, nil)
		if got := isOpen(b); got != tc.want {
			t.Errorf("%s: batch open = %v, want %v", tc.name, got, tc.want)
		}
	}
}
