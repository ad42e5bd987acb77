package simulated

import (
	"context"
	"path/filepath"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// startAPIServer runs etcd and kube-apiserver from the cached control-plane binaries (the test
// fails, with the command that builds them, when they are missing) with the EC2NodeClass CRD,
// the only one the provider reads.
func startAPIServer(t *testing.T) client.Client {
	t.Helper()
	assets := controlplane.RequireEnvtestAssetsDir(t)
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	env := &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDInstallOptions: envtest.CRDInstallOptions{
			Paths:              []string{filepath.Join(root, "manifests", "crds", "karpenter.k8s.aws_ec2nodeclasses.yaml")},
			ErrorIfPathMissing: true,
		},
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	})
	c, err := client.New(cfg, client.Options{Scheme: testScheme(t)})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The whole life of an instance against a real API server: launch, the Node after the delay,
// an agent restart that resumes a pending launch, and deletion.
func TestIntegrationInstanceLifecycle(t *testing.T) {
	c := startAPIServer(t)
	ctx := context.Background()
	if err := c.Create(ctx, testNodeClass("default")); err != nil {
		t.Fatalf("creating the EC2NodeClass (the CRD must accept the test's): %v", err)
	}
	clk := clocktesting.NewFakeClock(testEpoch)
	first := New(c, clk, Options{})
	t.Cleanup(first.Close)

	// Launch, and the Node appears once the fake clock passes the launch delay.
	nc := testNodeClaim("web-abcde", threeTypes)
	nc.Spec.StartupTaints = []corev1.Taint{{Key: "example.com/agent-not-ready", Effect: corev1.TaintEffectNoExecute}}
	a := mustCreate(t, first, nc)
	waitForWaiters(t, clk)
	clk.Step(DefaultLaunchDelay)
	var node *corev1.Node
	eventually(t, 10*time.Second, "the Node of the first launch", func() bool { n, ok := getNode(c, nodeNameOf(a)); node = n; return ok })
	checkNode(t, node, a)

	// A second launch is pending when the agent dies; the next agent lists both instances and
	// finishes the pending one.
	b := mustCreate(t, first, testNodeClaim("web-fghij", threeTypes))
	first.Close()
	second := New(c, clk, Options{})
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error)
	go func() { done <- second.Start(runCtx) }()
	t.Cleanup(func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Start of the second provider: %v", err)
		}
	})

	list, err := second.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "web-abcde" || list[0].Status.ProviderID != a.Status.ProviderID ||
		list[1].Name != "web-fghij" || list[1].Status.ProviderID != b.Status.ProviderID {
		t.Fatalf("List after the restart = %v, want the two launched instances", names(list))
	}
	if again := mustCreate(t, second, testNodeClaim("web-fghij", threeTypes)); again.Status.ProviderID != b.Status.ProviderID {
		t.Fatalf("retried Create launched %s, want the existing %s", again.Status.ProviderID, b.Status.ProviderID)
	}
	waitForWaiters(t, clk)
	clk.Step(DefaultLaunchDelay)
	eventually(t, 10*time.Second, "the resumed launch's Node", func() bool { n, ok := getNode(c, nodeNameOf(b)); node = n; return ok })
	checkNode(t, node, b)

	// Delete removes the Node and the record.
	for _, nc := range []*karpv1.NodeClaim{a, b} {
		if err := second.Delete(ctx, nc); err != nil {
			t.Fatalf("Delete(%s): %v", nc.Name, err)
		}
		if err := c.Get(ctx, client.ObjectKey{Name: nodeNameOf(nc)}, &corev1.Node{}); !apierrors.IsNotFound(err) {
			t.Errorf("Node of %s after Delete: %v", nc.Name, err)
		}
		if err := second.Delete(ctx, nc); !cloudprovider.IsNodeClaimNotFound(err) {
			t.Errorf("second Delete(%s): %v", nc.Name, err)
		}
	}
	records := &corev1.ConfigMapList{}
	if err := c.List(ctx, records, client.InNamespace(DefaultStateNamespace), client.MatchingLabels{LabelManagedBy: ManagedByValue}); err != nil || len(records.Items) != 0 {
		t.Errorf("instance records left: %d, %v", len(records.Items), err)
	}
	if list, err := second.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("List after deleting everything: %v, %v", names(list), err)
	}
}

func checkNode(t *testing.T, node *corev1.Node, nc *karpv1.NodeClaim) {
	t.Helper()
	if node.Spec.ProviderID != nc.Status.ProviderID {
		t.Errorf("Node %s providerID %q, want %q", node.Name, node.Spec.ProviderID, nc.Status.ProviderID)
	}
	for _, k := range []string{corev1.LabelInstanceTypeStable, corev1.LabelTopologyZone, corev1.LabelTopologyRegion, karpv1.CapacityTypeLabelKey, corev1.LabelArchStable, karpv1.NodePoolLabelKey} {
		if node.Labels[k] == "" || node.Labels[k] != nc.Labels[k] {
			t.Errorf("Node %s label %s=%q, NodeClaim has %q", node.Name, k, node.Labels[k], nc.Labels[k])
		}
	}
	if node.Labels[corev1.LabelHostname] != node.Name {
		t.Errorf("Node %s hostname label %q", node.Name, node.Labels[corev1.LabelHostname])
	}
	if node.Annotations[KWOKNodeAnnotation] != KWOKNodeAnnotationValue {
		t.Errorf("Node %s annotations %v", node.Name, node.Annotations)
	}
	// The API server's TaintNodesByCondition admission adds node.kubernetes.io/not-ready, so
	// check that ours are there rather than that they are all there is.
	want := append([]corev1.Taint{karpv1.UnregisteredNoExecuteTaint}, nc.Spec.Taints...)
	for _, w := range append(want, nc.Spec.StartupTaints...) {
		if !slices.ContainsFunc(node.Spec.Taints, func(got corev1.Taint) bool { return got.MatchTaint(&w) }) {
			t.Errorf("Node %s taints %v lack %s", node.Name, node.Spec.Taints, w.ToString())
		}
	}
	if node.Status.Allocatable.Cpu().Cmp(*nc.Status.Allocatable.Cpu()) != 0 || node.Status.Capacity.Memory().Cmp(*nc.Status.Capacity.Memory()) != 0 {
		t.Errorf("Node %s capacity %v allocatable %v; NodeClaim %v %v", node.Name, node.Status.Capacity, node.Status.Allocatable, nc.Status.Capacity, nc.Status.Allocatable)
	}
}
