package simulated

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Fake AMIs, one per architecture as an AL2023 alias would resolve to.
const (
	ImageIDAMD64 = "ami-0a1b2c3d4e5f60001"
	ImageIDARM64 = "ami-0a1b2c3d4e5f60002"
)

// candidate is one offering a NodeClaim could launch into.
type candidate struct {
	it *cloudprovider.InstanceType
	of cloudprovider.Offering
}

func (c candidate) key() cloudprovider.OfferingKey {
	return cloudprovider.OfferingKey{InstanceType: c.it.Name, Zone: c.of.Zone, CapacityType: c.of.CapacityType}
}

// capacityRank orders capacity types as Karpenter prefers them: reserved (already paid for), then
// spot, then on-demand.
func capacityRank(ct string) int {
	switch ct {
	case cloudprovider.CapacityTypeReserved:
		return 0
	case cloudprovider.CapacityTypeSpot:
		return 1
	}
	return 2
}

// Create launches an instance for the NodeClaim into the cheapest compatible offering, spot
// first when the NodeClaim allows it. Offerings an injected fault refuses are marked unavailable;
// when the preferred one is refused, Create returns an InsufficientCapacityError. The Node
// appears after the launch delay.
//
// It is idempotent per NodeClaim name: when the NodeClaim already has an instance (a retry
// after the agent crashed mid-launch), it returns that one.
func (p *Provider) Create(ctx context.Context, nodeClaim *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	if nodeClaim.Name == "" {
		return nil, errors.New("creating an instance: the NodeClaim has no name")
	}
	if !p.startLauncher() {
		return nil, errClosed
	}
	name := recordName(nodeClaim.Name)
	existing, err := p.getRecord(ctx, name)
	if err != nil {
		return nil, fmt.Errorf("looking for an instance of NodeClaim %s: %w", nodeClaim.Name, err)
	}
	if existing != nil && existing.State != StateTerminated {
		return launched(nodeClaim, existing), nil
	}
	if existing != nil {
		// A Delete that crashed half-way; finish it so the name is free again.
		if err := p.terminate(ctx, existing); err != nil {
			return nil, err
		}
	}

	faults, err := p.currentFaults(ctx)
	if err != nil {
		return nil, err
	}
	nodeClass, subnets, err := p.nodeClassFor(ctx, nodeClaim.Spec.NodeClassRef, "NodeClaim "+nodeClaim.Name)
	if err != nil {
		return nil, err
	}
	m, err := cloudprovider.NewLaunchRequirements(nodeClaim.Spec.Requirements, func(k string) bool { return p.defined[k] })
	if err != nil {
		return nil, fmt.Errorf("NodeClaim %s: %w", nodeClaim.Name, err)
	}
	zones := zonesOf(subnets)
	candidates, unavailable := p.candidates(p.view(zones, nodeClass.Spec.Kubelet), m, nodeClaim.Spec.Resources.Requests)
	if len(candidates) == 0 && len(unavailable) == 0 {
		// As the AWS provider does, an impossible launch is an insufficient-capacity error, so the
		// agent deletes the NodeClaim and schedules again rather than retrying it forever.
		return nil, &cloudprovider.InsufficientCapacityError{
			Message: fmt.Sprintf("no offering in the zones of EC2NodeClass %s (%s) satisfies the requirements and resource requests of NodeClaim %s",
				nodeClass.Name, strings.Join(zones, ", "), nodeClaim.Name),
		}
	}
	if faults.LaunchErrors > 0 {
		consumed, err := p.consumeLaunchError(ctx)
		if err != nil {
			return nil, err
		}
		if consumed {
			return nil, fmt.Errorf("launching NodeClaim %s: simulated EC2 API error (injected fault %s)", nodeClaim.Name, FaultKeyLaunchErrors)
		}
	}

	// Like a CreateFleet request, one launch learns the capacity of every offering it would
	// accept: all refused ones are marked unavailable at once. When the preferred offering is
	// among them the launch fails with an insufficient-capacity error, so the agent records it
	// and plans again with the next cheapest, rather than silently launching something else.
	var refused []cloudprovider.OfferingKey
	for _, c := range candidates {
		if key := c.key(); faults.noCapacity(key) {
			p.unavailable.MarkUnavailable(key)
			refused = append(refused, key)
		}
	}
	// Only the preferred (first) candidate is tried; the others matter only for what they refused.
	if len(candidates) > 0 {
		c := candidates[0]
		key := c.key()
		if faults.noCapacity(key) {
			return nil, insufficientCapacity(refused, unavailable)
		}
		if faults.launchErrorFor(c.it.Name) {
			return nil, fmt.Errorf("launching NodeClaim %s as %s: simulated EC2 API error (injected fault %s)", nodeClaim.Name, key, FaultKeyLaunchErrorInstanceTypes)
		}
		return p.launch(ctx, nodeClaim, nodeClass, c, faults)
	}
	return nil, insufficientCapacity(refused, unavailable)
}

