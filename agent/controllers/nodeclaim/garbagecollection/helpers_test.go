package garbagecollection

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
)

// t0 is the fake clock's start.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

type suite struct {
	direct client.Client
	cloud  *fake.CloudProvider
	clock  *clocktesting.FakeClock
	rec    *testenv.Recorder
}

func newSuite(t *testing.T) *suite {
	t.Helper()
	_, direct := testenv.Env(t)
	clk := clocktesting.NewFakeClock(t0)
	return &suite{direct: direct, cloud: fake.New(clk), clock: clk, rec: &testenv.Recorder{}}
}

// start runs the collector; its first pass starts at once, over what the test created before.
func (s *suite) start(t *testing.T) {
	t.Helper()
	testenv.Manager(t, func(mgr manager.Manager) error {
		return NewController(mgr.GetClient(), s.cloud, s.rec, s.clock).Register(mgr)
	})
}

// nextPass waits for the collector to wait for its next tick, then advances the clock to it.
func (s *suite) nextPass(t *testing.T) {
	t.Helper()
	testenv.Eventually(t, "the collector to wait for its next pass", func(context.Context) error {
		if !s.clock.HasWaiters() {
			return fmt.Errorf("no timer set")
		}
		return nil
	})
	s.clock.Step(Interval)
}

// instance adds an instance launched at the time for the named NodeClaim.
func (s *suite) instance(name, providerID string, launched time.Time) *karpv1.NodeClaim {
	in := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(launched), Labels: map[string]string{karpv1.NodePoolLabelKey: "default"}},
		Status:     karpv1.NodeClaimStatus{ProviderID: providerID},
	}
	s.cloud.AddInstance(in)
	return in
}

func (s *suite) hasInstance(providerID string) bool {
	return slices.ContainsFunc(s.cloud.Instances(), func(in *karpv1.NodeClaim) bool { return in.Status.ProviderID == providerID })
}

// nodeClaim creates a NodeClaim; with a provider ID it is launched at the time.
func (s *suite) nodeClaim(t *testing.T, providerID string, launched time.Time) *karpv1.NodeClaim {
	t.Helper()
	nc := testenv.NodeClaim()
	testenv.Create(t, s.direct, nc)
	if providerID != "" {
		nc.Status.ProviderID = providerID
		nc.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.NewTime(launched)}}
		if err := s.direct.Status().Update(context.Background(), nc); err != nil {
			t.Fatal(err)
		}
	}
	return nc
}

func (s *suite) node(t *testing.T, name, providerID string) *corev1.Node {
	t.Helper()
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{ProviderID: providerID}}
	testenv.Create(t, s.direct, node)
	return node
}
