package plugin_test

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

// shop prepares the cluster the read-only commands are shown on:
//   - NodePool general (weight 30, cpu limit 100, Ready) with NodeClaim general-abc12, launched
//     as an m5.large at $0.0960/h and registered as the KWOK node general-node-1, and NodeClaim
//     general-def34, a c5.xlarge spot in us-east-1b still without a node;
//   - NodePool spot, without NodeClaims;
//   - pod shop/web-1 (500m, 1Gi) running on general-node-1, and shop/web-pending, which selects
//     NodePool spot, so the kube-scheduler finds no node for it;
//   - the agent's Events: Launched on general-abc12, Nominated on web-pending,
//     NodePoolLimitReached on general; and another controller's Event on general-abc12.
func shop(t *testing.T) {
	t.Helper()
	reset(t)
	general := plugintest.NodePool("general", func(np *karpv1.NodePool) {
		np.Labels = map[string]string{"team": "shop"}
		w := int32(30)
		np.Spec.Weight = &w
		np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("100")}
		np.Status.Resources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi"), "nodes": resource.MustParse("1")}
		np.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", LastTransitionTime: metav1.Now()}}
	})
	spot := plugintest.NodePool("spot", func(np *karpv1.NodePool) {
		np.Labels = map[string]string{"team": "other"}
		np.Spec.Template.Spec.Requirements[0].Values = []string{"spot"}
	})
	node := kwokNode("general-node-1", "2", "8Gi", map[string]string{
		karpv1.NodePoolLabelKey: "general", corev1.LabelInstanceTypeStable: "m5.large", karpv1.CapacityTypeLabelKey: "on-demand",
		corev1.LabelTopologyZone: "us-east-1a", karpv1.NodeInitializedLabelKey: "true",
	})
	priced := nodeClaim("general-abc12", "general", "m5.large", "on-demand", "us-east-1a", "general-node-1", time.Now())
	priced.Annotations = map[string]string{karpv1.PriceAnnotationKey: "0.0960"}
	launching := nodeClaim("general-def34", "general", "c5.xlarge", "spot", "us-east-1b", "", time.Now())
	create(t, plugintest.EC2NodeClass(plugintest.NodeClassName, "us-east-1a", "us-east-1b"), general, spot, node, priced, launching)
	waitReady(t, node)
	running := plugintest.Pod("shop", "web-1", "500m", "1Gi", "general-node-1")
	pending := plugintest.Pod("shop", "web-pending", "250m", "256Mi", "", func(p *corev1.Pod) {
		p.Spec.NodeSelector = map[string]string{karpv1.NodePoolLabelKey: "spot"}
	})
	create(t, running, pending)
	waitRunning(t, running)
	waitUnschedulable(t, pending)
	nc := corev1.ObjectReference{Kind: "NodeClaim", Name: "general-abc12"}
	create(t,
		plugintest.Event("default", "general-abc12.1", nc, "Normal", "Unrelated", "something else happened", "other-controller"),
		plugintest.Event("default", "general-abc12.2", nc, "Normal", decisions.ReasonLaunched, "Launched m5.large (on-demand) in us-east-1a at $0.0960/h for 1 pod(s)", "karpenter"),
		plugintest.Event("shop", "web-pending.1", plugintest.Ref(pending, "Pod"), "Normal", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/general-def34", "karpenter"),
		plugintest.Event("default", "general.1", corev1.ObjectReference{Kind: "NodePool", Name: "general"}, "Warning", decisions.ReasonNodePoolLimitReached,
			"Limit cpu reached (2 in use of 100); 1 pending pod(s) cannot get a node from this NodePool. Raise spec.limits.cpu or add another NodePool", "karpenter"),
	)
}

// Every read-only command on the shop cluster, its table output against a golden file.
func TestReadOnlyCommandsGolden(t *testing.T) {
	shop(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"get-nodepools", []string{"get", "nodepools"}},
		{"get-nodepools-wide", []string{"get", "nodepools", "-o", "wide"}},
		{"get-nodeclaims", []string{"get", "nodeclaims"}},
		{"get-nodeclaims-wide", []string{"get", "nodeclaims", "-o", "wide"}},
		{"top-nodes", []string{"top", "nodes"}},
		{"top-nodes-wide", []string{"top", "nodes", "-o", "wide", "--sort-by", "price"}},
		{"top-nodepools", []string{"top", "nodepools", "-o", "wide"}},
		{"describe-nodepool", []string{"describe", "nodepool", "general"}},
		{"describe-nodeclaim", []string{"describe", "nodeclaim", "general-abc12"}},
		{"why-pending", []string{"why-pending", "-n", "shop"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			r := kk(t, tc.args...)
			if r.code != 0 {
				t.Fatalf("want exit 0: %s", r)
			}
			golden(t, tc.golden, r.out)
		})
	}
}
