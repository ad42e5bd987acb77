package simulated

import (
	"context"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func nodeNameOf(nc *karpv1.NodeClaim) string {
	_, id, _ := ParseProviderID(nc.Status.ProviderID)
	return id
}

func TestTheNodeAppearsAfterTheLaunchDelay(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, clk := newTestProvider(t, c, Options{LaunchDelay: 5 * time.Second})
	nc := testNodeClaim("a", threeTypes)
	nc.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "web", Effect: corev1.TaintEffectNoSchedule}}
	nc.Spec.StartupTaints = []corev1.Taint{{Key: "cni-not-ready", Effect: corev1.TaintEffectNoSchedule}}
	got := mustCreate(t, p, nc)
	name := nodeNameOf(got)

	waitForWaiters(t, clk)
	clk.Step(5*time.Second - time.Millisecond)
	waitForWaiters(t, clk)
	if _, ok := getNode(c, name); ok {
		t.Fatal("the Node appeared before the launch delay")
	}
	clk.Step(time.Millisecond)
	var node *corev1.Node
	eventually(t, 5*time.Second, "the Node", func() bool { n, ok := getNode(c, name); node = n; return ok })

	if node.Spec.ProviderID != got.Status.ProviderID {
		t.Errorf("providerID %q, want %q", node.Spec.ProviderID, got.Status.ProviderID)
	}
	for k, v := range got.Labels {
		if node.Labels[k] != v {
			t.Errorf("node label %s=%q, want %q", k, node.Labels[k], v)
		}
	}
	if node.Labels[corev1.LabelHostname] != name {
		t.Errorf("hostname label %q", node.Labels[corev1.LabelHostname])
	}
	if node.Annotations[KWOKNodeAnnotation] != KWOKNodeAnnotationValue {
		t.Errorf("annotations %v", node.Annotations)
	}
	wantTaints := []string{"karpenter.sh/unregistered:NoExecute", "dedicated:NoSchedule", "cni-not-ready:NoSchedule"}
	var taints []string
	for _, tt := range node.Spec.Taints {
		taints = append(taints, tt.Key+":"+string(tt.Effect))
	}
	if !slices.Equal(taints, wantTaints) {
		t.Errorf("taints %v, want %v", taints, wantTaints)
	}
	if node.Status.Allocatable.Cpu().Cmp(*got.Status.Allocatable.Cpu()) != 0 || node.Status.Capacity.Pods().Cmp(*got.Status.Capacity.Pods()) != 0 {
		t.Errorf("node capacity %v allocatable %v", node.Status.Capacity, node.Status.Allocatable)
	}
	eventually(t, 5*time.Second, "the instance to be running", func() bool {
		in, _ := p.getRecord(context.Background(), recordName("a"))
		return in != nil && in.State == StateRunning
	})
}

func TestASecondProviderFinishesPendingLaunches(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	first, clk := newTestProvider(t, c, Options{})
	nc := mustCreate(t, first, testNodeClaim("a", threeTypes))
	first.Close() // the agent dies before the Node is due

	second := New(c, clk, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- second.Start(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Start of the second provider: %v", err)
		}
	}()

	list, err := second.List(ctx)
	if err != nil || len(list) != 1 || list[0].Status.ProviderID != nc.Status.ProviderID {
		t.Fatalf("List from the new provider: %v, %v", names(list), err)
	}
	waitForWaiters(t, clk)
	clk.Step(DefaultLaunchDelay)
	eventually(t, 5*time.Second, "the resumed launch's Node", func() bool { _, ok := getNode(c, nodeNameOf(nc)); return ok })
}

func TestSlowLaunchesAddTheirDelay(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"), faultsConfigMap(map[string]string{FaultKeyExtraLaunchDelay: "1m"}))
	p, clk := newTestProvider(t, c, Options{})
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	waitForWaiters(t, clk)
	clk.Step(time.Minute)
	waitForWaiters(t, clk)
	if _, ok := getNode(c, nodeNameOf(nc)); ok {
		t.Fatal("the Node appeared before the extra delay was over")
	}
	clk.Step(DefaultLaunchDelay)
	eventually(t, 5*time.Second, "the slow launch's Node", func() bool { _, ok := getNode(c, nodeNameOf(nc)); return ok })
}

func TestDeletingAPendingInstanceCreatesNoNode(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, clk := newTestProvider(t, c, Options{})
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	if err := p.Delete(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
	// A record launched afterwards makes the launcher run past the deleted one's due time.
	later := mustCreate(t, p, testNodeClaim("b", threeTypes))
	waitForWaiters(t, clk)
	clk.Step(DefaultLaunchDelay)
	eventually(t, 5*time.Second, "the second Node", func() bool { _, ok := getNode(c, nodeNameOf(later)); return ok })
	if _, ok := getNode(c, nodeNameOf(nc)); ok {
		t.Error("a deleted instance's Node was created")
	}
}

func TestCreateDelayKeepsTheInstanceForTheRetry(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"), faultsConfigMap(map[string]string{FaultKeyCreateDelay: "10s"}))
	p, clk := newTestProvider(t, c, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error)
	go func() {
		_, err := p.Create(ctx, testNodeClaim("a", threeTypes))
		errs <- err
	}()
	eventually(t, 5*time.Second, "the instance record", func() bool { in, _ := p.getRecord(context.Background(), recordName("a")); return in != nil })
	cancel() // the agent is killed mid-launch
	if err := <-errs; err == nil {
		t.Fatal("Create returned no error after its context ended")
	}
	c2 := faultsConfigMap(nil)
	if err := c.Delete(context.Background(), c2); err != nil {
		t.Fatal(err)
	}
	p2 := New(c, clk, Options{})
	defer p2.Close()
	again, err := p2.Create(context.Background(), testNodeClaim("a", threeTypes))
	if err != nil {
		t.Fatal(err)
	}
	list, _ := p2.List(context.Background())
	if len(list) != 1 || list[0].Status.ProviderID != again.Status.ProviderID {
		t.Errorf("after the retry: List %v, Create returned %s", names(list), again.Status.ProviderID)
	}
}
