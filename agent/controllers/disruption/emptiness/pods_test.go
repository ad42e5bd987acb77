package emptiness

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestSummarizePods(t *testing.T) {
	now := metav1.Now()
	owned := func(kind string) func(*corev1.Pod) {
		return func(p *corev1.Pod) {
			p.OwnerReferences = []metav1.OwnerReference{{Kind: kind, Name: "x", APIVersion: "apps/v1"}}
		}
	}
	phase := func(ph corev1.PodPhase) func(*corev1.Pod) { return func(p *corev1.Pod) { p.Status.Phase = ph } }
	terminating := func(p *corev1.Pod) { p.DeletionTimestamp = &now }
	dnd := func(p *corev1.Pod) { p.Annotations = map[string]string{"karpenter.sh/do-not-disrupt": "true"} }
	mirror := func(p *corev1.Pod) { p.Annotations = map[string]string{mirrorPodAnnotation: "abc"} }
	pod := func(name string, opts ...func(*corev1.Pod)) corev1.Pod {
		p := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
		for _, o := range opts {
			o(&p)
		}
		return p
	}
	for _, tc := range []struct {
		name string
		pods []corev1.Pod
		want podSummary
	}{
		{name: "no pods", want: podSummary{}},
		{name: "DaemonSet pods only", pods: []corev1.Pod{pod("ds", owned("DaemonSet"))}, want: podSummary{}},
		{name: "a ReplicaSet pod", pods: []corev1.Pod{pod("ds", owned("DaemonSet")), pod("web", owned("ReplicaSet"))}, want: podSummary{Workload: "ns/web"}},
		{name: "a bare pod", pods: []corev1.Pod{pod("bare")}, want: podSummary{Workload: "ns/bare"}},
		{name: "succeeded and failed pods left", pods: []corev1.Pod{pod("job", owned("Job"), phase(corev1.PodSucceeded)), pod("f", phase(corev1.PodFailed))}, want: podSummary{}},
		{name: "a terminating pod is leaving", pods: []corev1.Pod{pod("web", owned("ReplicaSet"), terminating)}, want: podSummary{}},
		{name: "a terminating StatefulSet pod still counts", pods: []corev1.Pod{pod("db", owned("StatefulSet"), terminating)}, want: podSummary{Workload: "ns/db"}},
		{name: "static pods stay", pods: []corev1.Pod{pod("etcd", mirror), pod("proxy", owned("Node"))}, want: podSummary{}},
		{name: "a do-not-disrupt DaemonSet pod blocks", pods: []corev1.Pod{pod("ds", owned("DaemonSet"), dnd)}, want: podSummary{Blocker: "ns/ds"}},
		{name: "a do-not-disrupt workload", pods: []corev1.Pod{pod("web", dnd)}, want: podSummary{Workload: "ns/web", Blocker: "ns/web"}},
		{name: "a finished do-not-disrupt pod does not block", pods: []corev1.Pod{pod("job", dnd, phase(corev1.PodSucceeded))}, want: podSummary{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := summarizePods(tc.pods); got != tc.want {
				t.Errorf("summary = %+v, want %+v", got, tc.want)
			}
		})
	}
}
