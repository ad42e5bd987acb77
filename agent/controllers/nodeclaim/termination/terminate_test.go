package termination

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestTerminationResumesAfterTheInstanceIsAlreadyGone(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	nc := testenv.NodeClaim()
	node := launchedNode(t, h, nc)
	deleteNodeClaim(t, h, nc)
	// An earlier agent deleted the instance and stopped before anything else.
	if err := h.cloud.Delete(ctx, nc); err != nil {
		t.Fatal(err)
	}

	if _, err := h.reconcile(t, nc, node.Name, 0); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(ctx, h.kube, nc, false); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(ctx, h.kube, node, false); err != nil {
		t.Error(err)
	}
	// And once more, on a NodeClaim that is gone.
	if _, err := h.ctrl.Reconcile(ctx, reconcile.Request{NamespacedName: client.ObjectKeyFromObject(nc)}); err != nil {
		t.Errorf("reconciling a finished NodeClaim: %v", err)
	}
}

func TestAnInstanceLaunchedButNotRecordedIsTerminated(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	// The agent launched it and stopped before recording the provider ID.
	if _, err := h.cloud.Create(ctx, nc); err != nil {
		t.Fatal(err)
	}
	deleteNodeClaim(t, h, nc)

	if _, err := h.reconcile(t, nc, "", 0); err != nil {
		t.Fatal(err)
	}
	if n := len(h.cloud.Instances()); n != 0 {
		t.Errorf("%d instance(s) left", n)
	}
	if err := testenv.Gone(ctx, h.kube, nc, false); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rec.Find(decisions.ReasonTerminated, nc.Name); err != nil {
		t.Error(err)
	}
}

func TestANodeClaimThatNeverLaunchedGoesQuietly(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	deleteNodeClaim(t, h, nc)
	if _, err := h.reconcile(t, nc, "", 0); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(ctx, h.kube, nc, false); err != nil {
		t.Fatal(err)
	}
	if calls := h.cloud.Calls(); calls.List != 1 || len(calls.Delete) != 0 {
		t.Errorf("calls %+v: want one List and no Delete", calls)
	}
	if ds := h.rec.For(decisions.ReasonTerminated, nc.Name); len(ds) != 0 {
		t.Errorf("a Terminated event for an instance that never was: %v", ds)
	}
}

func TestDeletingTheNodeDeletesItsNodeClaimAndDrainsGracefully(t *testing.T) {
	ctx := context.Background()
	h := running(t)
	nc := testenv.NodeClaim()
	node := readyNode(t, h, nc)
	ns := testenv.Namespace(t, h.kube)
	web := testenv.Pod(ns, node.Name)
	testenv.Create(t, h.kube, web)
	testenv.Running(t, h.kube, web)

	if err := h.kube.Delete(ctx, node); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, "the NodeClaim deleted", func(ctx context.Context) error { return testenv.Gone(ctx, h.kube, nc, true) })
	if d, err := h.rec.Find(decisions.ReasonNodeClaimDeletedByUser, nc.Name); err != nil || d.Message != decisions.NodeDeleted(nc, node.Name).Message {
		t.Errorf("event: %v %q", err, d.Message)
	}
	testenv.Eventually(t, "the pod evicted", func(ctx context.Context) error { return terminating(ctx, h.kube, web) })
	if err := testenv.Get(ctx, h.kube, node); err != nil {
		t.Fatalf("the node went before its pods: %v", err)
	}
	testenv.ForceDelete(t, h.kube, web)
	testenv.Eventually(t, "the node gone", func(ctx context.Context) error { return testenv.Gone(ctx, h.kube, node, false) })
	testenv.Eventually(t, "the NodeClaim gone", func(ctx context.Context) error { return testenv.Gone(ctx, h.kube, nc, false) })
	if n := len(h.cloud.Instances()); n != 0 {
		t.Errorf("%d instance(s) left", n)
	}
}

func TestDrainedConditionIsSetBeforeTheInstanceGoes(t *testing.T) {
	ctx := context.Background()
	h := stepped(t)
	nc := testenv.NodeClaim()
	node := launchedNode(t, h, nc)
	deleteNodeClaim(t, h, nc)
	// The provider refuses once: the drain is done but the instance stays.
	h.cloud.FailNext(fake.MethodDelete, fmt.Errorf("throttled"))
	if _, err := h.reconcile(t, nc, node.Name, 0); err == nil {
		t.Fatal("want the provider's error, for the backoff")
	}
	if err := testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeDrained, metav1.ConditionTrue, ReasonDrained); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Get(ctx, h.kube, node); err != nil {
		t.Fatalf("the node was removed before its instance: %v", err)
	}
	if !hasTaint(node.Spec.Taints, karpv1.DisruptedNoScheduleTaint) {
		t.Errorf("node taints %v", node.Spec.Taints)
	}
	if _, err := h.reconcile(t, nc, node.Name, 0); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(ctx, h.kube, nc, false); err != nil {
		t.Fatal(err)
	}
}

// deletesItsNode deletes the instance's Node on Delete, as the simulated provider does (a cloud
// controller does the same for a terminated instance).
type deletesItsNode struct {
	*fake.CloudProvider
	kube client.Client
}

func (p deletesItsNode) Delete(ctx context.Context, nc *karpv1.NodeClaim) error {
	if err := p.CloudProvider.Delete(ctx, nc); err != nil {
		return err
	}
	nodes := &corev1.NodeList{}
	if err := p.kube.List(ctx, nodes); err != nil {
		return err
	}
	for i := range nodes.Items {
		if nodes.Items[i].Spec.ProviderID == nc.Status.ProviderID {
			if err := p.kube.Delete(ctx, &nodes.Items[i]); err != nil {
				return err
			}
		}
	}
	return nil
}

func TestAProviderThatDeletesTheNodeDoesNotStallTermination(t *testing.T) {
	ctx := context.Background()
	h := stepped(t, func(h *harness) cloudprovider.CloudProvider { return deletesItsNode{h.cloud, h.kube} })
	nc := testenv.NodeClaim()
	node := launchedNode(t, h, nc)
	deleteNodeClaim(t, h, nc)
	// One pass: the Node, held by the finalizer when the provider deletes it, is released
	// without losing a race to the provider's write.
	if _, err := h.reconcile(t, nc, node.Name, 0); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(ctx, h.kube, node, false); err != nil {
		t.Error(err)
	}
	if err := testenv.Gone(ctx, h.kube, nc, false); err != nil {
		t.Error(err)
	}
}
