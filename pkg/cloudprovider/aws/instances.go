package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// providerID is the ID the kubelet's AWS credential-less provider reports, so the Node and the
// NodeClaim agree.
func providerID(zone, instanceID string) string {
	return fmt.Sprintf("aws:///%s/%s", zone, instanceID)
}

// ParseProviderID returns the zone and instance id of aws:///<zone>/<instance-id>.
func ParseProviderID(id string) (zone, instanceID string, err error) {
	rest, ok := strings.CutPrefix(id, "aws:///")
	if !ok {
		return "", "", fmt.Errorf("provider ID %q does not start with aws:///", id)
	}
	zone, instanceID, ok = strings.Cut(rest, "/")
	if !ok || zone == "" || !strings.HasPrefix(instanceID, "i-") || strings.Contains(instanceID, "/") {
		return "", "", fmt.Errorf("provider ID %q is not aws:///<zone>/<instance-id>", id)
	}
	return zone, instanceID, nil
}

// liveStates are the states of an instance that still exists, or may again.
var liveStates = []string{"pending", "running", "stopping", "stopped"}

// Get returns the instance as a NodeClaim, or a NodeClaimNotFoundError when it does not exist,
// is shutting down or terminated, or is not one this cluster's agent launched.
func (p *Provider) Get(ctx context.Context, id string) (*karpv1.NodeClaim, error) {
	_, instanceID, err := ParseProviderID(id)
	if err != nil {
		return nil, &cloudprovider.NodeClaimNotFoundError{ProviderID: id}
	}
	inst, err := p.describeInstance(ctx, instanceID)
	if err != nil {
		return nil, err
	}
	if inst == nil || !p.live(inst) {
		return nil, &cloudprovider.NodeClaimNotFoundError{ProviderID: id}
	}
	return p.instanceNodeClaim(inst), nil
}

// List returns the live instances tagged for this cluster with a NodeClaim, oldest first.
func (p *Provider) List(ctx context.Context) ([]*karpv1.NodeClaim, error) {
	in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		filter("tag:"+tagClusterPref+p.opts.ClusterName, "owned"),
		filter("tag-key", tagNodeClaim),
		filter("instance-state-name", liveStates...),
	}}
	var out []ec2types.Instance
	pager := ec2.NewDescribeInstancesPaginator(p.ec2, in)
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return nil, wrap(err, "listing the cluster's instances")
		}
		for _, r := range page.Reservations {
			for i := range r.Instances {
				if p.live(&r.Instances[i]) {
					out = append(out, r.Instances[i])
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := aws.ToTime(out[i].LaunchTime), aws.ToTime(out[j].LaunchTime)
		if !a.Equal(b) {
			return a.Before(b)
		}
		return aws.ToString(out[i].InstanceId) < aws.ToString(out[j].InstanceId)
	})
	ncs := make([]*karpv1.NodeClaim, 0, len(out))
	for i := range out {
		ncs = append(ncs, p.instanceNodeClaim(&out[i]))
	}
	return ncs, nil
}

// Delete terminates the NodeClaim's instance. An instance already shutting down, terminated or
// unknown is a NodeClaimNotFoundError, so callers can treat deletion as idempotent.
func (p *Provider) Delete(ctx context.Context, nodeClaim *karpv1.NodeClaim) error {
	id := nodeClaim.Status.ProviderID
	_, instanceID, err := ParseProviderID(id)
	if err != nil {
		return &cloudprovider.NodeClaimNotFoundError{ProviderID: id}
	}
	inst, err := p.describeInstance(ctx, instanceID)
	if err != nil {
		return err
	}
	if inst == nil || !p.live(inst) {
		return &cloudprovider.NodeClaimNotFoundError{ProviderID: id}
	}
	if _, err := p.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{instanceID}}); err != nil {
		if isNotFound(err) {
			return &cloudprovider.NodeClaimNotFoundError{ProviderID: id}
		}
		return wrap(err, "terminating instance %s", instanceID)
	}
	return nil
}

// describeInstance returns the instance, nil when EC2 does not know it.
func (p *Provider) describeInstance(ctx context.Context, instanceID string) (*ec2types.Instance, error) {
	out, err := p.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{instanceID}})
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, wrap(err, "describing instance %s", instanceID)
	}
	for _, r := range out.Reservations {
		for i := range r.Instances {
			if aws.ToString(r.Instances[i].InstanceId) == instanceID {
				return &r.Instances[i], nil
			}
		}
	}
	return nil, nil
}

// owned reports an instance this cluster's agent launched for a NodeClaim.
func (p *Provider) owned(inst *ec2types.Instance) bool {
	tags := tagMap(inst.Tags)
	return tags[tagClusterPref+p.opts.ClusterName] == "owned" && tags[tagNodeClaim] != ""
}

// live reports an instance this cluster's agent launched that is not going away.
func (p *Provider) live(inst *ec2types.Instance) bool {
	if !p.owned(inst) {
		return false
	}
	if inst.State == nil {
		return true
	}
	switch inst.State.Name {
	case ec2types.InstanceStateNameShuttingDown, ec2types.InstanceStateNameTerminated:
		return false
	}
	return true
}

// instanceNodeClaim describes an instance as the NodeClaim it was launched for. Its creation
// time is the launch time, so garbage collection spares young instances.
func (p *Provider) instanceNodeClaim(inst *ec2types.Instance) *karpv1.NodeClaim {
	tags := tagMap(inst.Tags)
	zone := ""
	if inst.Placement != nil {
		zone = aws.ToString(inst.Placement.AvailabilityZone)
	}
	capacityType := cloudprovider.CapacityTypeOnDemand
	if inst.InstanceLifecycle == ec2types.InstanceLifecycleTypeSpot {
		capacityType = cloudprovider.CapacityTypeSpot
	}
	labels := map[string]string{
		corev1.LabelInstanceTypeStable: string(inst.InstanceType),
		corev1.LabelTopologyZone:       zone,
		corev1.LabelTopologyRegion:     p.region,
		karpv1.CapacityTypeLabelKey:    capacityType,
	}
	if pool := tags[tagNodePool]; pool != "" {
		labels[karpv1.NodePoolLabelKey] = pool
	}
	nc := &karpv1.NodeClaim{
		TypeMeta: metav1.TypeMeta{APIVersion: karpv1.SchemeGroupVersion.String(), Kind: "NodeClaim"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              tags[tagNodeClaim],
			Labels:            labels,
			CreationTimestamp: metav1.NewTime(aws.ToTime(inst.LaunchTime)),
		},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: tags[tagNodeClass]},
		},
		Status: karpv1.NodeClaimStatus{
			ProviderID: providerID(zone, aws.ToString(inst.InstanceId)),
			ImageID:    aws.ToString(inst.ImageId),
		},
	}
	return nc
}
