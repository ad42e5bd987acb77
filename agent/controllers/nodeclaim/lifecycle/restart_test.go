package lifecycle

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
)

func TestReconcilingTwiceDoesNotLaunchTwice(t *testing.T) {
	h := stepped(t)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := h.reconcile(t, nc, func(cached *karpv1.NodeClaim) error {
		if !isTrue(cached, karpv1.ConditionTypeLaunched) {
			return fmt.Errorf("not Launched in the cache yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if calls := h.cloud.Calls(); len(calls.Create) != 1 || len(h.cloud.Instances()) != 1 {
		t.Errorf("Create calls %v, %d instances; want one of each", calls.Create, len(h.cloud.Instances()))
	}
	if n := len(h.rec.For("Launched", nc.Name)); n != 1 {
		t.Errorf("%d Launched events, want 1", n)
	}
}

// An agent that stopped after recording the provider ID, but before labelling the NodeClaim and
// setting Launched, reads the instance back instead of launching another.
func TestARestartAfterRecordingTheProviderIDReadsTheInstanceBack(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	launched, err := h.cloud.Create(ctx, nc) // the previous agent's launch
	if err != nil {
		t.Fatal(err)
	}
	stored := nc.DeepCopy()
	nc.Status.ProviderID = launched.Status.ProviderID
	if err := h.kube.Status().Patch(ctx, nc, client.MergeFrom(stored)); err != nil {
		t.Fatal(err)
	}

	if _, err := h.reconcile(t, nc, func(cached *karpv1.NodeClaim) error {
		if cached.Status.ProviderID == "" {
			return fmt.Errorf("provider ID not in the cache yet")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	calls := h.cloud.Calls()
	if len(calls.Create) != 1 || len(calls.Get) != 1 || calls.Get[0] != launched.Status.ProviderID {
		t.Errorf("calls %+v: want only the previous agent's Create, and one Get", calls)
	}
	if err := testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, ReasonLaunched); err != nil {
		t.Fatal(err)
	}
	if nc.Labels[corev1.LabelInstanceTypeStable] != launched.Labels[corev1.LabelInstanceTypeStable] || nc.Status.ImageID != fake.ImageID {
		t.Errorf("NodeClaim not completed from the instance: labels %v, imageID %q", nc.Labels, nc.Status.ImageID)
	}
}

// deletedDuringLaunch deletes the NodeClaim (finalizer and all) while Create runs, as a user
// and a fast termination could.
type deletedDuringLaunch struct {
	*fake.CloudProvider
	kube client.Client
}

func (p deletedDuringLaunch) Create(ctx context.Context, nc *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	out, err := p.CloudProvider.Create(ctx, nc)
	gone := nc.DeepCopy()
	if perr := p.kube.Patch(ctx, gone, client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))); perr != nil {
		return nil, perr
	}
	if derr := p.kube.Delete(ctx, gone); derr != nil {
		return nil, derr
	}
	return out, err
}

func TestANodeClaimDeletedDuringLaunchLeavesNoInstance(t *testing.T) {
	h := newHarness(t)
	h = stepped(t, deletedDuringLaunch{h.cloud, h.kube})
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatal(err)
	}
	cloud := h.ctrl.cloud.(deletedDuringLaunch)
	if n := len(cloud.Instances()); n != 0 {
		t.Errorf("%d instance(s) left behind", n)
	}
	if calls := cloud.Calls(); len(calls.Delete) != 1 {
		t.Errorf("Delete calls = %v, want 1", calls.Delete)
	}
}
