package plugin

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

func describeFixture(t *testing.T) *cluster {
	c := getFixture(t)
	c.once(t, "describe", func() {
		ensureNamespace(t, c, "desc")
		node := controlplane.NewKWOKNode("get-node-1", "2", "8Gi", map[string]string{"karpenter.sh/nodepool": "get-a"})
		running := newPod("desc", "web-running", "500m", "1Gi", "get-node-1")
		nominated := newPod("desc", "web-nominated", "250m", "256Mi", "")
		// Only a node of NodePool get-b would do, and there is none: the kube-scheduler leaves
		// it pending.
		nominated.Spec.NodeSelector = map[string]string{"karpenter.sh/nodepool": "get-b"}
		c.create(t, node, running, nominated)
		nc := corev1.ObjectReference{Kind: "NodeClaim", Name: "get-a-priced"}
		c.create(t,
			plugintest.Event("default", "get-a-priced.1", nc, "Normal", "Unrelated", "something else happened", "other-controller"),
			plugintest.Event("default", "get-a-priced.2", nc, "Normal", decisions.ReasonLaunched, "Launched m5.large (on-demand) in us-east-1a at $0.0960/h for 1 pod(s)", "karpenter"),
			plugintest.Event("desc", "web-nominated.1", plugintest.Ref(nominated, "Pod"), "Normal", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/get-a-priced", "karpenter"),
			plugintest.Event("default", "get-a.1", corev1.ObjectReference{Kind: "NodePool", Name: "get-a"}, "Warning", decisions.ReasonNodePoolLimitReached, "Limit cpu reached (4 in use of 100); 1 pending pod(s) cannot get a node from this NodePool. Raise spec.limits.cpu or add another NodePool", "karpenter"),
		)
	})
	return c
}

func TestDescribeNodeClaim(t *testing.T) {
	c := describeFixture(t)
	out := c.kubectlKarpenter(t, "describe", "nodeclaim", "get-a-priced").mustSucceed(t).out
	for _, want := range []string{
		"Name:", "get-a-priced",
		"NodePool:", "Type:", "m5.large", "Capacity Type:", "on-demand", "Zone:", "us-east-1a",
		"Price:", "$0.0960/h (the launched offering)",
		"Node:", "get-node-1",
		"Requirements:", "node.kubernetes.io/instance-type In [m5.large]",
		"Conditions:", "Launched", "Ready",
		"Made For:", "desc/web-nominated",
		"Pods On Node (1):", "web-running", "500m", "1Gi",
		"Events (the agent's decisions first):",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("describe nodeclaim lacks %q:\n%s", want, out)
		}
	}
	launched, unrelated := strings.Index(out, "Launched m5.large"), strings.Index(out, "something else happened")
	if launched < 0 || unrelated < 0 || launched > unrelated {
		t.Errorf("the Launched decision is not listed before the other Event:\n%s", out)
	}
	if strings.Index(out, "  Launched ") > strings.Index(out, "  Ready ") {
		t.Errorf("conditions are not in lifecycle order:\n%s", out)
	}
}

func TestDescribeNodePool(t *testing.T) {
	c := describeFixture(t)
	out := c.kubectlKarpenter(t, "describe", "nodepool", "get-a").mustSucceed(t).out
	for _, want := range []string{
		"Name:", "get-a", "Weight:", "30",
		"NodeClass:", "EC2NodeClass default (karpenter.k8s.aws) (does not exist",
		"Requirements:", "karpenter.sh/capacity-type In [on-demand]",
		"Consolidation Policy:", "WhenEmptyOrUnderutilized", "Consolidate After:", "30s",
		"Budgets:", "nodes=10%",
		"Resources:", "cpu", "100",
		"NodeClaims (2, ", "get-a-priced", "get-a-spot",
		decisions.ReasonNodePoolLimitReached,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("describe nodepool lacks %q:\n%s", want, out)
		}
	}
	c.kubectlKarpenter(t, "describe", "nodepool", "nope").mustFail(t, `nodepools.karpenter.sh "nope" not found`)
	c.kubectlKarpenter(t, "describe", "widget", "x").mustFail(t, `unknown resource type "widget"`)
}
