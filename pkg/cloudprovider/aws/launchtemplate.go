package aws

import (
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// LaunchTemplatePrefix starts the name of every launch template the agent creates.
const LaunchTemplatePrefix = "karpenter.k8s.aws/"

// templateCache maps launch template names (hashes of their content) to ids: a template is never
// changed once created, so a name found once stays valid until someone deletes it.
type templateCache struct {
	mu  sync.Mutex
	ids map[string]string
}

func newTemplateCache() *templateCache { return &templateCache{ids: map[string]string{}} }

func (c *templateCache) get(name string) (string, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id, ok := c.ids[name]
	return id, ok
}

func (c *templateCache) put(name, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids[name] = id
}

// forget drops every cached template, after EC2 said one of them no longer exists.
func (c *templateCache) forget() {
	c.mu.Lock()
	defer c.mu.Unlock()
	clear(c.ids)
}

// templateSpec is everything a launch template holds; its hash names the template.
type templateSpec struct {
	Cluster        string
	ImageID        string
	SecurityGroups []string
	Profile        string
	UserData       string
	Devices        []*ec2v1.BlockDeviceMapping
	Metadata       ec2v1.MetadataOptions
	Monitoring     bool
	PublicIP       *bool
	Tags           map[string]string
}

func (s templateSpec) name() (string, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return "", fmt.Errorf("hashing a launch template: %w", err)
	}
	h := fnv.New64a()
	h.Write(b)
	return fmt.Sprintf("%s%s/%016x", LaunchTemplatePrefix, s.Cluster, h.Sum64()), nil
}

// metadataOptions fills the node class's metadata options with the secure defaults: IMDSv2
// only, and a hop limit of 1 so that pods cannot reach the node's credentials.
func metadataOptions(in *ec2v1.MetadataOptions) ec2v1.MetadataOptions {
	out := ec2v1.MetadataOptions{
		HTTPEndpoint:            aws.String("enabled"),
		HTTPProtocolIPv6:        aws.String("disabled"),
		HTTPPutResponseHopLimit: aws.Int64(1),
		HTTPTokens:              aws.String("required"),
	}
	if in == nil {
		return out
	}
	if in.HTTPEndpoint != nil {
		out.HTTPEndpoint = in.HTTPEndpoint
	}
	if in.HTTPProtocolIPv6 != nil {
		out.HTTPProtocolIPv6 = in.HTTPProtocolIPv6
	}
	if in.HTTPPutResponseHopLimit != nil {
		out.HTTPPutResponseHopLimit = in.HTTPPutResponseHopLimit
	}
	if in.HTTPTokens != nil {
		out.HTTPTokens = in.HTTPTokens
	}
	return out
}

// ensureLaunchTemplate returns the id of the template for spec, creating it when absent.
func (p *Provider) ensureLaunchTemplate(ctx context.Context, spec templateSpec) (string, string, error) {
	name, err := spec.name()
	if err != nil {
		return "", "", err
	}
	if id, ok := p.templates.get(name); ok {
		return name, id, nil
	}
	if id, err := p.findLaunchTemplate(ctx, name); err != nil || id != "" {
		return name, id, err
	}
	out, err := p.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: templateData(spec),
		TagSpecifications: []ec2types.TagSpecification{{
			ResourceType: ec2types.ResourceTypeLaunchTemplate,
			Tags:         ec2Tags(spec.Tags),
		}},
	})
	if err != nil {
		if strings.Contains(errorCode(err), "AlreadyExists") {
			// Created concurrently by another launch.
			id, ferr := p.findLaunchTemplate(ctx, name)
			return name, id, ferr
		}
		return "", "", wrap(err, "creating launch template %s", name)
	}
	id := aws.ToString(out.LaunchTemplate.LaunchTemplateId)
	p.templates.put(name, id)
	p.log.V(1).Info("created a launch template", "name", name, "id", id, "imageID", spec.ImageID)
	return name, id, nil
}

func (p *Provider) findLaunchTemplate(ctx context.Context, name string) (string, error) {
	out, err := p.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{name}})
	if err != nil {
		if strings.Contains(errorCode(err), "NotFound") {
			return "", nil
		}
		return "", wrap(err, "describing launch template %s", name)
	}
	if len(out.LaunchTemplates) == 0 {
		return "", nil
	}
	id := aws.ToString(out.LaunchTemplates[0].LaunchTemplateId)
	p.templates.put(name, id)
	return id, nil
}

