package simulated

import (
	"context"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// IsDrifted reports a NodeClaim whose zone none of its node class's subnets covers any more. The
// simulation has no AMIs or security groups that could drift, so that is all it checks.
func (p *Provider) IsDrifted(ctx context.Context, nodeClaim *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	zone := nodeClaim.Labels[corev1.LabelTopologyZone]
	if zone == "" {
		if z, _, err := ParseProviderID(nodeClaim.Status.ProviderID); err == nil {
			zone = z
		}
	}
	if zone == "" {
		// Not launched yet: nothing can have drifted.
		return "", nil
	}
	nodeClass, subnets, err := p.nodeClassFor(ctx, nodeClaim.Spec.NodeClassRef, "NodeClaim "+nodeClaim.Name)
	if err != nil {
		return "", err
	}
	zones := zonesOf(subnets)
	if slices.Contains(zones, zone) {
		return "", nil
	}
	return cloudprovider.DriftReason(fmt.Sprintf("SubnetDrift: zone %s is no longer in the subnets EC2NodeClass %s selects (zones %s)",
		zone, nodeClass.Name, strings.Join(zones, ", "))), nil
}

// nodeClassFor fetches the EC2NodeClass a NodePool or NodeClaim references and resolves its
// subnets. Anything that makes it unusable is a NodeClassNotReadyError that says what to fix.
func (p *Provider) nodeClassFor(ctx context.Context, ref *karpv1.NodeClassReference, owner string) (*ec2v1.EC2NodeClass, []Subnet, error) {
	if ref == nil || ref.Name == "" {
		return nil, nil, &cloudprovider.NodeClassNotReadyError{
			Reason: owner + " has no nodeClassRef; set spec.template.spec.nodeClassRef to {group: karpenter.k8s.aws, kind: EC2NodeClass, name: <name>}",
		}
	}
	if (ref.Group != "" && ref.Group != ec2v1.Group) || (ref.Kind != "" && ref.Kind != "EC2NodeClass") {
		return nil, nil, &cloudprovider.NodeClassNotReadyError{
			Name:   ref.Name,
			Reason: fmt.Sprintf("%s references a %s %s; the simulated provider supports only %s EC2NodeClass", owner, ref.Group, ref.Kind, ec2v1.Group),
		}
	}
	nodeClass := &ec2v1.EC2NodeClass{}
	if err := p.client.Get(ctx, client.ObjectKey{Name: ref.Name}, nodeClass); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, nil, &cloudprovider.NodeClassNotReadyError{
				Name:   ref.Name,
				Reason: fmt.Sprintf("EC2NodeClass %s, referenced by %s, does not exist; create it or fix the nodeClassRef", ref.Name, owner),
			}
		}
		return nil, nil, fmt.Errorf("getting EC2NodeClass %s: %w", ref.Name, err)
	}
	if nodeClass.DeletionTimestamp != nil {
		return nil, nil, &cloudprovider.NodeClassNotReadyError{Name: ref.Name, Reason: "EC2NodeClass is being deleted"}
	}
	subnets := selectSubnets(p.vpc, nodeClass.Spec.SubnetSelectorTerms)
	if len(subnets) == 0 {
		return nil, nil, &cloudprovider.NodeClassNotReadyError{
			Name: ref.Name,
			Reason: fmt.Sprintf("its subnetSelectorTerms select none of the simulated subnets; select them by id or by tags, e.g. {tags: {%s: %s}}. The subnets are: %s",
				DiscoveryTagKey, p.opts.ClusterName, describeVPC(p.vpc)),
		}
	}
	return nodeClass, subnets, nil
}
