package aws

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Drift reasons, as upstream names them.
const (
	DriftAMI           = "AMIDrift"
	DriftSubnet        = "SubnetDrift"
	DriftSecurityGroup = "SecurityGroupDrift"
)

// IsDrifted compares the NodeClaim's instance with its EC2NodeClass's resolved status: an AMI,
// subnet or set of security groups the class no longer selects is drift, and the reason says
// which. A NodeClaim not launched yet, an instance gone, or a class not resolved cannot be
// judged and is not drifted.
func (p *Provider) IsDrifted(ctx context.Context, nodeClaim *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	if nodeClaim.Status.ProviderID == "" {
		return "", nil
	}
	_, instanceID, err := ParseProviderID(nodeClaim.Status.ProviderID)
	if err != nil {
		return "", fmt.Errorf("checking NodeClaim %s for drift: %w", nodeClaim.Name, err)
	}
	nc, err := p.nodeClassFor(ctx, nodeClaim.Spec.NodeClassRef, "NodeClaim "+nodeClaim.Name)
	if err != nil {
		if cloudprovider.IsNodeClassNotReady(err) {
			return "", nil
		}
		return "", err
	}
	inst, err := p.describeInstance(ctx, instanceID)
	if err != nil || inst == nil {
		return "", err
	}
	sgs := make([]string, 0, len(inst.SecurityGroups))
	for _, g := range inst.SecurityGroups {
		sgs = append(sgs, aws.ToString(g.GroupId))
	}
	return driftReason(nc, aws.ToString(inst.ImageId), aws.ToString(inst.SubnetId), sgs), nil
}

// driftReason compares what an instance runs with the node class's status.
func driftReason(nc *ec2v1.EC2NodeClass, imageID, subnetID string, securityGroups []string) cloudprovider.DriftReason {
	var reasons []string
	amis := make([]string, 0, len(nc.Status.AMIs))
	for _, a := range nc.Status.AMIs {
		amis = append(amis, a.ID)
	}
	if imageID != "" && !slices.Contains(amis, imageID) {
		reasons = append(reasons, fmt.Sprintf("%s: the instance runs %s, but EC2NodeClass %s now selects %s", DriftAMI, imageID, nc.Name, strings.Join(amis, ", ")))
	}
	subnets := make([]string, 0, len(nc.Status.Subnets))
	for _, s := range nc.Status.Subnets {
		subnets = append(subnets, s.ID)
	}
	if subnetID != "" && !slices.Contains(subnets, subnetID) {
		reasons = append(reasons, fmt.Sprintf("%s: the instance is in %s, which EC2NodeClass %s no longer selects (%s)", DriftSubnet, subnetID, nc.Name, strings.Join(subnets, ", ")))
	}
	want := make([]string, 0, len(nc.Status.SecurityGroups))
	for _, g := range nc.Status.SecurityGroups {
		want = append(want, g.ID)
	}
	have := slices.Clone(securityGroups)
	slices.Sort(have)
	slices.Sort(want)
	if len(have) > 0 && !slices.Equal(slices.Compact(have), slices.Compact(want)) {
		reasons = append(reasons, fmt.Sprintf("%s: the instance has %s, but EC2NodeClass %s now selects %s", DriftSecurityGroup, strings.Join(have, ", "), nc.Name, strings.Join(want, ", ")))
	}
	return cloudprovider.DriftReason(strings.Join(reasons, "; "))
}
