package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
)

// whyPendingCluster has the control plane to itself (state "simulate"), so that its NodePools
// alone decide:
//   - general: on-demand amd64 c/m/r of generation 5+, in the node class's zones us-east-1a/b
//   - tainted: weight 10, tainted dedicated=gpu:NoSchedule
//   - capped: a cpu limit of 1, already used by its node
//
// and one full node of general. Pods in namespace wp:
//   - fits (1 cpu): a new NodeClaim from general
//   - huge (500 cpu): nowhere
//   - zoned (1 cpu, zone us-east-1c): nowhere, the node class has no subnet there
//   - running: bound to the node
func whyPendingCluster(t *testing.T) *cluster {
	c := sharedCluster(t, "simulate", true)
	c.once(t, "why-pending", func() {
		ensureNamespace(t, c, "wp")
		general := plugintest.NodePool("general", func(np *karpv1.NodePool) {
			np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1000")}
		})
		w := int32(10)
		tainted := plugintest.NodePool("tainted", func(np *karpv1.NodePool) {
			np.Spec.Weight = &w
			np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
		})
		capped := plugintest.NodePool("capped", func(np *karpv1.NodePool) {
			np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1")}
		})
		node := controlplane.NewKWOKNode("general-node", "2", "8Gi", map[string]string{
			karpv1.NodePoolLabelKey: "general", corev1.LabelInstanceTypeStable: "m5.large",
			karpv1.CapacityTypeLabelKey: "on-demand", corev1.LabelTopologyZone: "us-east-1a", karpv1.NodeInitializedLabelKey: "true",
		})
		cappedNode := controlplane.NewKWOKNode("capped-node", "2", "8Gi", map[string]string{karpv1.NodePoolLabelKey: "capped", karpv1.NodeInitializedLabelKey: "true"})
		cappedNode.Spec.Taints = []corev1.Taint{{Key: "full", Effect: corev1.TaintEffectNoSchedule}}
		running := newPod("wp", "running", "1900m", "1Gi", "general-node")
		fits := newPod("wp", "fits", "1", "1Gi", "")
		huge := newPod("wp", "huge", "500", "1Gi", "")
		zoned := newPod("wp", "zoned", "1", "1Gi", "")
		zoned.Spec.NodeSelector = map[string]string{corev1.LabelTopologyZone: "us-east-1c"}
		c.create(t, plugintest.EC2NodeClass("default", "us-east-1a", "us-east-1b"), general, tainted, capped, node, cappedNode, running, fits, huge, zoned)
		c.create(t,
			plugintest.Event("wp", "huge.2", plugintest.Ref(huge, "Pod"), "Warning", decisions.ReasonFailedScheduling, decisions.FailedScheduling(huge, "no NodePool fits").Message, "karpenter"),
			plugintest.Event("wp", "fits.1", plugintest.Ref(fits, "Pod"), "Normal", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/general-x1", "karpenter"),
			plugintest.Event("default", "general-x1.1", corev1.ObjectReference{Kind: "NodeClaim", Name: "general-x1"}, "Normal", decisions.ReasonLaunched, "Launched c5.large (on-demand) in us-east-1a at $0.0850/h for 1 pod(s)", "karpenter"),
		)
	})
	return c
}

func TestWhyPendingNamesTheConstraintOfEveryNodePool(t *testing.T) {
	c := whyPendingCluster(t)
	r := c.kubectlKarpenter(t, "why-pending", "huge", "-n", "wp")
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1 for a pod that will not be scheduled: %v\n%s", r.code, r.err, r.out)
	}
	for _, want := range []string{
		"Pod wp/huge",
		"kube-scheduler: 0/2 nodes are available: 1 Insufficient cpu, 1 node(s) had untolerated taint(s).",
		"agent:          FailedScheduling: Failed to schedule pod: no NodePool fits",
		"simulation:     cannot be placed",
		"Existing nodes (2), none fits",
		"NodePool general: insufficient cpu",
		"NodePool tainted: ", "dedicated=gpu:NoSchedule",
		"NodePool capped: limit cpu reached",
		"fix: ",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("why-pending huge lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out, "\x1b[") {
		t.Errorf("colour codes in output that is not a terminal:\n%q", r.out)
	}
}

func TestWhyPendingSaysWhichNodePoolAndInstanceType(t *testing.T) {
	c := whyPendingCluster(t)
	r := c.kubectlKarpenter(t, "why-pending", "fits", "-n", "wp", "-o", "json")
	if r.code != 0 {
		t.Fatalf("exit code %d, want 0 for a pod that fits: %v\n%s%s", r.code, r.err, r.out, r.errOut)
	}
	var out struct{ Pods []simulate.Report }
	if err := json.Unmarshal([]byte(r.out), &out); err != nil {
		t.Fatalf("-o json: %v\n%s", err, r.out)
	}
	if len(out.Pods) != 1 {
		t.Fatalf("%d reports, want 1", len(out.Pods))
	}
	s := out.Pods[0].Simulation
	if !out.Pods[0].WillSchedule || s.Outcome != simulate.OutcomeNewNodeClaim || s.NodePool != "general" || s.Offering == nil || len(s.InstanceTypes) == 0 {
		t.Fatalf("simulation = %+v, want a new NodeClaim from general", s)
	}
	if z := s.Offering.Zone; z != "us-east-1a" && z != "us-east-1b" {
		t.Errorf("offering in zone %s, outside the node class's zones", z)
	}
	if s.Offering.CapacityType != "on-demand" || s.Offering.InstanceType != s.InstanceTypes[0] || s.Offering.PricePerHour <= 0 {
		t.Errorf("offering = %+v", s.Offering)
	}
	agent := out.Pods[0].Agent
	if len(agent) != 2 || agent[0].Reason != decisions.ReasonNominated || agent[1].Reason != decisions.ReasonLaunched || agent[1].Object != "nodeclaim/general-x1" {
		t.Errorf("agent messages = %+v, want the Nominated Event and the NodeClaim's Launched Event", agent)
	}

	text := c.kubectlKarpenter(t, "why-pending", "fits", "-n", "wp").mustSucceed(t).out
	for _, want := range []string{"the agent launches a NodeClaim from NodePool general", "cheapest: " + s.Offering.InstanceType + ", on-demand in " + s.Offering.Zone, "Launched c5.large"} {
		if !strings.Contains(text, want) {
			t.Errorf("text output lacks %q:\n%s", want, text)
		}
	}
}

func TestWhyPendingShortAndAllPods(t *testing.T) {
	c := whyPendingCluster(t)
	r := c.kubectlKarpenter(t, "why-pending", "-n", "wp", "--short")
	if r.code != 1 {
		t.Fatalf("exit code %d, want 1: %v", r.code, r.err)
	}
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[0], "wp/fits: new NodeClaim from NodePool general (") ||
		!strings.HasPrefix(lines[1], "wp/huge: cannot be placed: 0/2 nodes are available") ||
		!strings.Contains(lines[2], "wp/zoned: cannot be placed") || !strings.Contains(lines[2], "us-east-1c") {
		t.Errorf("--short =\n%s", r.out)
	}
	y := c.kubectlKarpenter(t, "why-pending", "-A", "-l", "app=zoned", "-o", "yaml")
	if y.code != 1 || !strings.Contains(y.out, "outcome: Unplaced") || !strings.Contains(y.out, "constraint: NoOffering") && !strings.Contains(y.out, "constraint: NoCompatibleInstanceType") {
		t.Errorf("-A -l app=zoned -o yaml (exit %d):\n%s", y.code, y.out)
	}
}

func TestWhyPendingBadInput(t *testing.T) {
	c := whyPendingCluster(t)
	c.kubectlKarpenter(t, "why-pending", "nope", "-n", "wp").mustFail(t, `pod "nope" not found in namespace "wp"`)
	c.kubectlKarpenter(t, "why-pending", "huge").mustFail(t, `pod "huge" not found in namespace "default"`, "use -n wp")
	c.kubectlKarpenter(t, "why-pending", "-l", "app in (").mustFail(t, "invalid label selector")
	c.kubectlKarpenter(t, "why-pending", "huge", "-A").mustFail(t, "cannot be used together")
	c.kubectlKarpenter(t, "why-pending", "-o", "wide").mustFail(t, `unknown output format "wide"`)
	r := c.kubectlKarpenter(t, "why-pending", "running", "-n", "wp").mustSucceed(t)
	if !strings.Contains(r.out, "Pod wp/running is not pending: it is bound to node general-node.") {
		t.Errorf("a running pod: %q", r.out)
	}
	js := c.kubectlKarpenter(t, "why-pending", "running", "-n", "wp", "-o", "json").mustSucceed(t)
	if strings.TrimSpace(js.out) != `{
    "pods": []
}` || !strings.Contains(js.errOut, "is not pending") {
		t.Errorf("a running pod with -o json: stdout %q, stderr %q", js.out, js.errOut)
	}
	none := c.kubectlKarpenter(t, "why-pending").mustSucceed(t)
	if !strings.Contains(none.errOut, "No pending pods in namespace default.") {
		t.Errorf("no pending pods: %q", none.errOut)
	}
}
