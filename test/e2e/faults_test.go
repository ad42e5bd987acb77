package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

// setFaults writes the simulated provider's fault ConfigMap, which the agent reads on every launch.
func setFaults(t *testing.T, env *framework.Env, data map[string]string) {
	t.Helper()
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "faults", Namespace: "karpenter-simulated"}}
	ctx := context.Background()
	if err := env.Client.Get(ctx, client.ObjectKeyFromObject(cm), cm); err == nil {
		cm.Data = data
		if err := env.Client.Update(ctx, cm); err != nil {
			t.Fatal(err)
		}
		return
	}
	cm.Data = data
	env.Create(t, cm)
}

func TestInsufficientCapacityFallsBackToTheNextOffering(t *testing.T) {
	env := framework.Setup(t)
	cheapest, _ := cheapestFitting(t, "1", "1Gi")
	// Every offering of the cheapest type is out of capacity, in every zone and capacity type.
	setFaults(t, env, map[string]string{"insufficientCapacity": cheapest + "/*/*"})
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	env.StartAgent(t, framework.AgentOptions{})
	env.Create(t, framework.Deployment("one", 1, "1", "1Gi"))

	pods := env.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	var node corev1.Node
	if err := env.Client.Get(context.Background(), client.ObjectKey{Name: pods[0].Spec.NodeName}, &node); err != nil {
		t.Fatal(err)
	}
	if got := node.Labels[corev1.LabelInstanceTypeStable]; got == cheapest {
		t.Fatalf("launched %s although it had no capacity", got)
	}
	framework.Eventually(t, time.Minute, "an InsufficientCapacityError Event naming "+cheapest, func(ctx context.Context) (bool, error) {
		evs, err := env.Events(ctx, decisions.ReasonInsufficientCapacity)
		if err != nil {
			return false, err
		}
		for _, ev := range evs {
			if strings.Contains(ev.Message, cheapest) {
				return true, nil
			}
		}
		return false, fmt.Errorf("%d InsufficientCapacityError events, none naming %s", len(evs), cheapest)
	})
}

func TestDeletedNodeClaimIsDrainedAndItsInstanceRemoved(t *testing.T) {
	env := framework.Setup(t)
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	env.StartAgent(t, framework.AgentOptions{})
	env.Create(t, framework.Deployment("one", 1, "1", "1Gi"))
	pods := env.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	oldNode := pods[0].Spec.NodeName

	ctx := context.Background()
	ncs, err := env.NodeClaims(ctx)
	if err != nil || len(ncs) != 1 {
		t.Fatalf("want 1 NodeClaim, got %d (%v)", len(ncs), err)
	}
	victim := ncs[0]
	if err := env.Client.Delete(ctx, &victim); err != nil {
		t.Fatal(err)
	}
	// The pod is evicted, its Deployment recreates it, and the agent gives it a new node.
	framework.Eventually(t, provisionTimeout, "the NodeClaim, its Node and its instance to be gone", func(ctx context.Context) (bool, error) {
		var nc karpv1.NodeClaim
		if err := env.Client.Get(ctx, client.ObjectKeyFromObject(&victim), &nc); err == nil {
			return false, fmt.Errorf("nodeclaim %s still exists (finalizers %v)", nc.Name, nc.Finalizers)
		}
		var n corev1.Node
		if err := env.Client.Get(ctx, client.ObjectKey{Name: oldNode}, &n); err == nil {
			return false, fmt.Errorf("node %s still exists", oldNode)
		}
		return true, nil
	})
	replacement := env.WaitRunning(t, map[string]string{"app": "one"}, 1, provisionTimeout)
	if replacement[0].Spec.NodeName == oldNode {
		t.Fatalf("the pod runs on the deleted node %s", oldNode)
	}
	framework.Eventually(t, time.Minute, "instances to match NodeClaims", func(ctx context.Context) (bool, error) {
		return true, instancesMatchNodeClaims(ctx, env)
	})
}

// instancesMatchNodeClaims compares the simulated EC2's live instances (its state ConfigMaps)
// with the NodeClaims: the provider's List must equal the NodeClaims.
func instancesMatchNodeClaims(ctx context.Context, env *framework.Env) error {
	var cms corev1.ConfigMapList
	if err := env.Client.List(ctx, &cms, client.InNamespace("karpenter-simulated"),
		client.MatchingLabels{"app.kubernetes.io/managed-by": "karpenter-simulated"}); err != nil {
		return err
	}
	instances := map[string]bool{}
	for _, cm := range cms.Items {
		if cm.Labels["simulated-ec2.karpenter-tools.io/state"] == "terminated" {
			continue
		}
		instances[cm.Labels[karpv1.Group+"/nodeclaim"]] = true
	}
	ncs, err := env.NodeClaims(ctx)
	if err != nil {
		return err
	}
	for _, nc := range ncs {
		if !instances[nc.Name] {
			return fmt.Errorf("nodeclaim %s has no instance", nc.Name)
		}
		delete(instances, nc.Name)
	}
	if len(instances) > 0 {
		return fmt.Errorf("instances without a nodeclaim (orphans): %v", instances)
	}
	return nil
}
