package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

func TestAgentKilledMidBatchAndMidLaunch(t *testing.T) {
	env := framework.Setup(t)
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	// Launches hang for a while after the instance is recorded, so the kill lands mid-launch.
	setFaults(t, env, map[string]string{"createDelay": "3s"})
	agent := env.StartAgent(t, framework.AgentOptions{Name: "first"})
	env.Create(t, framework.Deployment("web", 40, "500m", "512Mi"))

	// Mid-launch: NodeClaims exist, some instances recorded, no node has registered yet.
	framework.Eventually(t, provisionTimeout, "NodeClaims to be created", func(ctx context.Context) (bool, error) {
		ncs, err := env.NodeClaims(ctx)
		return len(ncs) > 0, err
	})
	agent.Kill()
	setFaults(t, env, map[string]string{})
	// A second agent starts with the batch half done.
	env.StartAgent(t, framework.AgentOptions{Name: "second"})
	env.WaitRunning(t, map[string]string{"app": "web"}, 40, provisionTimeout)

	framework.Eventually(t, time.Minute, "every NodeClaim to have exactly one node and instance", func(ctx context.Context) (bool, error) {
		if err := nodeClaimsMatchNodes(ctx, env); err != nil {
			return false, err
		}
		return true, instancesMatchNodeClaims(ctx, env)
	})
	assertNoEmptyNodes(t, env)
}

func TestTwoReplicasOneLeaderNoDoubleLaunch(t *testing.T) {
	env := framework.Setup(t)
	env.Create(t, framework.NodeClass(), framework.NodePool("default", framework.GeneralPurpose()))
	a := env.StartAgent(t, framework.AgentOptions{Name: "replica-a", Args: []string{"--leader-elect"}})
	b := env.StartAgent(t, framework.AgentOptions{Name: "replica-b", Args: []string{"--leader-elect"}})
	env.Create(t, framework.Deployment("web", 30, "500m", "512Mi"))
	env.WaitRunning(t, map[string]string{"app": "web"}, 30, provisionTimeout)

	var lease coordinationv1.Lease
	if err := env.Client.Get(context.Background(), client.ObjectKey{Namespace: "karpenter", Name: "karpenter-leader-election"}, &lease); err != nil {
		t.Fatalf("reading the leader Lease: %v", err)
	}
	if lease.Spec.HolderIdentity == nil || *lease.Spec.HolderIdentity == "" {
		t.Fatal("no replica holds the leader Lease")
	}
	framework.Eventually(t, time.Minute, "every NodeClaim to have exactly one node", func(ctx context.Context) (bool, error) {
		return true, nodeClaimsMatchNodes(ctx, env)
	})
	assertNoEmptyNodes(t, env)
	leaders := 0
	for _, agent := range []*framework.Agent{a, b} {
		if strings.Contains(agent.Log(), "became the leader") {
			leaders++
		}
	}
	if leaders != 1 {
		t.Errorf("%d replicas acquired the leader Lease, want exactly 1", leaders)
	}
}

// assertNoEmptyNodes fails when a node runs none of the test's pods: a double launch leaves one.
func assertNoEmptyNodes(t *testing.T, env *framework.Env) {
	t.Helper()
	ctx := context.Background()
	nodes, err := env.Nodes(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pods, err := env.Pods(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	busy := map[string]int{}
	for _, p := range pods {
		busy[p.Spec.NodeName]++
	}
	var empty []string
	for _, n := range nodes {
		if busy[n.Name] == 0 {
			empty = append(empty, n.Name)
		}
	}
	if len(empty) > 0 {
		t.Errorf("%d of %d nodes run no pod (a double launch?): %v", len(empty), len(nodes), empty)
	}
}
