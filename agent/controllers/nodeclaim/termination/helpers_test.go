package termination

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	nodetermination "github.com/karpenter-tools/kubectl-karpenter/agent/controllers/node/termination"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/lifecycle"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
)

// harness is one test's world: the API server (through an uncached client), a fake cloud, an
// Event recorder, a fake clock and the termination controller.
type harness struct {
	kube  client.Client
	cloud *fake.CloudProvider
	rec   *testenv.Recorder
	clk   *clocktesting.FakeClock
	ctrl  *Controller
	// cached reads through the manager's cache, as the controller does.
	cached client.Client
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	_, kube := testenv.Env(t)
	clk := clocktesting.NewFakeClock(time.Now())
	return &harness{kube: kube, cloud: fake.New(clk), rec: &testenv.Recorder{}, clk: clk}
}

// running runs the whole NodeClaim life in a manager, as the agent does: lifecycle, NodeClaim
// termination and Node termination.
func running(t *testing.T) *harness {
	t.Helper()
	h := newHarness(t)
	testenv.Manager(t, func(mgr manager.Manager) error {
		h.cached = mgr.GetClient()
		h.ctrl = NewController(mgr.GetClient(), h.cloud, h.rec, h.clk)
		if err := h.ctrl.Register(mgr); err != nil {
			return err
		}
		if err := lifecycle.NewController(mgr.GetClient(), h.cloud, h.rec, h.clk).Register(mgr); err != nil {
			return err
		}
		return nodetermination.NewController(mgr.GetClient(), h.rec).Register(mgr)
	})
	return h
}

// stepped builds the termination controller on a started manager's cache without running it:
// the test calls reconcile itself, to control the clock.
func stepped(t *testing.T, wrap ...func(*harness) cloudprovider.CloudProvider) *harness {
	t.Helper()
	h := newHarness(t)
	var cloud cloudprovider.CloudProvider = h.cloud
	if len(wrap) > 0 {
		cloud = wrap[0](h)
	}
	testenv.Manager(t, func(mgr manager.Manager) error {
		h.cached = mgr.GetClient()
		h.ctrl = NewController(mgr.GetClient(), cloud, h.rec, h.clk)
		if err := index.NodesByProviderID(context.Background(), mgr.GetFieldIndexer()); err != nil {
			return err
		}
		return index.PodsByNodeName(context.Background(), mgr.GetFieldIndexer())
	})
	return h
}

// readyNode creates the NodeClaim and plays the kubelet until the lifecycle controller has
// initialized it (running harness only).
func readyNode(t *testing.T, h *harness, nc *karpv1.NodeClaim) *corev1.Node {
	t.Helper()
	testenv.Create(t, h.kube, nc)
	testenv.Eventually(t, "Launched=True", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, "")
	})
	node := fake.NodeFor(nc, corev1.ConditionTrue)
	testenv.Create(t, h.kube, node)
	testenv.SetNodeReady(t, h.kube, node, corev1.ConditionTrue)
	testenv.Eventually(t, "Initialized=True", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeInitialized, metav1.ConditionTrue, "")
	})
	return node
}

// launchedNode launches the NodeClaim's instance and creates its registered Node directly,
// without the lifecycle controller (stepped harness).
func launchedNode(t *testing.T, h *harness, nc *karpv1.NodeClaim) *corev1.Node {
	t.Helper()
	ctx := context.Background()
	testenv.Create(t, h.kube, nc)
	launched, err := h.cloud.Create(ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	stored := nc.DeepCopy()
	nc.Status.ProviderID = launched.Status.ProviderID
	if err := h.kube.Status().Patch(ctx, nc, client.MergeFrom(stored)); err != nil {
		t.Fatal(err)
	}
	node := fake.NodeFor(launched, corev1.ConditionTrue)
	node.Spec.Taints = nil
	node.Finalizers = []string{karpv1.TerminationFinalizer}
	node.OwnerReferences = []metav1.OwnerReference{{APIVersion: karpv1.SchemeGroupVersion.String(), Kind: "NodeClaim", Name: nc.Name, UID: nc.UID}}
	testenv.Create(t, h.kube, node)
	return node
}

// deleteNodeClaim deletes the NodeClaim; its finalizer keeps it.
func deleteNodeClaim(t *testing.T, h *harness, nc *karpv1.NodeClaim) {
	t.Helper()
	if err := h.kube.Delete(context.Background(), nc); err != nil {
		t.Fatal(err)
	}
}

// reconcile runs one pass once the cache has the NodeClaim's current resourceVersion and pods
// pods on the node.
func (h *harness) reconcile(t *testing.T, nc *karpv1.NodeClaim, node string, pods int) (reconcile.Result, error) {
	t.Helper()
	testenv.Eventually(t, "the cache to catch up", func(ctx context.Context) error {
		current, cached := &karpv1.NodeClaim{}, &karpv1.NodeClaim{}
		if err := h.kube.Get(ctx, client.ObjectKeyFromObject(nc), current); err != nil {
			return err
		}
		if err := h.cached.Get(ctx, client.ObjectKeyFromObject(nc), cached); err != nil {
			return err
		}
		if cached.ResourceVersion != current.ResourceVersion {
			return fmt.Errorf("cache at resourceVersion %s, API server at %s", cached.ResourceVersion, current.ResourceVersion)
		}
		if node == "" {
			return nil
		}
		list := &corev1.PodList{}
		if err := h.cached.List(ctx, list, client.MatchingFields{index.PodNodeName: node}); err != nil {
			return err
		}
		if len(list.Items) != pods {
			return fmt.Errorf("%d pods on %s in the cache, want %d", len(list.Items), node, pods)
		}
		return nil
	})
	return h.ctrl.Reconcile(context.Background(), reconcile.Request{NamespacedName: client.ObjectKeyFromObject(nc)})
}

// terminating returns nil once the pod is being deleted.
func terminating(ctx context.Context, c client.Client, p *corev1.Pod) error {
	if err := testenv.Get(ctx, c, p); err != nil {
		return err
	}
	if p.DeletionTimestamp.IsZero() {
		return fmt.Errorf("pod %s is not terminating", p.Name)
	}
	return nil
}
