package garbagecollection

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestOrphanedInstancesAreTerminatedAfterTheGracePeriod(t *testing.T) {
	s := newSuite(t)
	owned := s.nodeClaim(t, "fake:///test-zone-a/i-owned", t0.Add(-time.Hour))
	s.instance(owned.Name, "fake:///test-zone-a/i-owned", t0.Add(-time.Hour))
	// The agent died after launching this one and before recording it on its NodeClaim: the
	// restarted agent adopts it, so it is not an orphan.
	inFlight := s.nodeClaim(t, "", time.Time{})
	s.instance(inFlight.Name, "fake:///test-zone-a/i-inflight", t0.Add(-time.Hour))
	s.instance("gone-old", "fake:///test-zone-a/i-old", t0.Add(-GracePeriod-time.Second))
	oldNode := s.node(t, "old", "fake:///test-zone-a/i-old")
	s.instance("gone-young", "fake:///test-zone-a/i-young", t0.Add(-GracePeriod+10*time.Second))

	s.start(t)
	testenv.Eventually(t, "the old orphan to be terminated", func(context.Context) error {
		if s.hasInstance("fake:///test-zone-a/i-old") {
			return errors.New("still running")
		}
		return nil
	})
	testenv.Eventually(t, "its node to be deleted", func(ctx context.Context) error { return testenv.Gone(ctx, s.direct, oldNode, false) })
	for _, name := range []string{"gone-old", oldNode.Name} {
		d, err := s.rec.Find(decisions.ReasonOrphanedInstanceDeleted, name)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(d.Message, "fake:///test-zone-a/i-old") {
			t.Errorf("Event on %s: %q", name, d.Message)
		}
	}
	for _, id := range []string{"fake:///test-zone-a/i-young", "fake:///test-zone-a/i-owned", "fake:///test-zone-a/i-inflight"} {
		if !s.hasInstance(id) {
			t.Errorf("%s was terminated", id)
		}
	}

	// Two minutes on, the young one is past its grace period too.
	s.nextPass(t)
	testenv.Eventually(t, "the young orphan to be terminated at the next pass", func(context.Context) error {
		if s.hasInstance("fake:///test-zone-a/i-young") {
			return errors.New("still running")
		}
		return nil
	})
	for _, id := range []string{"fake:///test-zone-a/i-owned", "fake:///test-zone-a/i-inflight"} {
		if !s.hasInstance(id) {
			t.Errorf("%s was terminated", id)
		}
	}
}

func TestNodeClaimsWhoseInstanceIsGoneAreDeleted(t *testing.T) {
	s := newSuite(t)
	vanished := s.nodeClaim(t, "fake:///test-zone-a/i-vanished", t0.Add(-time.Minute))
	justLaunched := s.nodeClaim(t, "fake:///test-zone-a/i-listedlate", t0.Add(-5*time.Second))
	running := s.nodeClaim(t, "fake:///test-zone-a/i-running", t0.Add(-time.Hour))
	s.instance(running.Name, "fake:///test-zone-a/i-running", t0.Add(-time.Hour))
	launching := s.nodeClaim(t, "", time.Time{})

	s.start(t)
	testenv.Eventually(t, "the nodeclaim whose instance vanished to be deleted", func(ctx context.Context) error {
		return testenv.Gone(ctx, s.direct, vanished, true)
	})
	if err := testenv.ConditionIs(context.Background(), s.direct, vanished, karpv1.ConditionTypeDisruptionReason, "True", "InstanceTerminated"); err != nil {
		t.Error(err)
	}
	if _, err := s.rec.Find(decisions.ReasonInstanceTerminated, vanished.Name); err != nil {
		t.Error(err)
	}
	for _, nc := range []*karpv1.NodeClaim{justLaunched, running, launching} {
		if err := testenv.Gone(context.Background(), s.direct, nc, true); err == nil {
			t.Errorf("nodeclaim %s (provider ID %q) was deleted", nc.Name, nc.Status.ProviderID)
		}
	}

	s.nextPass(t)
	testenv.Eventually(t, "the young nodeclaim to be deleted once past the grace period", func(ctx context.Context) error {
		return testenv.Gone(ctx, s.direct, justLaunched, true)
	})
	for _, nc := range []*karpv1.NodeClaim{running, launching} {
		if err := testenv.Gone(context.Background(), s.direct, nc, true); err == nil {
			t.Errorf("nodeclaim %s was deleted", nc.Name)
		}
	}
}

// After a pass, the provider's instances are exactly the NodeClaims' (the agent-restart e2e
// invariant), however the two sides drifted apart.
func TestAPassLeavesInstancesEqualToNodeClaims(t *testing.T) {
	s := newSuite(t)
	var want []string
	for i := range 3 {
		id := fmt.Sprintf("fake:///test-zone-b/i-%d", i)
		nc := s.nodeClaim(t, id, t0.Add(-time.Hour))
		s.instance(nc.Name, id, t0.Add(-time.Hour))
		want = append(want, id)
	}
	s.instance("crashed-1", "fake:///test-zone-b/i-orphan1", t0.Add(-time.Hour))
	s.instance("crashed-2", "fake:///test-zone-b/i-orphan2", t0.Add(-time.Hour))
	s.nodeClaim(t, "fake:///test-zone-b/i-reclaimed", t0.Add(-time.Hour))

	s.start(t)
	testenv.Eventually(t, "instances to equal nodeclaims", func(ctx context.Context) error {
		var got []string
		for _, in := range s.cloud.Instances() {
			got = append(got, in.Status.ProviderID)
		}
		var ncs karpv1.NodeClaimList
		if err := s.direct.List(ctx, &ncs); err != nil {
			return err
		}
		var live []string
		for _, nc := range ncs.Items {
			if nc.DeletionTimestamp == nil {
				live = append(live, nc.Status.ProviderID)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || len(live) != len(want) {
			return fmt.Errorf("instances %v, live nodeclaims %v, want %v", got, live, want)
		}
		return nil
	})
}