// candidates returns the available offerings that satisfy the requirements, of types whose
// allocatable covers the requests, in launch order; and the compatible ones already marked
// unavailable.
func (p *Provider) candidates(types []*cloudprovider.InstanceType, m *cloudprovider.LaunchRequirements, requests corev1.ResourceList) (candidates []candidate, unavailable []cloudprovider.OfferingKey) {
	for _, it := range types {
		if !m.MatchesType(it.Labels) || !cloudprovider.Fits(requests, it.Allocatable) {
			continue
		}
		for _, of := range it.Offerings {
			if !m.MatchesOffering(of.Zone, of.CapacityType) {
				continue
			}
			c := candidate{it: it, of: of}
			if !of.Available || p.unavailable.IsUnavailable(c.key()) {
				unavailable = append(unavailable, c.key())
				continue
			}
			candidates = append(candidates, c)
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool {
		a, b := candidates[i], candidates[j]
		if ra, rb := capacityRank(a.of.CapacityType), capacityRank(b.of.CapacityType); ra != rb {
			return ra < rb
		}
		if a.of.Price != b.of.Price {
			return a.of.Price < b.of.Price
		}
		if a.it.Name != b.it.Name {
			return a.it.Name < b.it.Name
		}
		return a.of.Zone < b.of.Zone
	})
	return candidates, unavailable
}

func insufficientCapacity(refused, unavailable []cloudprovider.OfferingKey) error {
	listed := make([]cloudprovider.OfferingKey, 0, len(refused)+len(unavailable))
	listed = append(listed, refused...)
	listed = append(listed, unavailable...)
	msg := fmt.Sprintf("%d offerings had no capacity now", len(refused))
	if len(unavailable) > 0 {
		msg += fmt.Sprintf(", %d were skipped as unavailable after recent insufficient capacity", len(unavailable))
	}
	return cloudprovider.NewInsufficientCapacityError(msg, listed)
}

// launch records a pending instance in the offering and schedules its Node.
func (p *Provider) launch(ctx context.Context, nodeClaim *karpv1.NodeClaim, nodeClass *ec2v1.EC2NodeClass, c candidate, faults Faults) (*karpv1.NodeClaim, error) {
	id, err := newInstanceID()
	if err != nil {
		return nil, err
	}
	now := p.clock.Now()
	in := &instance{
		ID:           id,
		NodeClaim:    nodeClaim.Name,
		NodePool:     nodeClaim.Labels[karpv1.NodePoolLabelKey],
		NodeClass:    nodeClass.Name,
		InstanceType: c.it.Name,
		Zone:         c.of.Zone,
		Region:       p.opts.Region,
		CapacityType: c.of.CapacityType,
		Price:        c.of.Price,
		ImageID:      imageID(c.it.Labels[corev1.LabelArchStable]),
		LaunchTime:   now,
		NodeDueAt:    now.Add(p.opts.LaunchDelay + faults.ExtraLaunchDelay),
		State:        StatePending,
		// The node is named after the instance, as EC2's resource-name hostnames are: unique,
		// stable, and it says which instance a node is at a glance.
		NodeName:    id,
		Labels:      p.nodeLabels(nodeClaim, c),
		Taints:      cloudprovider.NodeTaints(nodeClaim),
		Capacity:    c.it.Capacity,
		Allocatable: c.it.Allocatable,
		Tags:        p.tags(nodeClaim, nodeClass),
		recordName:  recordName(nodeClaim.Name),
	}
	if err := p.createRecord(ctx, in); err != nil {
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("launching NodeClaim %s: %w", nodeClaim.Name, err)
		}
		// A concurrent Create for the same NodeClaim won: return its instance.
		existing, gerr := p.getRecord(ctx, in.recordName)
		if gerr != nil {
			return nil, fmt.Errorf("launching NodeClaim %s: %w", nodeClaim.Name, gerr)
		}
		if existing == nil || existing.State == StateTerminated {
			return nil, fmt.Errorf("launching NodeClaim %s: a concurrent launch or deletion is in progress, retry", nodeClaim.Name)
		}
		return launched(nodeClaim, existing), nil
	}
	p.schedule(in.recordName, in.NodeDueAt)
	if faults.CreateDelay > 0 {
		t := p.clock.NewTimer(faults.CreateDelay)
		defer t.Stop()
		select {
		case <-t.C():
		case <-ctx.Done():
			// The instance is recorded: the retry after this will return it.
			return nil, fmt.Errorf("launching NodeClaim %s (injected %s): %w", nodeClaim.Name, FaultKeyCreateDelay, ctx.Err())
		}
	}
	return launched(nodeClaim, in), nil
}

