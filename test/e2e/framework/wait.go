package framework

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Eventually polls cond every interval until it returns true, or fails the test after timeout
// with the last error cond returned.
func Eventually(t testing.TB, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 250*time.Millisecond, timeout, true, func(ctx context.Context) (bool, error) {
		ok, err := cond(ctx)
		if err != nil {
			// Not met yet: keep polling, and report this error if the deadline passes first.
			last = err
			ok = false
		}
		return ok, nil
	})
	if err != nil {
		t.Fatalf("timed out after %s waiting for %s (last: %v)", timeout, what, last)
	}
}

// Pods lists the pods matching the labels in namespace default.
func (e *Env) Pods(ctx context.Context, labels map[string]string) ([]corev1.Pod, error) {
	var l corev1.PodList
	if err := e.Client.List(ctx, &l, client.InNamespace("default"), client.MatchingLabels(labels)); err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	return l.Items, nil
}

// WaitRunning waits until n pods with the labels run, and returns them.
func (e *Env) WaitRunning(t testing.TB, labels map[string]string, n int, timeout time.Duration) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	Eventually(t, timeout, fmt.Sprintf("%d running pods %v", n, labels), func(ctx context.Context) (bool, error) {
		all, err := e.Pods(ctx, labels)
		if err != nil {
			return false, err
		}
		pods = pods[:0]
		for _, p := range all {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				pods = append(pods, p)
			}
		}
		if len(pods) != n {
			return false, fmt.Errorf("%d of %d running", len(pods), n)
		}
		return true, nil
	})
	return pods
}

// NodeClaims lists the NodeClaims.
func (e *Env) NodeClaims(ctx context.Context) ([]karpv1.NodeClaim, error) {
	var l karpv1.NodeClaimList
	if err := e.Client.List(ctx, &l); err != nil {
		return nil, fmt.Errorf("listing nodeclaims: %w", err)
	}
	return l.Items, nil
}

// Nodes lists the nodes.
func (e *Env) Nodes(ctx context.Context) ([]corev1.Node, error) {
	var l corev1.NodeList
	if err := e.Client.List(ctx, &l); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	return l.Items, nil
}

// Events lists the Events with the reason, in every namespace.
func (e *Env) Events(ctx context.Context, reason string) ([]corev1.Event, error) {
	var l corev1.EventList
	if err := e.Client.List(ctx, &l); err != nil {
		return nil, fmt.Errorf("listing events: %w", err)
	}
	var out []corev1.Event
	for _, ev := range l.Items {
		if reason == "" || ev.Reason == reason {
			out = append(out, ev)
		}
	}
	return out, nil
}