func templateData(s templateSpec) *ec2types.RequestLaunchTemplateData {
	d := &ec2types.RequestLaunchTemplateData{
		ImageId:            aws.String(s.ImageID),
		IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String(s.Profile)},
		UserData:           aws.String(s.UserData),
		MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
			HttpEndpoint:            ec2types.LaunchTemplateInstanceMetadataEndpointState(aws.ToString(s.Metadata.HTTPEndpoint)),
			HttpProtocolIpv6:        ec2types.LaunchTemplateInstanceMetadataProtocolIpv6(aws.ToString(s.Metadata.HTTPProtocolIPv6)),
			HttpPutResponseHopLimit: aws.Int32(int32(aws.ToInt64(s.Metadata.HTTPPutResponseHopLimit))),
			HttpTokens:              ec2types.LaunchTemplateHttpTokensState(aws.ToString(s.Metadata.HTTPTokens)),
		},
		Monitoring:          &ec2types.LaunchTemplatesMonitoringRequest{Enabled: aws.Bool(s.Monitoring)},
		BlockDeviceMappings: blockDevices(s.Devices),
		// What a fleet creates besides the instance carries the cluster's tags too, so that the
		// IAM policy's aws:RequestTag conditions hold for every resource of the launch.
		TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{
			{ResourceType: ec2types.ResourceTypeVolume, Tags: ec2Tags(s.Tags)},
			{ResourceType: ec2types.ResourceTypeNetworkInterface, Tags: ec2Tags(s.Tags)},
			{ResourceType: ec2types.ResourceTypeSpotInstancesRequest, Tags: ec2Tags(s.Tags)},
		},
	}
	if s.PublicIP != nil {
		// A public IP setting needs an explicit primary interface, and then the security groups
		// belong to it rather than to the instance.
		d.NetworkInterfaces = []ec2types.LaunchTemplateInstanceNetworkInterfaceSpecificationRequest{{
			DeviceIndex:              aws.Int32(0),
			AssociatePublicIpAddress: s.PublicIP,
			Groups:                   s.SecurityGroups,
		}}
	} else {
		d.SecurityGroupIds = s.SecurityGroups
	}
	return d
}

// blockDevices converts the node class's volumes; without any, a 20 GiB encrypted gp3 root volume
// as Karpenter gives AL2023 nodes.
func blockDevices(devices []*ec2v1.BlockDeviceMapping) []ec2types.LaunchTemplateBlockDeviceMappingRequest {
	if len(devices) == 0 {
		return []ec2types.LaunchTemplateBlockDeviceMappingRequest{{
			DeviceName: aws.String("/dev/xvda"),
			Ebs: &ec2types.LaunchTemplateEbsBlockDeviceRequest{
				VolumeSize:          aws.Int32(defaultRootVolume >> 30),
				VolumeType:          ec2types.VolumeTypeGp3,
				Encrypted:           aws.Bool(true),
				DeleteOnTermination: aws.Bool(true),
			},
		}}
	}
	out := make([]ec2types.LaunchTemplateBlockDeviceMappingRequest, 0, len(devices))
	for _, d := range devices {
		if d == nil {
			continue
		}
		m := ec2types.LaunchTemplateBlockDeviceMappingRequest{DeviceName: d.DeviceName}
		if e := d.EBS; e != nil {
			ebs := &ec2types.LaunchTemplateEbsBlockDeviceRequest{
				DeleteOnTermination: e.DeleteOnTermination,
				Encrypted:           e.Encrypted,
				KmsKeyId:            e.KMSKeyID,
				SnapshotId:          e.SnapshotID,
				VolumeType:          ec2types.VolumeType(aws.ToString(e.VolumeType)),
			}
			if e.IOPS != nil {
				ebs.Iops = aws.Int32(int32(*e.IOPS))
			}
			if e.Throughput != nil {
				ebs.Throughput = aws.Int32(int32(*e.Throughput))
			}
			if e.VolumeSize != nil {
				// EBS sizes are whole GiB; round up so the volume is never smaller than asked.
				ebs.VolumeSize = aws.Int32(int32((e.VolumeSize.Value() + 1<<30 - 1) >> 30))
			}
			m.Ebs = ebs
		}
		out = append(out, m)
	}
	return out
}

// ec2Tags converts a map into EC2 tags, sorted by key so requests are reproducible.
func ec2Tags(tags map[string]string) []ec2types.Tag {
	out := make([]ec2types.Tag, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, ec2types.Tag{Key: aws.String(k), Value: aws.String(tags[k])})
	}
	return out
}
