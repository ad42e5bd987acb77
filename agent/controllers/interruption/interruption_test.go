package interruption

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// interruptingCloud is the fake provider with an interruption feed the test writes to.
type interruptingCloud struct {
	*fake.CloudProvider
	notices chan cloudprovider.Interruption
}

var _ cloudprovider.InterruptionSource = interruptingCloud{}

// Interruptions forwards the test's notices until ctx ends, then closes, as the contract says.
func (c interruptingCloud) Interruptions(ctx context.Context) <-chan cloudprovider.Interruption {
	out := make(chan cloudprovider.Interruption)
	go func() {
		defer close(out)
		for {
			select {
			case <-ctx.Done():
				return
			case n := <-c.notices:
				select {
				case out <- n:
				case <-ctx.Done():
					return
				}
			}
		}
	}()
	return out
}

type recorder struct {
	mu sync.Mutex
	ds []decisions.Decision
}

func (r *recorder) Publish(ds ...decisions.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ds = append(r.ds, ds...)
}

// messages returns the messages of the reason's decisions about objects of obj's type and name.
func (r *recorder) messages(reason string, obj client.Object) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.ds {
		if o, ok := d.Object.(client.Object); ok && d.Reason == reason && o.GetName() == obj.GetName() &&
			reflect.TypeOf(o) == reflect.TypeOf(obj) {
			out = append(out, d.Message)
		}
	}
	return out
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

func setup(t *testing.T) (*testEnv, interruptingCloud, *recorder) {
	t.Helper()
	e := newTestEnv(t)
	cp := interruptingCloud{CloudProvider: fake.New(nil), notices: make(chan cloudprovider.Interruption)}
	rec := &recorder{}
	c := NewController(e.mgr.GetClient(), cp, rec, clocktesting.NewFakeClock(time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)))
	if err := c.Register(e.mgr); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	return e, cp, rec
}

// newNode creates a registered NodeClaim, held by a finalizer as the termination path holds it,
// and its Node.
func (e *testEnv) newNode(t *testing.T, name string) (*karpv1.NodeClaim, *corev1.Node) {
	t.Helper()
	providerID := "fake:///test-zone-a/i-" + name
	nc := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: "default"}, Finalizers: []string{"test.karpenter.sh/hold"}},
		Spec: karpv1.NodeClaimSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
		},
	}
	if err := e.direct.Create(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		cur := &karpv1.NodeClaim{}
		if e.direct.Get(ctx, client.ObjectKeyFromObject(nc), cur) == nil {
			cur.Finalizers = nil
			_ = e.direct.Update(ctx, cur)
			_ = e.direct.Delete(ctx, cur)
		}
	})
	nc.Status.ProviderID = providerID
	nc.Status.NodeName = name
	if err := e.direct.Status().Update(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.NodeSpec{ProviderID: providerID}}
	if err := e.direct.Create(e.ctx, node); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.direct.Delete(context.Background(), node) })
	// The notice must find it in the cache.
	eventually(t, "the cache to see nodeclaim "+name, func() bool {
		got := &karpv1.NodeClaim{}
		return e.mgr.GetClient().Get(e.ctx, client.ObjectKeyFromObject(nc), got) == nil && got.Status.ProviderID == providerID
	})
	return nc, node
}

func (e *testEnv) deleting(t *testing.T, nc *karpv1.NodeClaim) bool {
	t.Helper()
	got := &karpv1.NodeClaim{}
	if err := e.direct.Get(e.ctx, client.ObjectKeyFromObject(nc), got); err != nil {
		if apierrors.IsNotFound(err) {
			return true
		}
		t.Fatal(err)
	}
	return got.DeletionTimestamp != nil
}

func TestInterruptedNodeClaimIsDeletedWithEvents(t *testing.T) {
	e, cp, rec := setup(t)
	nc, node := e.newNode(t, "interrupted")
	other, _ := e.newNode(t, "bystander")

	cp.notices <- cloudprovider.Interruption{ProviderID: nc.Status.ProviderID, Kind: cloudprovider.InterruptionSpot, Message: "spot interruption of i-interrupted"}
	eventually(t, "the interrupted nodeclaim to be deleted", func() bool { return e.deleting(t, nc) })

	got := &karpv1.NodeClaim{}
	if err := e.direct.Get(e.ctx, client.ObjectKeyFromObject(nc), got); err != nil {
		t.Fatal(err)
	}
	if r := meta.FindStatusCondition(got.Status.Conditions, karpv1.ConditionTypeDisruptionReason); r == nil || r.Reason != "Interrupted" || !strings.Contains(r.Message, "SpotInterruption") {
		t.Errorf("DisruptionReason = %+v, want Interrupted by a SpotInterruption", r)
	}
	want := "SpotInterruption: spot interruption of i-interrupted; draining and replacing the node"
	eventually(t, "Interrupted Events on the NodeClaim and the Node", func() bool {
		a, b := rec.messages(decisions.ReasonInterrupted, nc), rec.messages(decisions.ReasonInterrupted, node)
		return len(a) == 1 && a[0] == want && len(b) == 1 && b[0] == want
	})
	if e.deleting(t, other) {
		t.Error("a nodeclaim that was not interrupted was deleted")
	}
}

