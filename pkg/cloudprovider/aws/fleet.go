package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// capacityErrors are the CreateFleet error codes that mean "no capacity for this offering now";
// the offering is skipped for cloudprovider.UnavailableTTL.
var capacityErrors = []string{"InsufficientInstanceCapacity", "UnfulfillableCapacity", "MaxSpotInstanceCountExceeded"}

// Create launches one instance for the NodeClaim with CreateFleet (type instant), offering EC2
// the cheapest compatible instance types in one subnet per zone. See the package documentation.
func (p *Provider) Create(ctx context.Context, nodeClaim *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	if nodeClaim.Name == "" {
		return nil, errors.New("creating an instance: the NodeClaim has no name")
	}
	nc, err := p.nodeClassFor(ctx, nodeClaim.Spec.NodeClassRef, "NodeClaim "+nodeClaim.Name)
	if err != nil {
		return nil, err
	}
	its, err := p.instanceTypes(ctx, nc)
	if err != nil {
		return nil, err
	}
	reqs, err := cloudprovider.NewLaunchRequirements(nodeClaim.Spec.Requirements, definedKeys(its))
	if err != nil {
		return nil, fmt.Errorf("NodeClaim %s: %w", nodeClaim.Name, err)
	}
	plan, err := planLaunch(its, reqs, nodeClaim.Spec.Resources.Requests, p.unavailable.IsUnavailable)
	if err != nil {
		return nil, &cloudprovider.InsufficientCapacityError{Message: fmt.Sprintf("NodeClaim %s: %s", nodeClaim.Name, err)}
	}
	if len(plan.choices) == 0 {
		return nil, insufficientCapacity(nil, plan.skipped,
			fmt.Sprintf("no available offering in the zones of EC2NodeClass %s satisfies the requirements and resource requests of NodeClaim %s", nc.Name, nodeClaim.Name))
	}
	out, configs, err := p.createFleet(ctx, nodeClaim, nc, plan)
	if err != nil {
		return nil, err
	}
	return p.launched(nodeClaim, nc, plan, out, configs)
}

// definedKeys says which requirement keys the instance types define (see LaunchRequirements).
func definedKeys(its []*cloudprovider.InstanceType) func(string) bool {
	defined := map[string]bool{corev1.LabelTopologyZone: true, corev1.LabelTopologyRegion: true, karpv1.CapacityTypeLabelKey: true}
	for _, it := range its {
		for k := range it.Labels {
			defined[k] = true
		}
	}
	return func(k string) bool { return defined[k] }
}

// templateConfig is one launch template of a fleet request and the types it launches.
type templateConfig struct {
	imageID string
	id      string
	types   []choice
}

// createFleet builds the launch templates and calls CreateFleet, retrying once when a cached
// launch template was deleted behind the agent's back.
func (p *Provider) createFleet(ctx context.Context, nodeClaim *karpv1.NodeClaim, nc *ec2v1.EC2NodeClass, plan launchPlan) (*ec2.CreateFleetOutput, []templateConfig, error) {
	for attempt := 0; ; attempt++ {
		configs, err := p.templateConfigs(ctx, nodeClaim, nc, plan)
		if err != nil {
			return nil, nil, err
		}
		out, err := p.ec2.CreateFleet(ctx, p.fleetInput(nodeClaim, nc, plan, configs))
		if err != nil {
			if code := errorCode(err); attempt == 0 && strings.Contains(code, "LaunchTemplate") && strings.Contains(code, "NotFound") {
				p.templates.forget()
				continue
			}
			return nil, nil, wrap(err, "creating a fleet for NodeClaim %s", nodeClaim.Name)
		}
		return out, configs, nil
	}
}

// templateConfigs groups the chosen types by the AMI that boots them, one launch template each.
func (p *Provider) templateConfigs(ctx context.Context, nodeClaim *karpv1.NodeClaim, nc *ec2v1.EC2NodeClass, plan launchPlan) ([]templateConfig, error) {
	amis, err := amiRequirements(nc.Status.AMIs)
	if err != nil {
		return nil, err
	}
	byImage := map[string]*templateConfig{}
	var order []string
	for _, c := range plan.choices {
		i := slices.IndexFunc(amis, func(r *cloudprovider.LaunchRequirements) bool { return r.MatchesType(c.it.Labels) })
		if i < 0 {
			continue // instanceTypes only offers bootable types; a status change raced this launch
		}
		id := nc.Status.AMIs[i].ID
		if byImage[id] == nil {
			byImage[id] = &templateConfig{imageID: id}
			order = append(order, id)
		}
		byImage[id].types = append(byImage[id].types, c)
	}
	userData, err := p.userData(nc, nodeLabels(nodeClaim), cloudprovider.NodeTaints(nodeClaim))
	if err != nil {
		return nil, err
	}
	sgs := make([]string, 0, len(nc.Status.SecurityGroups))
	for _, g := range nc.Status.SecurityGroups {
		sgs = append(sgs, g.ID)
	}
	out := make([]templateConfig, 0, len(order))
	for _, image := range order {
		spec := templateSpec{
			Cluster:        p.opts.ClusterName,
			ImageID:        image,
			SecurityGroups: sgs,
			Profile:        nc.Status.InstanceProfile,
			UserData:       userData,
			Devices:        nc.Spec.BlockDeviceMappings,
			Metadata:       metadataOptions(nc.Spec.MetadataOptions),
			Monitoring:     aws.ToBool(nc.Spec.DetailedMonitoring),
			PublicIP:       nc.Spec.AssociatePublicIPAddress,
			Tags:           p.baseTags(nc),
		}
		_, id, err := p.ensureLaunchTemplate(ctx, spec)
		if err != nil {
			return nil, err
		}
		cfg := byImage[image]
		cfg.id = id
		out = append(out, *cfg)
	}
	return out, nil
}

