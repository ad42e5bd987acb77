package aws

import (
	"context"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// Tag keys the provider puts on what it creates.
const (
	tagNodeClass   = ec2v1.Group + "/ec2nodeclass"
	tagEKSCluster  = "eks:eks-cluster-name"
	tagNodeClaim   = "karpenter.sh/nodeclaim"
	tagNodePool    = "karpenter.sh/nodepool"
	tagClusterPref = "kubernetes.io/cluster/"
)

// InstanceProfileName is the profile the agent creates for a node class with spec.role. It is
// derived from the region, cluster and node class so that it stays the same across restarts
// and never collides between clusters sharing an account; IAM names are at most 128 characters.
func InstanceProfileName(region, cluster, nodeClass string) string {
	h := fnv.New64a()
	for _, s := range []string{region, cluster, nodeClass} {
		h.Write([]byte(s))
		h.Write([]byte{0})
	}
	prefix := cluster
	if len(prefix) > 100 {
		prefix = prefix[:100]
	}
	return fmt.Sprintf("%s_%016x", prefix, h.Sum64())
}

// resolveInstanceProfile returns the instance profile instances of the node class get: the one
// spec.instanceProfile names, checked to exist, or the one derived from spec.role, created with
// the role in it when absent.
func (p *Provider) resolveInstanceProfile(ctx context.Context, nc *ec2v1.EC2NodeClass) (string, string, error) {
	if nc.Spec.InstanceProfile != nil {
		name := *nc.Spec.InstanceProfile
		if _, err := p.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)}); err != nil {
			if isNotFound(err) {
				return "", fmt.Sprintf("spec.instanceProfile %s does not exist in IAM", name), nil
			}
			return "", "", wrap(err, "getting instance profile %s", name)
		}
		return name, "", nil
	}
	if nc.Spec.Role == "" {
		return "", "neither spec.role nor spec.instanceProfile is set", nil
	}
	role := roleName(nc.Spec.Role)
	if _, err := p.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(role)}); err != nil {
		if isNotFound(err) {
			return "", fmt.Sprintf("spec.role %s does not exist in IAM", nc.Spec.Role), nil
		}
		return "", "", wrap(err, "getting role %s", role)
	}
	name := InstanceProfileName(p.region, p.opts.ClusterName, nc.Name)
	profile, err := p.ensureInstanceProfile(ctx, name, nc.Name)
	if err != nil {
		return "", "", err
	}
	roles := make([]string, 0, len(profile.Roles))
	for _, r := range profile.Roles {
		roles = append(roles, aws.ToString(r.RoleName))
	}
	switch {
	case slices.Contains(roles, role):
	case len(roles) > 0:
		// A profile holds one role; someone put another in it by hand.
		return "", fmt.Sprintf("instance profile %s holds role %s, not spec.role %s; remove that role from it", name, strings.Join(roles, ", "), role), nil
	default:
		if _, err := p.iam.AddRoleToInstanceProfile(ctx, &iam.AddRoleToInstanceProfileInput{InstanceProfileName: aws.String(name), RoleName: aws.String(role)}); err != nil {
			return "", "", wrap(err, "adding role %s to instance profile %s", role, name)
		}
	}
	return name, "", nil
}

func (p *Provider) ensureInstanceProfile(ctx context.Context, name, nodeClass string) (*iamtypes.InstanceProfile, error) {
	got, err := p.iam.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
	if err == nil {
		return got.InstanceProfile, nil
	}
	if !isNotFound(err) {
		return nil, wrap(err, "getting instance profile %s", name)
	}
	created, err := p.iam.CreateInstanceProfile(ctx, &iam.CreateInstanceProfileInput{
		InstanceProfileName: aws.String(name),
		Tags: []iamtypes.Tag{
			{Key: aws.String(tagClusterPref + p.opts.ClusterName), Value: aws.String("owned")},
			{Key: aws.String(tagEKSCluster), Value: aws.String(p.opts.ClusterName)},
			{Key: aws.String(tagNodeClass), Value: aws.String(nodeClass)},
		},
	})
	if err != nil {
		if errorCode(err) == "EntityAlreadyExists" {
			// Another replica created it meanwhile.
			return p.ensureInstanceProfile(ctx, name, nodeClass)
		}
		return nil, wrap(err, "creating instance profile %s", name)
	}
	return created.InstanceProfile, nil
}

// roleName accepts a role name, a path/name or an ARN, as upstream's spec.role does.
func roleName(role string) string {
	if i := strings.LastIndex(role, "/"); i >= 0 {
		return role[i+1:]
	}
	return role
}
