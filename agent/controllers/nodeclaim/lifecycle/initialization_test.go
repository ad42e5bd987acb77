package lifecycle

import (
	"context"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestInitializationWaitsForReadyStartupTaintsAndExtendedResources(t *testing.T) {
	h := running(t)
	nc := testenv.NodeClaim(func(nc *karpv1.NodeClaim) {
		nc.Spec.StartupTaints = []corev1.Taint{startupTaint}
		nc.Spec.Resources.Requests = corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1"),
			fake.ResourceGPU:   resource.MustParse("1"),
		}
	})
	testenv.Create(t, h.kube, nc)
	node := launchedNode(t, h, nc, corev1.ConditionFalse)
	delete(node.Status.Allocatable, fake.ResourceGPU)
	testenv.Create(t, h.kube, node)

	waitFor := func(status metav1.ConditionStatus, reason string) {
		t.Helper()
		testenv.Eventually(t, "Initialized="+string(status)+" ("+reason+")", func(ctx context.Context) error {
			return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeInitialized, status, reason)
		})
	}
	waitFor(metav1.ConditionUnknown, ReasonNodeNotReady)

	testenv.SetNodeReady(t, h.kube, node, corev1.ConditionTrue)
	waitFor(metav1.ConditionUnknown, ReasonTaintsExist)
	if msg := findCondition(nc, karpv1.ConditionTypeInitialized).Message; !strings.Contains(msg, startupTaint.Key) {
		t.Errorf("message %q does not name the startup taint", msg)
	}

	if err := testenv.Get(context.Background(), h.kube, node); err != nil {
		t.Fatal(err)
	}
	node.Spec.Taints = withoutTaint(node.Spec.Taints, startupTaint)
	if err := h.kube.Update(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	waitFor(metav1.ConditionUnknown, ReasonResourceNotRegistered)
	if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeReady, metav1.ConditionUnknown, ReasonResourceNotRegistered); err != nil {
		t.Errorf("Ready does not summarize what initialization waits for: %v", err)
	}

	if err := testenv.Get(context.Background(), h.kube, node); err != nil {
		t.Fatal(err)
	}
	node.Status.Allocatable[fake.ResourceGPU] = resource.MustParse("1")
	if err := h.kube.Status().Update(context.Background(), node); err != nil {
		t.Fatal(err)
	}
	waitFor(metav1.ConditionTrue, ReasonInitialized)
	if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeReady, metav1.ConditionTrue, ReasonReady); err != nil {
		t.Error(err)
	}
	if err := testenv.Get(context.Background(), h.kube, node); err != nil {
		t.Fatal(err)
	}
	if node.Labels[karpv1.NodeInitializedLabelKey] != "true" {
		t.Errorf("node label %s = %q, want true", karpv1.NodeInitializedLabelKey, node.Labels[karpv1.NodeInitializedLabelKey])
	}
	if d, err := h.rec.Find(decisions.ReasonInitialized, nc.Name); err != nil || !strings.Contains(d.Message, node.Name) {
		t.Errorf("Initialized event: %v %q", err, d.Message)
	}
}

func TestNodeInitialized(t *testing.T) {
	nc := &karpv1.NodeClaim{Spec: karpv1.NodeClaimSpec{
		StartupTaints: []corev1.Taint{startupTaint},
		Resources: karpv1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU:              resource.MustParse("1"),
			corev1.ResourceEphemeralStorage: resource.MustParse("1Gi"),
			fake.ResourceGPU:                resource.MustParse("1"),
		}},
	}}
	ready := func(n *corev1.Node) {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	}
	for _, tc := range []struct {
		name   string
		node   func(*corev1.Node)
		reason string
	}{
		{"no Ready condition", func(*corev1.Node) {}, ReasonNodeNotReady},
		{"not ready", func(n *corev1.Node) {
			n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionFalse}}
		}, ReasonNodeNotReady},
		{"startup taint", func(n *corev1.Node) { ready(n); n.Spec.Taints = []corev1.Taint{startupTaint} }, ReasonTaintsExist},
		{"not-ready taint", func(n *corev1.Node) {
			ready(n)
			n.Spec.Taints = []corev1.Taint{{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}}
		}, ReasonTaintsExist},
		{"gpu not registered", func(n *corev1.Node) { ready(n); n.Status.Allocatable[fake.ResourceGPU] = resource.MustParse("0") }, ReasonResourceNotRegistered},
		// Native resources are the kubelet's from the start; only extended ones are waited for.
		{"initialized", func(n *corev1.Node) { ready(n); delete(n.Status.Allocatable, corev1.ResourceEphemeralStorage) }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n"}, Status: corev1.NodeStatus{Allocatable: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceEphemeralStorage: resource.MustParse("10Gi"), fake.ResourceGPU: resource.MustParse("1"),
			}}}
			tc.node(n)
			reason, msg, ok := nodeInitialized(nc, n)
			if reason != tc.reason || ok != (tc.reason == "") {
				t.Errorf("nodeInitialized = %q, %q, %v; want reason %q", reason, msg, ok, tc.reason)
			}
			if !ok && !strings.Contains(msg, "n ") {
				t.Errorf("message %q does not name the node", msg)
			}
		})
	}
}

func TestIsExtendedResource(t *testing.T) {
	for name, want := range map[corev1.ResourceName]bool{
		"cpu": false, "memory": false, "hugepages-2Mi": false, "kubernetes.io/batteries": false,
		"requests.nvidia.com/gpu": false, "nvidia.com/gpu": true, "vpc.amazonaws.com/pod-eni": true,
	} {
		if got := isExtendedResource(name); got != want {
			t.Errorf("isExtendedResource(%s) = %v, want %v", name, got, want)
		}
	}
}