func (p *Provider) fleetInput(nodeClaim *karpv1.NodeClaim, nc *ec2v1.EC2NodeClass, plan launchPlan, configs []templateConfig) *ec2.CreateFleetInput {
	subnets := zonalSubnets(nc.Status.Subnets)
	in := &ec2.CreateFleetInput{
		Type:    ec2types.FleetTypeInstant,
		Context: nc.Spec.Context,
		TargetCapacitySpecification: &ec2types.TargetCapacitySpecificationRequest{
			TotalTargetCapacity:       aws.Int32(1),
			DefaultTargetCapacityType: ec2types.DefaultTargetCapacityType(plan.capacityType),
		},
		TagSpecifications: []ec2types.TagSpecification{
			{ResourceType: ec2types.ResourceTypeInstance, Tags: ec2Tags(p.instanceTags(nodeClaim, nc))},
			{ResourceType: ec2types.ResourceTypeFleet, Tags: ec2Tags(p.instanceTags(nodeClaim, nc))},
		},
	}
	if plan.capacityType == cloudprovider.CapacityTypeSpot {
		in.SpotOptions = &ec2types.SpotOptionsRequest{AllocationStrategy: ec2types.SpotAllocationStrategyPriceCapacityOptimized}
	} else {
		in.OnDemandOptions = &ec2types.OnDemandOptionsRequest{AllocationStrategy: ec2types.FleetOnDemandAllocationStrategyLowestPrice}
	}
	for _, cfg := range configs {
		req := ec2types.FleetLaunchTemplateConfigRequest{
			LaunchTemplateSpecification: &ec2types.FleetLaunchTemplateSpecificationRequest{LaunchTemplateId: aws.String(cfg.id), Version: aws.String("$Latest")},
		}
		for _, c := range cfg.types {
			for _, of := range c.offerings {
				subnet, ok := subnets[of.Zone]
				if !ok {
					continue
				}
				req.Overrides = append(req.Overrides, ec2types.FleetLaunchTemplateOverridesRequest{
					InstanceType:     ec2types.InstanceType(c.it.Name),
					SubnetId:         aws.String(subnet),
					AvailabilityZone: aws.String(of.Zone),
				})
			}
		}
		in.LaunchTemplateConfigs = append(in.LaunchTemplateConfigs, req)
	}
	return in
}

// launched reads the fleet's answer: capacity errors mark their offerings unavailable; the
// instance, if any, becomes the returned NodeClaim.
func (p *Provider) launched(nodeClaim *karpv1.NodeClaim, nc *ec2v1.EC2NodeClass, plan launchPlan, out *ec2.CreateFleetOutput, configs []templateConfig) (*karpv1.NodeClaim, error) {
	zoneOf := map[string]string{}
	for _, s := range nc.Status.Subnets {
		zoneOf[s.ID] = s.Zone
	}
	var refused []cloudprovider.OfferingKey
	var other []string
	for _, e := range out.Errors {
		code := aws.ToString(e.ErrorCode)
		var typ, zone string
		if lo := e.LaunchTemplateAndOverrides; lo != nil && lo.Overrides != nil {
			typ = string(lo.Overrides.InstanceType)
			zone = aws.ToString(lo.Overrides.AvailabilityZone)
			if zone == "" {
				zone = zoneOf[aws.ToString(lo.Overrides.SubnetId)]
			}
		}
		if slices.Contains(capacityErrors, code) && typ != "" {
			key := cloudprovider.OfferingKey{InstanceType: typ, Zone: zone, CapacityType: plan.capacityType}
			p.unavailable.MarkUnavailable(key)
			refused = append(refused, key)
			continue
		}
		other = append(other, fmt.Sprintf("%s: %s", code, aws.ToString(e.ErrorMessage)))
	}
	for _, inst := range out.Instances {
		if len(inst.InstanceIds) == 0 {
			continue
		}
		id := inst.InstanceIds[0]
		typ := string(inst.InstanceType)
		var zone string
		if lo := inst.LaunchTemplateAndOverrides; lo != nil && lo.Overrides != nil {
			typ = string(lo.Overrides.InstanceType)
			zone = aws.ToString(lo.Overrides.AvailabilityZone)
			if zone == "" {
				zone = zoneOf[aws.ToString(lo.Overrides.SubnetId)]
			}
		}
		return p.launchedNodeClaim(nodeClaim, plan, configs, id, typ, zone)
	}
	if len(refused) > 0 {
		return nil, insufficientCapacity(refused, plan.skipped, fmt.Sprintf("CreateFleet launched no %s instance", plan.capacityType))
	}
	if len(other) > 0 {
		return nil, fmt.Errorf("creating a fleet for NodeClaim %s: no instance launched: %s", nodeClaim.Name, strings.Join(other, "; "))
	}
	return nil, fmt.Errorf("creating a fleet for NodeClaim %s: EC2 returned neither an instance nor an error", nodeClaim.Name)
}

