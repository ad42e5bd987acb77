package provisioning

import (
	"context"
	"fmt"
	"sync"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// recentTTL bounds how long a NodeClaim this agent created is added to snapshots while the
// informer has not delivered it; by then the informer has, or the NodeClaim is gone.
const recentTTL = 30 * time.Second

// recentNodeClaims remembers NodeClaims created by this process until the cache has them, so a
// batch that starts right after another cannot miss them and launch the same capacity twice or
// cross a limit.
type recentNodeClaims struct {
	clock clock.Clock
	mu    sync.Mutex
	items map[string]recentNodeClaim
}

type recentNodeClaim struct {
	nc      *karpv1.NodeClaim
	created time.Time
}

func newRecentNodeClaims(c clock.Clock) *recentNodeClaims {
	return &recentNodeClaims{clock: c, items: map[string]recentNodeClaim{}}
}

func (r *recentNodeClaims) add(nc *karpv1.NodeClaim) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.items[nc.Name] = recentNodeClaim{nc: nc, created: r.clock.Now()}
}

// merge returns cached plus the recent NodeClaims the cache does not have yet; those it has are
// forgotten.
func (r *recentNodeClaims) merge(cached []*karpv1.NodeClaim) []*karpv1.NodeClaim {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, nc := range cached {
		delete(r.items, nc.Name)
	}
	now := r.clock.Now()
	for name, item := range r.items {
		if now.Sub(item.created) > recentTTL {
			delete(r.items, name)
			continue
		}
		cached = append(cached, item.nc)
	}
	return cached
}

// snapshot is one consistent-enough view of the cluster for a solve.
type snapshot struct {
	input     scheduling.Input
	nodePools map[string]*karpv1.NodePool
}

// buildSnapshot reads the informer caches (never the API server) and the cloud provider's
// instance types. Lists skip deep copies: the engine never modifies its input.
func buildSnapshot(ctx context.Context, c client.Reader, cp cloudprovider.CloudProvider, recent *recentNodeClaims) (*snapshot, error) {
	noCopy := client.UnsafeDisableDeepCopy
	var pods corev1.PodList
	if err := c.List(ctx, &pods, noCopy); err != nil {
		return nil, fmt.Errorf("listing pods: %w", err)
	}
	var nodes corev1.NodeList
	if err := c.List(ctx, &nodes, noCopy); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	var ncs karpv1.NodeClaimList
	if err := c.List(ctx, &ncs, noCopy); err != nil {
		return nil, fmt.Errorf("listing nodeclaims: %w", err)
	}
	var nps karpv1.NodePoolList
	if err := c.List(ctx, &nps, noCopy); err != nil {
		return nil, fmt.Errorf("listing nodepools: %w", err)
	}
	var dss appsv1.DaemonSetList
	if err := c.List(ctx, &dss, noCopy); err != nil {
		return nil, fmt.Errorf("listing daemonsets: %w", err)
	}
	s := &snapshot{nodePools: map[string]*karpv1.NodePool{}}
	in := &s.input
	if err := addVolumes(ctx, c, in); err != nil {
		return nil, err
	}

	podsByNode := map[string][]*corev1.Pod{}
	for i := range pods.Items {
		p := &pods.Items[i]
		switch {
		case p.Spec.NodeName != "":
			podsByNode[p.Spec.NodeName] = append(podsByNode[p.Spec.NodeName], p)
		case scheduling.IsProvisionable(p):
			in.Pods = append(in.Pods, p)
		}
	}
	for i := range nodes.Items {
		n := &nodes.Items[i]
		in.Nodes = append(in.Nodes, scheduling.Node{Node: n, Pods: podsByNode[n.Name]})
	}
	cached := make([]*karpv1.NodeClaim, 0, len(ncs.Items))
	for i := range ncs.Items {
		cached = append(cached, &ncs.Items[i])
	}
	for _, nc := range recent.merge(cached) {
		// A NodeClaim being deleted will not take pods; its Node, while it lasts, still counts
		// against limits through the node list.
		if !scheduling.IsInFlight(nc) {
			continue
		}
		in.InFlight = append(in.InFlight, scheduling.FromNodeClaim(nc))
	}
	for i := range dss.Items {
		in.DaemonSets = append(in.DaemonSets, &dss.Items[i])
	}
	for i := range nps.Items {
		np := &nps.Items[i]
		if !scheduling.NodePoolUsable(np) {
			continue
		}
		its, err := cp.GetInstanceTypes(ctx, np)
		if err != nil {
			// The NodePool status controller records why (NodeClassReady=False and an Event);
			// the other NodePools can still provision.
			log.FromContext(ctx).V(1).Info("skipping nodepool", "nodepool", np.Name, "error", err.Error())
			continue
		}
		s.nodePools[np.Name] = np
		in.NodePools = append(in.NodePools, scheduling.FromNodePool(np, its))
	}
	return s, nil
}

func addVolumes(ctx context.Context, c client.Reader, in *scheduling.Input) error {
	noCopy := client.UnsafeDisableDeepCopy
	var pvcs corev1.PersistentVolumeClaimList
	if err := c.List(ctx, &pvcs, noCopy); err != nil {
		return fmt.Errorf("listing persistentvolumeclaims: %w", err)
	}
	var pvs corev1.PersistentVolumeList
	if err := c.List(ctx, &pvs, noCopy); err != nil {
		return fmt.Errorf("listing persistentvolumes: %w", err)
	}
	var scs storagev1.StorageClassList
	if err := c.List(ctx, &scs, noCopy); err != nil {
		return fmt.Errorf("listing storageclasses: %w", err)
	}
	var nss corev1.NamespaceList
	if err := c.List(ctx, &nss, noCopy); err != nil {
		return fmt.Errorf("listing namespaces: %w", err)
	}
	for i := range pvcs.Items {
		in.PersistentVolumeClaims = append(in.PersistentVolumeClaims, &pvcs.Items[i])
	}
	for i := range pvs.Items {
		in.PersistentVolumes = append(in.PersistentVolumes, &pvs.Items[i])
	}
	for i := range scs.Items {
		in.StorageClasses = append(in.StorageClasses, &scs.Items[i])
	}
	for i := range nss.Items {
		in.Namespaces = append(in.Namespaces, &nss.Items[i])
	}
	return nil
}
