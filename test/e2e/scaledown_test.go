package e2e

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	appsv1 "k8s.io/api/apps/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

// TestThousandPodsUpAndDown provisions 1000 pending pods, then scales them to zero: every node
// goes after consolidateAfter except the one annotated do-not-disrupt.
func TestThousandPodsUpAndDown(t *testing.T) {
	env := framework.Setup(t)
	limit := corev1.ResourceList{corev1.ResourceCPU: resourceMust("1000")}
	env.Create(t, framework.NodeClass(),
		framework.NodePool("default", framework.GeneralPurpose(), framework.WithLimits(limit), framework.WithConsolidateAfter("5s")))
	agent := env.StartAgent(t, framework.AgentOptions{})
	start := time.Now()
	env.Create(t, framework.Deployment("big", 1000, "250m", "256Mi"))
	env.WaitRunning(t, map[string]string{"app": "big"}, 1000, 5*time.Minute)
	t.Logf("1000 pods running %s after creation; agent peak RSS %d MiB", time.Since(start).Round(time.Second), agent.PeakRSS()>>20)

	ctx := context.Background()
	nodes, err := env.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	cpu, _, count := nodePoolUsage(nodes, "default")
	if cpu.Cmp(limit[corev1.ResourceCPU]) > 0 {
		t.Errorf("the pool's nodes have %s cpu, over its limit", cpu.String())
	}
	if err := nodeClaimsMatchNodes(ctx, env); err != nil {
		t.Error(err)
	}
	kept := nodes[0].Name
	patch := []byte(`{"metadata":{"annotations":{"` + karpv1.DoNotDisruptAnnotationKey + `":"true"}}}`)
	if err := env.Client.Patch(ctx, &nodes[0], client.RawPatch(types.MergePatchType, patch)); err != nil {
		t.Fatal(err)
	}

	var dep appsv1.Deployment
	if err := env.Client.Get(ctx, client.ObjectKey{Namespace: "default", Name: "big"}, &dep); err != nil {
		t.Fatal(err)
	}
	dep.Spec.Replicas = ptr.To[int32](0)
	if err := env.Client.Update(ctx, &dep); err != nil {
		t.Fatal(err)
	}
	framework.Eventually(t, 5*time.Minute, "every node but the do-not-disrupt one to be removed", func(ctx context.Context) (bool, error) {
		nodes, err := env.Nodes(ctx)
		if err != nil {
			return false, err
		}
		if len(nodes) == 1 && nodes[0].Name == kept {
			return true, nil
		}
		return false, fmt.Errorf("%d of %d nodes left", len(nodes), count)
	})
	if err := instancesMatchNodeClaims(ctx, env); err != nil {
		t.Error(err)
	}
}
