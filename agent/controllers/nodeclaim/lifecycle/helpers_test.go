package lifecycle

import (
	"context"
	"fmt"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
)

// harness is one test's world: the API server (through an uncached client), a fake cloud, an
// Event recorder, a fake clock and the controller under test.
type harness struct {
	kube  client.Client
	cloud *fake.CloudProvider
	rec   *testenv.Recorder
	clk   *clocktesting.FakeClock
	ctrl  *Controller
}

// running starts the controller in a manager, as the agent runs it.
func running(t *testing.T, cloud ...cloudprovider.CloudProvider) *harness {
	t.Helper()
	h := newHarness(t, cloud...)
	testenv.Manager(t, func(mgr manager.Manager) error {
		h.ctrl = NewController(mgr.GetClient(), h.ctrl.cloud, h.rec, h.clk)
		return h.ctrl.Register(mgr)
	})
	return h
}

// stepped builds the controller on a started manager's cache without running it: the test calls
// reconcile itself, to control the clock and the order of events.
func stepped(t *testing.T, cloud ...cloudprovider.CloudProvider) *harness {
	t.Helper()
	h := newHarness(t, cloud...)
	testenv.Manager(t, func(mgr manager.Manager) error {
		h.ctrl = NewController(mgr.GetClient(), h.ctrl.cloud, h.rec, h.clk)
		if err := index.NodesByProviderID(context.Background(), mgr.GetFieldIndexer()); err != nil {
			return err
		}
		return index.NodeClaimsByProviderID(context.Background(), mgr.GetFieldIndexer())
	})
	return h
}

func newHarness(t *testing.T, cloud ...cloudprovider.CloudProvider) *harness {
	t.Helper()
	_, kube := testenv.Env(t)
	clk := clocktesting.NewFakeClock(time.Now())
	h := &harness{kube: kube, cloud: fake.New(clk), rec: &testenv.Recorder{}, clk: clk}
	var cp cloudprovider.CloudProvider = h.cloud
	if len(cloud) > 0 {
		cp = cloud[0]
	}
	h.ctrl = &Controller{cloud: cp}
	return h
}

// reconcile runs one pass for the NodeClaim once the controller's cache has caught up with the
// API server (the same resourceVersion) and, if given, want accepts the cached copy.
func (h *harness) reconcile(t *testing.T, nc *karpv1.NodeClaim, want func(cached *karpv1.NodeClaim) error) (reconcile.Result, error) {
	t.Helper()
	testenv.Eventually(t, "the cache to catch up", func(ctx context.Context) error {
		current, cached := &karpv1.NodeClaim{}, &karpv1.NodeClaim{}
		if err := h.kube.Get(ctx, client.ObjectKeyFromObject(nc), current); err != nil {
			return err
		}
		if err := h.ctrl.kube.Get(ctx, client.ObjectKeyFromObject(nc), cached); err != nil {
			return err
		}
		if cached.ResourceVersion != current.ResourceVersion {
			return fmt.Errorf("cache at resourceVersion %s, API server at %s", cached.ResourceVersion, current.ResourceVersion)
		}
		if want == nil {
			return nil
		}
		return want(cached)
	})
	return h.ctrl.Reconcile(context.Background(), reconcile.Request{NamespacedName: types.NamespacedName{Name: nc.Name}})
}
