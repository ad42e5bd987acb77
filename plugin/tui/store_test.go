package tui

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

func TestStoreKeepsPerNodeSumsAsPodsMove(t *testing.T) {
	s := fixtureStore()
	claim := func() ClaimRow {
		row, ok := s.Snapshot(now).Claim("default-abcde")
		if !ok {
			t.Fatal("default-abcde is missing")
		}
		return *row
	}
	if c := claim(); c.Pods != 2 || c.CPU != (usage.Amount{Requested: 1500, Allocatable: 2000}) || c.Memory.Requested != 3<<30 {
		t.Fatalf("node-a sums = %d pods, %+v, %d", c.Pods, c.CPU, c.Memory.Requested)
	}
	// A pod that finishes no longer counts; one that moves counts on its new node only.
	done := fixturePod("shop", "web-1", "node-a", "500m", "1Gi")
	done.Status.Phase = corev1.PodSucceeded
	s.UpsertPod(done)
	s.UpsertPod(fixturePod("shop", "web-2", "node-c", "1", "2Gi"))
	if c := claim(); c.Pods != 0 || c.CPU.Requested != 0 || c.Memory.Requested != 0 {
		t.Fatalf("after the pods left, node-a sums = %d pods, %+v", c.Pods, c.CPU)
	}
	if gpu, _ := s.Snapshot(now).Claim("gpu-klmno"); gpu.Pods != 2 || gpu.CPU.Requested != 2500 {
		t.Fatalf("node-c sums = %d pods, %+v", gpu.Pods, gpu.CPU)
	}
	s.DeletePod("shop", "web-2")
	s.DeletePod("ml", "train-0")
	if gpu, _ := s.Snapshot(now).Claim("gpu-klmno"); gpu.Pods != 0 || gpu.CPU.Requested != 0 {
		t.Fatalf("after deletes node-c sums = %d pods, %+v", gpu.Pods, gpu.CPU)
	}
	// A pending pod that gets bound leaves the pending list.
	s.UpsertPod(fixturePod("shop", "web-3", "node-a", "500m", "1Gi"))
	snap := s.Snapshot(now)
	if snap.Totals.Pending != 1 || snap.Pending[0].Key != "ml/train-1" {
		t.Fatalf("pending = %+v", snap.Pending)
	}
}

func TestClaimRowStagesAndMarks(t *testing.T) {
	snap := fixtureStore().Snapshot(now)
	a, _ := snap.Claim("default-abcde")
	if a.State != usage.StateInitialized || a.Launch != 40*time.Second || a.Register != 25*time.Second || a.Init != 5*time.Second {
		t.Errorf("default-abcde: %s %s/%s/%s", a.State, a.Launch, a.Register, a.Init)
	}
	if marks(a) != "D" {
		t.Errorf("default-abcde marks %q, want drifted", marks(a))
	}
	b, _ := snap.Claim("default-fghij")
	if b.State != usage.StateLaunched || b.Register != notReached || !b.Price.Estimated() {
		t.Errorf("default-fghij: %s, register %s, price %v", b.State, b.Register, b.Price)
	}
	c, _ := snap.Claim("gpu-klmno")
	if marks(c) != "N" {
		t.Errorf("gpu-klmno marks %q, want do-not-disrupt from its node", marks(c))
	}
}

func TestAgentStatusFromTheLease(t *testing.T) {
	lease := func(renewed time.Duration) map[string]*coordinationv1.Lease {
		return map[string]*coordinationv1.Lease{"karpenter/" + LeaseName: {
			ObjectMeta: metav1.ObjectMeta{Namespace: "karpenter", Name: LeaseName},
			Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("agent-1"), LeaseDurationSeconds: ptr.To(int32(15)),
				RenewTime: ptr.To(metav1.NewMicroTime(now.Add(-renewed)))},
		}}
	}
	if st := agentStatus(lease(5*time.Second), now); !st.Running || st.Leader != "agent-1" {
		t.Errorf("fresh lease: %+v", st)
	}
	if st := agentStatus(lease(time.Minute), now); st.Running || !st.Known || st.RenewedAgo != time.Minute {
		t.Errorf("expired lease: %+v", st)
	}
	if st := agentStatus(nil, now); st.Known {
		t.Errorf("no lease: %+v", st)
	}
}

func TestNotRunningAgentInTheHeader(t *testing.T) {
	d := newDriver(t, false)
	d.store.UpsertLease(&coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "karpenter", Name: LeaseName},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("karpenter-agent-7d9f_1b2c"), LeaseDurationSeconds: ptr.To(int32(15)),
			RenewTime: ptr.To(metav1.NewMicroTime(now.Add(-5 * time.Minute)))},
	})
	d.send(windowSize(160, 30))
	d.refresh()
	d.mustShow("agent: not running, last leader karpenter-agent-7d9f_1b2c renewed 5m ago")
}

func TestNoColorKeepsReverseButNoColours(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	for _, noColor := range []bool{false, true} {
		m := New(context.Background(), Config{Context: "kind-test", Now: fixedNow, NoColor: noColor})
		m.Update(windowSize(120, 20))
		m.Update(SnapshotMsg{Snap: fixtureStore().Snapshot(now)})
		v := m.View()
		colours := strings.Contains(v, "\x1b[38;2;")
		if colours == noColor {
			t.Errorf("NoColor=%t: colour sequences present=%t", noColor, colours)
		}
		if !strings.Contains(v, "\x1b[7m") {
			t.Errorf("NoColor=%t: the selected row is not reversed", noColor)
		}
	}
}

// Condition times have one-second resolution: a phase that ended within its second took "0s",
// which must not read as "-" (not reached).
func TestPhaseWithinASecondIsNotNotReached(t *testing.T) {
	at := time.Unix(100, 0)
	if got := short(since(at, at)); got != "0s" {
		t.Errorf("a phase that ended in the second it began shows %q, want 0s", got)
	}
	if got := short(since(at, time.Time{})); got != "-" {
		t.Errorf("a phase that has not ended shows %q, want -", got)
	}
}
