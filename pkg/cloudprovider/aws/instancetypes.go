package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/utils/clock"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// typeCache holds the region's instance types and the zones each is offered in, refreshed every
// ttl, and the per-node-class views built from them.
type typeCache struct {
	clock clock.Clock
	ttl   time.Duration

	mu         sync.Mutex
	refreshing bool
	fetched    time.Time
	facts      []typeFacts
	zones      map[string][]string // type -> zones it is offered in
	gen        uint64
	views      map[string][]*cloudprovider.InstanceType
}

func newTypeCache(clk clock.Clock, ttl time.Duration) *typeCache {
	return &typeCache{clock: clk, ttl: ttl, views: map[string][]*cloudprovider.InstanceType{}}
}

// GetInstanceTypes returns the types the NodePool's EC2NodeClass can launch: offered in the
// zones of its subnets, bootable by one of its AMIs, with its kubelet settings applied and each
// offering's availability reflecting recent capacity errors. Callers must not modify the result.
func (p *Provider) GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	nc, err := p.nodeClassFor(ctx, nodePool.Spec.Template.Spec.NodeClassRef, "NodePool "+nodePool.Name)
	if err != nil {
		return nil, err
	}
	its, err := p.instanceTypes(ctx, nc)
	if err != nil {
		return nil, err
	}
	return p.unavailable.Apply(its), nil
}

// instanceTypes returns the node class's view of the types, cached until the types or the prices
// change.
func (p *Provider) instanceTypes(ctx context.Context, nc *ec2v1.EC2NodeClass) ([]*cloudprovider.InstanceType, error) {
	facts, offered, gen, err := p.typeFacts(ctx)
	if err != nil {
		return nil, err
	}
	pr := p.currentPrices(ctx)
	zones := slices.Sorted(maps.Keys(zonalSubnets(nc.Status.Subnets)))
	key, err := viewKey(gen, pr.gen, zones, nc)
	if err != nil {
		return nil, err
	}
	c := p.types
	c.mu.Lock()
	if v, ok := c.views[key]; ok {
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()

	amis, err := amiRequirements(nc.Status.AMIs)
	if err != nil {
		return nil, err
	}
	rootVolume := rootVolumeSize(nc)
	out := make([]*cloudprovider.InstanceType, 0, len(facts))
	for _, f := range facts {
		labels := f.Labels()
		labels[corev1.LabelTopologyRegion] = p.region
		if !slices.ContainsFunc(amis, func(r *cloudprovider.LaunchRequirements) bool { return r.MatchesType(labels) }) {
			continue
		}
		var offerings cloudprovider.Offerings
		for _, z := range zones {
			if !slices.Contains(offered[f.Name], z) {
				continue
			}
			if price, ok := pr.Spot(f.Name, z); ok && f.spot {
				offerings = append(offerings, cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeSpot, Price: price, Available: true})
			}
			if price, ok := pr.OnDemand(f.Name); ok && f.onDemand {
				offerings = append(offerings, cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeOnDemand, Price: price, Available: true})
			}
		}
		if len(offerings) == 0 {
			continue
		}
		capacity, allocatable := nodeResources(f.Arch, int64(f.VCPU), int64(f.MemoryMiB), f.eniPods, nc.Spec.Kubelet, rootVolume)
		if name, n := f.ExtendedResource(); n > 0 {
			capacity[name] = *resource.NewQuantity(int64(n), resource.DecimalSI)
			allocatable[name] = *resource.NewQuantity(int64(n), resource.DecimalSI)
		}
		out = append(out, &cloudprovider.InstanceType{Name: f.Name, Labels: labels, Capacity: capacity, Allocatable: allocatable, Offerings: offerings})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		// The types were refreshed meanwhile; do not cache a view of the old ones.
		return out, nil
	}
	if len(c.views) > 64 {
		clear(c.views)
	}
	c.views[key] = out
	return out, nil
}

