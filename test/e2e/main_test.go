// Package e2e runs the agent binary against the real local control plane: kube-apiserver, etcd,
// kube-scheduler, kube-controller-manager and KWOK playing the kubelet of the nodes the simulated
// EC2 launches. Each test starts its own control plane.
package e2e

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
	"github.com/karpenter-tools/kubectl-karpenter/test/e2e/framework"
)

// cheapestFitting returns the instance type and price the agent should launch for one pod with
// the requests under the GeneralPurpose requirements: the cheapest offering, spot included, of
// any c/m/r type of generation 5+ on amd64 whose allocatable fits the pod.
func cheapestFitting(t *testing.T, cpu, mem string) (string, float64) {
	t.Helper()
	wantCPU, wantMem := resource.MustParse(cpu), resource.MustParse(mem)
	best, bestPrice := "", math.Inf(1)
	for _, it := range catalog.InstanceTypes() {
		l := it.Labels
		switch l["karpenter.k8s.aws/instance-category"] {
		case "c", "m", "r":
		default:
			continue
		}
		if gen, err := strconv.Atoi(l["karpenter.k8s.aws/instance-generation"]); err != nil || gen <= 4 || l[corev1.LabelArchStable] != "amd64" {
			continue
		}
		alloc := it.Allocatable
		if alloc.Cpu().Cmp(wantCPU) < 0 || alloc.Memory().Cmp(wantMem) < 0 {
			continue
		}
		for _, of := range it.Offerings {
			if of.Price < bestPrice {
				best, bestPrice = it.Name, of.Price
			}
		}
	}
	if best == "" {
		t.Fatal("no catalog type fits")
	}
	return best, bestPrice
}

// nodePoolUsage sums the capacity of the nodes of a NodePool.
func nodePoolUsage(nodes []corev1.Node, pool string) (cpu, mem resource.Quantity, count int) {
	for _, n := range nodes {
		if n.Labels[karpv1.NodePoolLabelKey] != pool {
			continue
		}
		count++
		cpu.Add(*n.Status.Capacity.Cpu())
		mem.Add(*n.Status.Capacity.Memory())
	}
	return cpu, mem, count
}

// nodeClaimsMatchNodes checks that every NodeClaim has exactly one Node and no Node lacks one:
// no duplicate launch, no orphan.
func nodeClaimsMatchNodes(ctx context.Context, env *framework.Env) error {
	ncs, err := env.NodeClaims(ctx)
	if err != nil {
		return err
	}
	nodes, err := env.Nodes(ctx)
	if err != nil {
		return err
	}
	byProvider := map[string]string{}
	for _, n := range nodes {
		if n.Labels[karpv1.NodePoolLabelKey] != "" {
			byProvider[n.Spec.ProviderID] = n.Name
		}
	}
	for _, nc := range ncs {
		if nc.Status.ProviderID == "" {
			return fmt.Errorf("nodeclaim %s has no instance yet", nc.Name)
		}
		if _, ok := byProvider[nc.Status.ProviderID]; !ok {
			return fmt.Errorf("nodeclaim %s (%s) has no node yet", nc.Name, nc.Status.ProviderID)
		}
		delete(byProvider, nc.Status.ProviderID)
	}
	if len(byProvider) > 0 {
		return fmt.Errorf("nodes without a nodeclaim: %v", byProvider)
	}
	return nil
}

const (
	provisionTimeout = 3 * time.Minute
)