func imageID(arch string) string {
	if arch == karpv1.ArchitectureArm64 {
		return ImageIDARM64
	}
	return ImageIDAMD64
}

// nodeLabels are what the kubelet would register with: the NodeClaim's labels, then the facts
// of the instance type, the zone, region and capacity type.
func (p *Provider) nodeLabels(nodeClaim *karpv1.NodeClaim, c candidate) map[string]string {
	labels := maps.Clone(nodeClaim.Labels)
	if labels == nil {
		labels = map[string]string{}
	}
	maps.Copy(labels, c.it.Labels)
	labels[corev1.LabelTopologyZone] = c.of.Zone
	labels[corev1.LabelTopologyRegion] = p.opts.Region
	labels[karpv1.CapacityTypeLabelKey] = c.of.CapacityType
	return labels
}

// tags are the EC2NodeClass's tags plus those Karpenter puts on every instance.
func (p *Provider) tags(nodeClaim *karpv1.NodeClaim, nodeClass *ec2v1.EC2NodeClass) map[string]string {
	tags := maps.Clone(nodeClass.Spec.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags["kubernetes.io/cluster/"+p.opts.ClusterName] = "owned"
	tags[karpv1.NodePoolLabelKey] = nodeClaim.Labels[karpv1.NodePoolLabelKey]
	tags[LabelNodeClaim] = nodeClaim.Name
	tags[ec2v1.Group+"/ec2nodeclass"] = nodeClass.Name
	return tags
}

// launched is the NodeClaim as Create returns it: the caller's, with the instance's labels and
// status filled in.
func launched(nodeClaim *karpv1.NodeClaim, in *instance) *karpv1.NodeClaim {
	out := nodeClaim.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	maps.Copy(out.Labels, in.Labels)
	out.Status.ProviderID = in.providerID()
	out.Status.ImageID = in.ImageID
	out.Status.Capacity = in.Capacity.DeepCopy()
	out.Status.Allocatable = in.Allocatable.DeepCopy()
	return out
}
