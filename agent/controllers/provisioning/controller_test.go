package provisioning

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
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
