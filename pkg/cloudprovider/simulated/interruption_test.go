package simulated

import (
	"context"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func receive(t *testing.T, ch <-chan cloudprovider.Interruption) cloudprovider.Interruption {
	t.Helper()
	select {
	case n, ok := <-ch:
		if !ok {
			t.Fatal("the Interruptions channel closed")
		}
		return n
	case <-time.After(5 * time.Second):
		t.Fatal("no interruption notice within 5s")
	}
	return cloudprovider.Interruption{}
}

func TestInterruptASpotInstance(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, _ := newTestProvider(t, c, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spot := mustCreate(t, p, testNodeClaim("spot", threeTypes))
	onDemand := mustCreate(t, p, testNodeClaim("od", threeTypes, req(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "on-demand")))
	notices := p.Interruptions(ctx)

	if err := p.Interrupt(ctx, nodeNameOf(spot)); err != nil {
		t.Fatal(err)
	}
	n := receive(t, notices)
	if n.ProviderID != spot.Status.ProviderID || n.Kind != cloudprovider.InterruptionSpot || n.Message == "" {
		t.Errorf("notice %+v", n)
	}
	got, err := p.Get(ctx, spot.Status.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Status.Conditions) != 1 || got.Status.Conditions[0].Type != karpv1.ConditionTypeInstanceTerminating || got.Status.Conditions[0].Status != metav1.ConditionTrue {
		t.Errorf("Get after the interruption: conditions %v", got.Status.Conditions)
	}
	if list, _ := p.List(ctx); len(list) != 2 {
		t.Errorf("the interrupted instance must stay listed until deleted: %v", names(list))
	}
	if err := p.Interrupt(ctx, spot.Status.ProviderID); err != nil {
		t.Errorf("interrupting twice: %v", err)
	}
	if err := p.Interrupt(ctx, onDemand.Status.ProviderID); err == nil || !strings.Contains(err.Error(), "only spot instances") {
		t.Errorf("interrupting on-demand: %v", err)
	}
	if err := p.Interrupt(ctx, "ip-10-0-0-1.ec2.internal"); err == nil {
		t.Error("interrupting an unknown node succeeded")
	}

	// A subscriber of a restarted agent hears about the instance still shutting down.
	again := p.Interruptions(ctx)
	if n := receive(t, again); n.ProviderID != spot.Status.ProviderID {
		t.Errorf("redelivered notice %+v", n)
	}
	cancel()
	for range notices {
	}
}

func TestInterruptThroughTheFaultsConfigMap(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	// The launch is due well after the ConfigMap is polled, so the interruption comes first.
	p, clk := newTestProvider(t, c, Options{LaunchDelay: time.Hour})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	spot := mustCreate(t, p, testNodeClaim("spot", threeTypes))
	// A witness launched just after: once its Node exists, the launcher has handled the spot one.
	witness := mustCreate(t, p, testNodeClaim("witness", threeTypes))
	notices := p.Interruptions(ctx)

	cm := faultsConfigMap(map[string]string{FaultKeyInterrupt: nodeNameOf(spot)})
	if err := c.Create(ctx, cm); err != nil {
		t.Fatal(err)
	}
	waitForWaiters(t, clk)
	clk.Step(DefaultFaultPollInterval)
	if n := receive(t, notices); n.ProviderID != spot.Status.ProviderID {
		t.Errorf("notice %+v", n)
	}
	in, _ := p.getRecord(ctx, recordName("spot"))
	if in.State != StateShuttingDown || in.InterruptedAt.IsZero() {
		t.Errorf("record %s interrupted at %v", in.State, in.InterruptedAt)
	}
	// The entry stays in the ConfigMap; the instance is not announced twice to one subscriber.
	waitForWaiters(t, clk)
	clk.Step(DefaultFaultPollInterval)
	waitForWaiters(t, clk)
	select {
	case n := <-notices:
		t.Errorf("duplicate notice %+v", n)
	default:
	}
	// The Node never launched: an instance interrupted while pending does not boot.
	clk.Step(time.Hour)
	eventually(t, 5*time.Second, "the witness Node", func() bool { _, ok := getNode(c, nodeNameOf(witness)); return ok })
	if _, ok := getNode(c, nodeNameOf(spot)); ok {
		t.Error("an instance interrupted while pending booted")
	}
}

func TestInterruptionsEndWithTheProvider(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t), Options{})
	notices := p.Interruptions(context.Background())
	p.Close()
	for range notices {
	}
	if _, ok := <-p.Interruptions(context.Background()); ok {
		t.Error("a closed provider delivered a notice")
	}
}
