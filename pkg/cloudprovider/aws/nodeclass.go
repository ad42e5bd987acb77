package aws

import (
	"context"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// ResolveNodeClass resolves the node class's selectors against EC2, SSM and IAM. A part that
// matches nothing is reported in Unresolved under its condition type; an API failure is an
// error, and the parts resolved so far are not returned, so a status is never half-updated.
func (p *Provider) ResolveNodeClass(ctx context.Context, nc *ec2v1.EC2NodeClass) (*cloudprovider.NodeClassResolution, error) {
	res := &cloudprovider.NodeClassResolution{Unresolved: map[string]string{}}
	var (
		msg string
		err error
	)
	if res.Subnets, msg, err = p.resolveSubnets(ctx, nc.Spec.SubnetSelectorTerms); err != nil {
		return nil, err
	} else if msg != "" {
		res.Unresolved[ec2v1.ConditionTypeSubnetsReady] = msg
	}
	if res.SecurityGroups, msg, err = p.resolveSecurityGroups(ctx, nc.Spec.SecurityGroupSelectorTerms); err != nil {
		return nil, err
	} else if msg != "" {
		res.Unresolved[ec2v1.ConditionTypeSecurityGroupsReady] = msg
	}
	if res.AMIs, msg, err = p.resolveAMIs(ctx, nc.Spec.AMISelectorTerms); err != nil {
		return nil, err
	} else if msg != "" {
		res.Unresolved[ec2v1.ConditionTypeAMIsReady] = msg
	}
	if res.InstanceProfile, msg, err = p.resolveInstanceProfile(ctx, nc); err != nil {
		return nil, err
	} else if msg != "" {
		res.Unresolved[ec2v1.ConditionTypeInstanceProfileReady] = msg
	}
	return res, nil
}