func TestRebalanceRecommendationOnlyRecordsEvents(t *testing.T) {
	e, cp, rec := setup(t)
	nc, node := e.newNode(t, "rebalanced")
	interrupted, _ := e.newNode(t, "interrupted-after")

	cp.notices <- cloudprovider.Interruption{ProviderID: nc.Status.ProviderID, Kind: cloudprovider.InterruptionRebalance, Message: "EC2 recommends rebalancing spot instance i-rebalanced"}
	// Notices are handled in order, so once the next one has deleted its NodeClaim the rebalance
	// recommendation has been fully handled.
	cp.notices <- cloudprovider.Interruption{ProviderID: interrupted.Status.ProviderID, Kind: cloudprovider.InterruptionSpot, Message: "spot interruption"}
	eventually(t, "the interrupted nodeclaim to be deleted", func() bool { return e.deleting(t, interrupted) })

	if e.deleting(t, nc) {
		t.Fatal("a rebalance recommendation deleted the NodeClaim")
	}
	got := &karpv1.NodeClaim{}
	if err := e.direct.Get(e.ctx, client.ObjectKeyFromObject(nc), got); err != nil {
		t.Fatal(err)
	}
	if r := meta.FindStatusCondition(got.Status.Conditions, karpv1.ConditionTypeDisruptionReason); r != nil {
		t.Errorf("a rebalance recommendation set DisruptionReason %+v", r)
	}
	a, b := rec.messages(decisions.ReasonRebalanceRecommendation, nc), rec.messages(decisions.ReasonRebalanceRecommendation, node)
	if len(a) != 1 || len(b) != 1 || !strings.Contains(a[0], "i-rebalanced") || a[0] != b[0] {
		t.Errorf("RebalanceRecommendation Events: nodeclaim %q, node %q; want one each naming the instance", a, b)
	}
	if m := rec.messages(decisions.ReasonInterrupted, nc); len(m) != 0 {
		t.Errorf("Interrupted Events for a rebalance recommendation: %q", m)
	}
}

func TestUnknownProviderIDIsIgnored(t *testing.T) {
	e, cp, rec := setup(t)
	nc, node := e.newNode(t, "known")

	cp.notices <- cloudprovider.Interruption{ProviderID: "fake:///test-zone-a/i-nobody", Kind: cloudprovider.InterruptionSpot, Message: "who?"}
	// The loop goes on to the next notice.
	cp.notices <- cloudprovider.Interruption{ProviderID: nc.Status.ProviderID, Kind: cloudprovider.InterruptionScheduled, Message: "retirement"}
	eventually(t, "the known nodeclaim to be deleted", func() bool { return e.deleting(t, nc) })
	// The Events follow the deletion; notices are handled in order, so once the known instance's
	// are in, the unknown one's would be too.
	eventually(t, "Interrupted Events on the known NodeClaim and Node", func() bool {
		return len(rec.messages(decisions.ReasonInterrupted, nc)) == 1 && len(rec.messages(decisions.ReasonInterrupted, node)) == 1
	})
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.ds) != 2 { // the known NodeClaim and its Node
		t.Errorf("decisions = %+v, want only the known instance's", rec.ds)
	}
}

func TestWithoutAnInterruptionSourceNothingRuns(t *testing.T) {
	c := NewController(nil, fake.New(nil), &recorder{}, clocktesting.NewFakeClock(time.Now()))
	if c.source != nil {
		t.Fatal("the fake provider has no interruptions, yet a source was found")
	}
	if err := c.Register(nil); err != nil {
		t.Fatalf("Register without a source: %v", err)
	}
	if !c.NeedLeaderElection() {
		t.Error("only the leader may act on interruptions")
	}
}
