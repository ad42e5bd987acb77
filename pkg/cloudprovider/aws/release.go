package aws

import (
	"context"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

var _ cloudprovider.NodeClassReleaser = (*Provider)(nil)

// ReleaseNodeClass deletes the launch templates and the derived instance profile of a deleted
// node class once none of its instances is left: a profile still attached to a running node
// would take its credentials away. Only resources tagged for this cluster and node class are
// touched.
func (p *Provider) ReleaseNodeClass(ctx context.Context, name string) (bool, error) {
	owned := []ec2types.Filter{
		filter("tag:"+tagClusterPref+p.opts.ClusterName, "owned"),
		filter("tag:"+tagNodeClass, name),
	}
	live := make([]ec2types.Filter, 0, len(owned)+1)
	live = append(live, owned...)
	live = append(live, filter("instance-state-name", "pending", "running", "stopping", "stopped", "shutting-down"))
	// Filtered pages can come back empty with more to follow, so read until one is found.
	pager := ec2.NewDescribeInstancesPaginator(p.ec2, &ec2.DescribeInstancesInput{Filters: live})
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return false, wrap(err, "looking for instances of deleted EC2NodeClass %s", name)
		}
		for _, r := range page.Reservations {
			if len(r.Instances) > 0 {
				return false, nil
			}
		}
	}
	if err := p.deleteLaunchTemplates(ctx, name, owned); err != nil {
		return false, err
	}
	if err := p.deleteInstanceProfile(ctx, name); err != nil {
		return false, err
	}
	return true, nil
}

func (p *Provider) deleteLaunchTemplates(ctx context.Context, nodeClass string, owned []ec2types.Filter) error {
	pager := ec2.NewDescribeLaunchTemplatesPaginator(p.ec2, &ec2.DescribeLaunchTemplatesInput{Filters: owned})
	var ids []string
	for pager.HasMorePages() {
		page, err := pager.NextPage(ctx)
		if err != nil {
			return wrap(err, "listing the launch templates of deleted EC2NodeClass %s", nodeClass)
		}
		for _, lt := range page.LaunchTemplates {
			ids = append(ids, aws.ToString(lt.LaunchTemplateId))
		}
	}
	for _, id := range ids {
		if _, err := p.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id)}); err != nil && !isNotFound(err) {
			return wrap(err, "deleting launch template %s of deleted EC2NodeClass %s", id, nodeClass)
		}
	}
	if len(ids) > 0 {
		p.templates.forget()
		p.log.Info("deleted the launch templates of a deleted EC2NodeClass", "ec2nodeclass", nodeClass, "count", len(ids))
	}
	return nil
}

// deleteInstanceProfile deletes the profile the agent derived for the node class's role, if it
// exists and carries this cluster's and node class's tags (one named like it by hand is left).
func (p *Provider) deleteInstanceProfile(ctx context.Context, nodeClass string) error {
	name := InstanceProfileName(p.region, p.opts.ClusterName, nodeClass)
	got, err := p.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err != nil {
		if isNotFound(err) {
			return nil
		}
		return wrap(err, "getting instance profile %s", name)
	}
	tags := map[string]string{}
	for _, t := range got.InstanceProfile.Tags {
		tags[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	if tags[tagClusterPref+p.opts.ClusterName] != "owned" || tags[tagNodeClass] != nodeClass {
		return nil
	}
	for _, r := range got.InstanceProfile.Roles {
		if _, err := p.iam.RemoveRoleFromInstanceProfile(ctx, &iam.RemoveRoleFromInstanceProfileInput{
			InstanceProfileName: aws.String(name), RoleName: r.RoleName,
		}); err != nil && !isNotFound(err) {
			return wrap(err, "removing role %s from instance profile %s", aws.ToString(r.RoleName), name)
		}
	}
	if _, err := p.iam.DeleteInstanceProfile(ctx, &iam.DeleteInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil && !isNotFound(err) {
		return wrap(err, "deleting instance profile %s", name)
	}
	p.log.Info("deleted the instance profile of a deleted EC2NodeClass", "ec2nodeclass", nodeClass, "instanceProfile", name)
	return nil
}