// viewKey identifies what a node class's view depends on.
func viewKey(typesGen, pricesGen uint64, zones []string, nc *ec2v1.EC2NodeClass) (string, error) {
	b, err := json.Marshal(struct {
		Kubelet *ec2v1.KubeletConfiguration
		AMIs    []ec2v1.AMI
		Devices []*ec2v1.BlockDeviceMapping
	}{nc.Spec.Kubelet, nc.Status.AMIs, nc.Spec.BlockDeviceMappings})
	if err != nil {
		return "", fmt.Errorf("keying the instance types of EC2NodeClass %s: %w", nc.Name, err)
	}
	return fmt.Sprintf("%d|%d|%s|%s", typesGen, pricesGen, strings.Join(zones, ","), b), nil
}

// amiRequirements compiles the requirements of each resolved AMI against instance type labels.
func amiRequirements(amis []ec2v1.AMI) ([]*cloudprovider.LaunchRequirements, error) {
	out := make([]*cloudprovider.LaunchRequirements, 0, len(amis))
	for _, ami := range amis {
		reqs := make([]karpv1.NodeSelectorRequirementWithMinValues, 0, len(ami.Requirements))
		for _, r := range ami.Requirements {
			reqs = append(reqs, karpv1.NodeSelectorRequirementWithMinValues{Key: r.Key, Operator: r.Operator, Values: r.Values})
		}
		// Every key an AMI requires is a fact of instance types, so all are strict.
		lr, err := cloudprovider.NewLaunchRequirements(reqs, func(string) bool { return true })
		if err != nil {
			return nil, fmt.Errorf("the requirements of AMI %s: %w", ami.ID, err)
		}
		out = append(out, lr)
	}
	return out, nil
}

// rootVolumeSize is the node class's root volume, which becomes the node's ephemeral storage.
func rootVolumeSize(nc *ec2v1.EC2NodeClass) int64 {
	for _, bdm := range nc.Spec.BlockDeviceMappings {
		if bdm != nil && bdm.RootVolume && bdm.EBS != nil && bdm.EBS.VolumeSize != nil {
			return bdm.EBS.VolumeSize.Value()
		}
	}
	return defaultRootVolume
}

// typeFacts returns the region's instance types and zonal offerings, refreshing them when they
// are older than the TTL. While one caller refreshes, the others keep the previous ones rather
// than wait on EC2; a failed refresh keeps serving them until the next TTL.
func (p *Provider) typeFacts(ctx context.Context) ([]typeFacts, map[string][]string, uint64, error) {
	c := p.types
	c.mu.Lock()
	if c.facts != nil && (c.refreshing || c.clock.Since(c.fetched) < c.ttl) {
		defer c.mu.Unlock()
		return c.facts, c.zones, c.gen, nil
	}
	c.refreshing = true
	c.mu.Unlock()

	facts, zones, err := p.fetchTypes(ctx)

	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		if c.facts != nil {
			p.log.Error(err, "refreshing instance types; using the previous ones")
			c.fetched = c.clock.Now()
			return c.facts, c.zones, c.gen, nil
		}
		return nil, nil, 0, err
	}
	c.facts, c.zones, c.fetched = facts, zones, c.clock.Now()
	c.gen++
	clear(c.views)
	return c.facts, c.zones, c.gen, nil
}

func (p *Provider) fetchTypes(ctx context.Context) ([]typeFacts, map[string][]string, error) {
	var facts []typeFacts
	pager := ec2.NewDescribeInstanceTypesPaginator(p.ec2, &ec2.DescribeInstanceTypesInput{})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, nil, wrap(err, "describing instance types")
		}
		for _, info := range page.InstanceTypes {
			if f, ok := factsOf(info); ok {
				facts = append(facts, f)
			}
		}
	}
	sort.Slice(facts, func(i, j int) bool { return facts[i].Name < facts[j].Name })
	zones := map[string][]string{}
	op := ec2.NewDescribeInstanceTypeOfferingsPaginator(p.ec2, &ec2.DescribeInstanceTypeOfferingsInput{LocationType: ec2types.LocationTypeAvailabilityZone})
	for op.HasMorePages() {
		page, err := op.NextPage(ctx)
		if err != nil {
			return nil, nil, wrap(err, "describing instance type offerings")
		}
		for _, o := range page.InstanceTypeOfferings {
			name := string(o.InstanceType)
			zones[name] = append(zones[name], aws.ToString(o.Location))
		}
	}
	return facts, zones, nil
}
