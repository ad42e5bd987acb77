package garbagecollection

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// reasonGarbageCollected labels the terminated metric for instances collected here.
const reasonGarbageCollected = "GarbageCollected"

// snapshot is the cluster side of one pass, from the cache.
type snapshot struct {
	byProviderID map[string]*karpv1.NodeClaim
	byName       map[string]*karpv1.NodeClaim
	nodes        map[string]*corev1.Node // by provider ID
}

func (c *Controller) snapshot(ctx context.Context) (snapshot, error) {
	var ncs karpv1.NodeClaimList
	if err := c.kubeClient.List(ctx, &ncs); err != nil {
		return snapshot{}, fmt.Errorf("listing nodeclaims: %w", err)
	}
	var nodes corev1.NodeList
	if err := c.kubeClient.List(ctx, &nodes); err != nil {
		return snapshot{}, fmt.Errorf("listing nodes: %w", err)
	}
	s := snapshot{
		byProviderID: make(map[string]*karpv1.NodeClaim, len(ncs.Items)),
		byName:       make(map[string]*karpv1.NodeClaim, len(ncs.Items)),
		nodes:        make(map[string]*corev1.Node, len(nodes.Items)),
	}
	for i := range ncs.Items {
		nc := &ncs.Items[i]
		s.byName[nc.Name] = nc
		if nc.Status.ProviderID != "" {
			s.byProviderID[nc.Status.ProviderID] = nc
		}
	}
	for i := range nodes.Items {
		if id := nodes.Items[i].Spec.ProviderID; id != "" {
			s.nodes[id] = &nodes.Items[i]
		}
	}
	return s, nil
}

// owned reports whether a NodeClaim owns the instance: it recorded the instance's provider ID,
// or it is the NodeClaim the instance was launched for and has not recorded any provider ID yet
// (the launch is in flight, or the agent restarted before recording it and will adopt it).
func (s snapshot) owned(in *karpv1.NodeClaim) bool {
	if _, ok := s.byProviderID[in.Status.ProviderID]; ok {
		return true
	}
	nc, ok := s.byName[in.Name]
	return ok && in.Name != "" && nc.Status.ProviderID == ""
}

// collectInstances terminates the instances no NodeClaim owns once they are older than the grace
// period, and deletes their Nodes.
func (c *Controller) collectInstances(ctx context.Context, s snapshot, instances []*karpv1.NodeClaim) {
	now := c.clock.Now()
	seen := make(map[string]bool, len(instances))
	for _, in := range instances {
		id := in.Status.ProviderID
		seen[id] = true
		if s.owned(in) || now.Sub(c.launchTime(in, now)) < GracePeriod {
			continue
		}
		if err := c.terminateOrphan(ctx, in, s.nodes[id]); err != nil {
			c.log.Error(err, "terminating an instance that has no NodeClaim", "providerID", id)
		}
	}
	c.forgetUnseen(seen)
}

// launchTime is the instance's creation time, as providers report it, or when this controller
// first saw it if the provider reports none.
func (c *Controller) launchTime(in *karpv1.NodeClaim, now time.Time) time.Time {
	if !in.CreationTimestamp.IsZero() {
		return in.CreationTimestamp.Time
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.firstSeen[in.Status.ProviderID]
	if !ok {
		t = now
		c.firstSeen[in.Status.ProviderID] = t
	}
	return t
}

func (c *Controller) forgetUnseen(seen map[string]bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for id := range c.firstSeen {
		if !seen[id] {
			delete(c.firstSeen, id)
		}
	}
}

func (c *Controller) terminateOrphan(ctx context.Context, in *karpv1.NodeClaim, node *corev1.Node) error {
	id := in.Status.ProviderID
	if err := c.cloudProvider.Delete(ctx, in); err != nil {
		if cloudprovider.IsNodeClaimNotFound(err) {
			return nil // terminated meanwhile
		}
		return fmt.Errorf("deleting instance %s: %w", id, err)
	}
	pool := in.Labels[karpv1.NodePoolLabelKey]
	metrics.NodeClaimsTerminated.WithLabelValues(reasonGarbageCollected, pool).Inc()
	nodeName := ""
	if node != nil {
		nodeName = node.Name
		// Some providers leave the Node behind; it has no instance any more, so its pods are
		// gone either way and the scheduler should stop counting on it.
		if err := c.kubeClient.Delete(ctx, node, client.Preconditions{UID: &node.UID}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
			c.log.Error(err, "deleting the node of an orphaned instance", "node", node.Name)
		}
		c.recorder.Publish(decisions.OrphanedInstanceDeleted(node, id))
	}
	if in.Name != "" {
		// The NodeClaim it was launched for is gone; the Event names it, for `kubectl get events`.
		c.recorder.Publish(decisions.OrphanedInstanceDeleted(in, id))
	}
	c.log.Info("terminated an instance that has no NodeClaim", "providerID", id, "launchedFor", in.Name, "nodepool", pool, "node", nodeName)
	return nil
}
