package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestLaunchTimeoutDeletesTheNodeClaim(t *testing.T) {
	h := stepped(t)
	boom := errors.New("the cloud is down")
	h.cloud.FailNext(fake.MethodCreate, boom, boom, boom)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)

	if _, err := h.reconcile(t, nc, nil); !errors.Is(err, boom) {
		t.Fatalf("reconcile = %v, want the launch error", err)
	}
	if err := testenv.Gone(context.Background(), h.kube, nc, true); err == nil {
		t.Fatal("deleted before the launch timeout")
	}

	// The timeout counts from the creation timestamp, which the API server stamped after the
	// fake clock started, to the second.
	h.clk.Step(DefaultLaunchTimeout + 2*time.Second)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatalf("reconcile after the timeout = %v, want nil: the NodeClaim is deleted", err)
	}
	if err := testenv.Gone(context.Background(), h.kube, nc, true); err != nil {
		t.Fatal(err)
	}
	d, err := h.rec.Find(decisions.ReasonLaunchTimeout, nc.Name)
	if err != nil {
		t.Fatal(err)
	}
	if want := decisions.Timeout(nc, decisions.ReasonLaunchTimeout, "launched", DefaultLaunchTimeout).Message; d.Message != want {
		t.Errorf("event %q, want %q", d.Message, want)
	}
}

func TestRegistrationTimeoutRequeuesWhenDueThenDeletes(t *testing.T) {
	h := stepped(t)
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)

	res, err := h.reconcile(t, nc, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Launched now (the fake clock's), so registration is due in 15 minutes, less the
	// sub-second part that the condition's timestamp drops.
	assertRequeueNear(t, res, DefaultRegistrationTimeout)

	h.clk.Step(10 * time.Minute)
	res, err = h.reconcile(t, nc, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertRequeueNear(t, res, 5*time.Minute)
	if _, err := h.rec.Find(decisions.ReasonRegistrationTimeout, nc.Name); err == nil {
		t.Fatal("timed out early")
	}

	h.clk.Step(5 * time.Minute)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(context.Background(), h.kube, nc, true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rec.Find(decisions.ReasonRegistrationTimeout, nc.Name); err != nil {
		t.Fatal(err)
	}
}

func TestLivenessTimeoutsAreFields(t *testing.T) {
	h := stepped(t)
	h.ctrl.RegistrationTimeout = time.Minute
	nc := testenv.NodeClaim()
	testenv.Create(t, h.kube, nc)
	res, err := h.reconcile(t, nc, nil)
	if err != nil {
		t.Fatal(err)
	}
	assertRequeueNear(t, res, time.Minute)
}

func assertRequeueNear(t *testing.T, res reconcile.Result, want time.Duration) {
	t.Helper()
	if res.RequeueAfter > want || res.RequeueAfter < want-time.Second {
		t.Errorf("RequeueAfter = %s, want %s (within the second the timestamps drop)", res.RequeueAfter, want)
	}
}

func TestInitializationTimeoutReplacesANodeThatNeverInitializes(t *testing.T) {
	h := stepped(t)
	nc := testenv.NodeClaim(func(nc *karpv1.NodeClaim) { nc.Spec.StartupTaints = []corev1.Taint{startupTaint} })
	testenv.Create(t, h.kube, nc)
	if _, err := h.reconcile(t, nc, nil); err != nil { // launches
		t.Fatal(err)
	}
	// The node registers but its startup taint is never removed.
	testenv.Create(t, h.kube, launchedNode(t, h, nc, corev1.ConditionTrue))
	testenv.Eventually(t, "the node in the cache", func(ctx context.Context) error {
		var nodes corev1.NodeList
		if err := h.ctrl.kube.List(ctx, &nodes); err != nil {
			return fmt.Errorf("listing cached nodes: %w", err)
		}
		if len(nodes.Items) == 0 {
			return errors.New("no node cached yet")
		}
		return nil
	})
	res, err := h.reconcile(t, nc, nil) // registers
	if err != nil {
		t.Fatal(err)
	}
	assertRequeueNear(t, res, DefaultInitializationTimeout)

	h.clk.Step(DefaultInitializationTimeout)
	if _, err := h.reconcile(t, nc, nil); err != nil {
		t.Fatal(err)
	}
	if err := testenv.Gone(context.Background(), h.kube, nc, true); err != nil {
		t.Fatal(err)
	}
	if _, err := h.rec.Find(decisions.ReasonInitializationTimeout, nc.Name); err != nil {
		t.Fatal(err)
	}
}