func (p *Provider) launchedNodeClaim(nodeClaim *karpv1.NodeClaim, plan launchPlan, configs []templateConfig, id, typ, zone string) (*karpv1.NodeClaim, error) {
	var c *choice
	image := ""
	for _, cfg := range configs {
		for i := range cfg.types {
			if cfg.types[i].it.Name == typ {
				c, image = &cfg.types[i], cfg.imageID
			}
		}
	}
	if c == nil {
		return nil, fmt.Errorf("creating a fleet for NodeClaim %s: EC2 launched %s (%s), which was not asked for", nodeClaim.Name, id, typ)
	}
	price := c.price
	for _, of := range c.offerings {
		if of.Zone == zone {
			price = of.Price
		}
	}
	out := nodeClaim.DeepCopy()
	if out.Labels == nil {
		out.Labels = map[string]string{}
	}
	maps.Copy(out.Labels, c.it.Labels)
	out.Labels[corev1.LabelTopologyZone] = zone
	out.Labels[corev1.LabelTopologyRegion] = p.region
	out.Labels[karpv1.CapacityTypeLabelKey] = plan.capacityType
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[karpv1.PriceAnnotationKey] = strconv.FormatFloat(price, 'f', -1, 64)
	out.Status.ProviderID = providerID(zone, id)
	out.Status.ImageID = image
	out.Status.Capacity = c.it.Capacity.DeepCopy()
	out.Status.Allocatable = c.it.Allocatable.DeepCopy()
	return out, nil
}

func insufficientCapacity(refused, skipped []cloudprovider.OfferingKey, msg string) error {
	listed := slices.Concat(refused, skipped)
	if len(refused) > 0 {
		msg += fmt.Sprintf("; %d offerings had no capacity", len(refused))
	}
	if len(skipped) > 0 {
		msg += fmt.Sprintf("; %d were skipped after recent insufficient capacity", len(skipped))
	}
	return cloudprovider.NewInsufficientCapacityError(msg, listed)
}

// nodeLabels are the labels the kubelet registers with: the NodeClaim's own (its NodePool's
// template labels and karpenter.sh/nodepool). The instance type's labels are synced by the
// agent at registration, so leaving them out keeps one launch template per NodePool.
func nodeLabels(nodeClaim *karpv1.NodeClaim) map[string]string {
	out := map[string]string{}
	for k, v := range nodeClaim.Labels {
		if kubeletMaySet(k) {
			out[k] = v
		}
	}
	return out
}

// kubeletMaySet reports whether the NodeRestriction admission plugin lets a kubelet set the
// label on its own Node; the agent applies the others after registration.
func kubeletMaySet(key string) bool {
	domain, _, ok := strings.Cut(key, "/")
	if !ok {
		return true
	}
	in := func(d string) bool { return domain == d || strings.HasSuffix(domain, "."+d) }
	switch {
	case in("node.kubernetes.io"):
		return true
	case in("node-restriction.kubernetes.io"), in("kubernetes.io"), in("k8s.io"):
		return false
	}
	return true
}

// baseTags go on launch templates and volumes: the node class's tags and the cluster's.
func (p *Provider) baseTags(nc *ec2v1.EC2NodeClass) map[string]string {
	tags := maps.Clone(nc.Spec.Tags)
	if tags == nil {
		tags = map[string]string{}
	}
	tags[tagClusterPref+p.opts.ClusterName] = "owned"
	tags[tagEKSCluster] = p.opts.ClusterName
	tags[tagNodeClass] = nc.Name
	return tags
}

// instanceTags also name the NodePool and NodeClaim, by which Get, List and garbage collection
// find the instance.
func (p *Provider) instanceTags(nodeClaim *karpv1.NodeClaim, nc *ec2v1.EC2NodeClass) map[string]string {
	tags := p.baseTags(nc)
	tags[tagNodePool] = nodeClaim.Labels[karpv1.NodePoolLabelKey]
	tags[tagNodeClaim] = nodeClaim.Name
	if _, ok := tags["Name"]; !ok {
		tags["Name"] = nodeClaim.Name
	}
	return tags
}
