package cloudprovider

import (
	"context"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// NodeClassResolver is implemented by providers that resolve an EC2NodeClass's selectors
// against a real cloud (the AWS provider). The agent's EC2NodeClass status controller runs only
// for such providers: it writes the resolution into the node class's status, which the provider
// then launches from, and sets the Ready condition from it.
type NodeClassResolver interface {
	// ResolveNodeClass looks up the subnets, security groups, AMIs and instance profile the node
	// class selects. A selector that matches nothing is not an error: it is reported in
	// Unresolved, which the status controller turns into a False condition. An error means the
	// cloud could not be asked (throttled, unreachable, denied) and the caller should retry.
	ResolveNodeClass(ctx context.Context, nodeClass *ec2v1.EC2NodeClass) (*NodeClassResolution, error)
}

// NodeClassResolution is what a node class's selectors resolved to.
type NodeClassResolution struct {
	Subnets         []ec2v1.Subnet
	SecurityGroups  []ec2v1.SecurityGroup
	AMIs            []ec2v1.AMI
	InstanceProfile string
	// Unresolved maps a condition type (ec2v1.ConditionTypeSubnetsReady, ...AMIsReady, ...) to a
	// message that says which selector matched nothing and why. Parts absent from the map
	// resolved.
	Unresolved map[string]string
}

// NodeClassReleaser is implemented by resolvers that create cloud resources for a node class (an
// instance profile derived from its role, launch templates) and remove them once it is deleted.
type NodeClassReleaser interface {
	// ReleaseNodeClass removes what the provider created for the deleted node class of that name.
	// While instances launched from it remain it removes nothing and returns false, so the caller
	// tries again later. It is idempotent.
	ReleaseNodeClass(ctx context.Context, name string) (bool, error)
}
