package e2e

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

func TestProvisionOnePodOnTheCheapestType(t *testing.T) {
	env := framework.Setup(t)
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	env.StartAgent(t, framework.AgentOptions{})
	env.Create(t, framework.Deployment("one", 1, "1", "1Gi"))

	pods := env.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	ctx := context.Background()
	nodes, err := env.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(nodes) != 1 || nodes[0].Name != pods[0].Spec.NodeName {
		t.Fatalf("want one node running the pod, got %d nodes", len(nodes))
	}
	wantType, wantPrice := cheapestFitting(t, "1", "1Gi")
	if got := nodes[0].Labels[corev1.LabelInstanceTypeStable]; got != wantType {
		t.Errorf("launched %s, want the cheapest fitting type %s ($%.4f/h)", got, wantType, wantPrice)
	}
	if nodes[0].Labels[karpv1.NodeInitializedLabelKey] != "true" {
		t.Errorf("node %s lacks %s=true", nodes[0].Name, karpv1.NodeInitializedLabelKey)
	}
	for _, taint := range nodes[0].Spec.Taints {
		if taint.MatchTaint(&karpv1.UnregisteredNoExecuteTaint) {
			t.Errorf("node %s still has the unregistered taint", nodes[0].Name)
		}
	}
	framework.Eventually(t, provisionTimeout, "a Launched Event with the price", func(ctx context.Context) (bool, error) {
		evs, err := env.Events(ctx, decisions.ReasonLaunched)
		if err != nil || len(evs) == 0 {
			return false, err
		}
		l, ok := decisions.ParseLaunched(evs[0].Message)
		if !ok {
			return false, fmt.Errorf("unparsable Launched message %q", evs[0].Message)
		}
		if l.InstanceType != wantType || l.Pods != 1 {
			return false, fmt.Errorf("Launched %+v, want %s for 1 pod", l, wantType)
		}
		return true, nil
	})
	framework.Eventually(t, provisionTimeout, "a Nominated Event on the pod", func(ctx context.Context) (bool, error) {
		evs, err := env.Events(ctx, decisions.ReasonNominated)
		if err != nil {
			return false, err
		}
		for _, ev := range evs {
			if ev.InvolvedObject.Name == pods[0].Name {
				return true, nil
			}
		}
		return false, nil
	})
}

func TestProvisionFiftyPodsWithinLimitsAndSpread(t *testing.T) {
	env := framework.Setup(t)
	limit := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("64")}
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose(), framework.WithLimits(limit)))
	env.StartAgent(t, framework.AgentOptions{})
	env.Create(t,
		framework.Deployment("web", 44, "500m", "512Mi"),
		framework.Deployment("zonal", 6, "1", "1Gi", framework.ZoneSpread("zonal")),
	)
	env.WaitRunning(t, map[string]string{"app": "web"}, 44, provisionTimeout)
	zonal := env.WaitRunning(t, map[string]string{"app": "zonal"}, 6, provisionTimeout)

	ctx := context.Background()
	nodes, err := env.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cpu, _, count := nodePoolUsage(nodes, "default")
	if cpu.Cmp(limit[corev1.ResourceCPU]) > 0 {
		t.Errorf("the pool's nodes have %s cpu, over its limit of %s", cpu.String(), limit.Cpu().String())
	}
	zoneOf := map[string]string{}
	for _, n := range nodes {
		zoneOf[n.Name] = n.Labels[corev1.LabelTopologyZone]
	}
	perZone := map[string]int{}
	for _, p := range zonal {
		perZone[zoneOf[p.Spec.NodeName]]++
	}
	if len(perZone) != 3 {
		t.Errorf("zone-spread pods landed in zones %v, want all three", perZone)
	}
	for z, n := range perZone {
		if n != 2 {
			t.Errorf("zone %s runs %d zone-spread pods, want 2 (maxSkew 1 over 6 pods)", z, n)
		}
	}
	if err := nodeClaimsMatchNodes(ctx, env); err != nil {
		t.Error(err)
	}
	t.Logf("50 pods on %d nodes, %s cpu of capacity", count, cpu.String())
}

func TestPodThatFitsNowhereGetsAnExplanation(t *testing.T) {
	env := framework.Setup(t)
	gpu := framework.NodePool("gpu", []karpv1.NodeSelectorRequirementWithMinValues{
		framework.Req("karpenter.k8s.aws/instance-gpu-manufacturer", corev1.NodeSelectorOpIn, "nvidia"),
	}, func(np *karpv1.NodePool) {
		np.Spec.Template.Spec.Taints = []corev1.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}}
	})
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()), gpu)
	env.StartAgent(t, framework.AgentOptions{})
	env.Create(t, framework.Deployment("huge", 1, "4096", "1Gi"))

	var message string
	framework.Eventually(t, provisionTimeout, "the agent's FailedScheduling Event", func(ctx context.Context) (bool, error) {
		evs, err := env.Events(ctx, decisions.ReasonFailedScheduling)
		if err != nil {
			return false, err
		}
		for _, ev := range evs {
			if exp, ok := decisions.ParseFailedScheduling(ev.Message); ok && ev.Source.Component == "karpenter" {
				message = exp
				return true, nil
			}
		}
		return false, nil
	})
	for _, want := range []string{"default", "gpu", "cpu"} {
		if !containsFold(message, want) {
			t.Errorf("FailedScheduling %q does not mention %q", message, want)
		}
	}
	ncs, err := env.NodeClaims(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ncs) != 0 {
		t.Errorf("%d NodeClaims created for a pod that fits nowhere", len(ncs))
	}
}
