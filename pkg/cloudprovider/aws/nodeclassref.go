package aws

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// nodeClassFor fetches the EC2NodeClass a NodePool or NodeClaim references. The provider launches
// from its resolved status only, so a class whose status is not (yet) complete, or whose Ready
// condition is False, is a NodeClassNotReadyError that says why.
func (p *Provider) nodeClassFor(ctx context.Context, ref *karpv1.NodeClassReference, owner string) (*ec2v1.EC2NodeClass, error) {
	if ref == nil || ref.Name == "" {
		return nil, &cloudprovider.NodeClassNotReadyError{
			Reason: owner + " has no nodeClassRef; set spec.template.spec.nodeClassRef to {group: karpenter.k8s.aws, kind: EC2NodeClass, name: <name>}",
		}
	}
	if (ref.Group != "" && ref.Group != ec2v1.Group) || (ref.Kind != "" && ref.Kind != "EC2NodeClass") {
		return nil, &cloudprovider.NodeClassNotReadyError{
			Name:   ref.Name,
			Reason: fmt.Sprintf("%s references a %s %s; the AWS provider supports only %s EC2NodeClass", owner, ref.Group, ref.Kind, ec2v1.Group),
		}
	}
	nc := &ec2v1.EC2NodeClass{}
	if err := p.kube.Get(ctx, client.ObjectKey{Name: ref.Name}, nc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil, &cloudprovider.NodeClassNotReadyError{
				Name:   ref.Name,
				Reason: fmt.Sprintf("EC2NodeClass %s, referenced by %s, does not exist; create it or fix the nodeClassRef", ref.Name, owner),
			}
		}
		return nil, fmt.Errorf("getting EC2NodeClass %s: %w", ref.Name, err)
	}
	if nc.DeletionTimestamp != nil {
		return nil, &cloudprovider.NodeClassNotReadyError{Name: ref.Name, Reason: "EC2NodeClass is being deleted"}
	}
	if reason := unresolved(nc); reason != "" {
		return nil, &cloudprovider.NodeClassNotReadyError{Name: ref.Name, Reason: reason}
	}
	return nc, nil
}

// unresolved says why a node class's status cannot be launched from, "" when it can.
func unresolved(nc *ec2v1.EC2NodeClass) string {
	if c := meta.FindStatusCondition(nc.Status.Conditions, ec2v1.ConditionTypeReady); c != nil && c.Status == metav1.ConditionFalse {
		return fmt.Sprintf("%s: %s", c.Reason, c.Message)
	}
	switch {
	case len(nc.Status.Subnets) == 0:
		return "its subnets are not resolved yet (status.subnets is empty)"
	case len(nc.Status.SecurityGroups) == 0:
		return "its security groups are not resolved yet (status.securityGroups is empty)"
	case len(nc.Status.AMIs) == 0:
		return "its AMIs are not resolved yet (status.amis is empty)"
	case nc.Status.InstanceProfile == "":
		return "its instance profile is not resolved yet (status.instanceProfile is empty)"
	}
	return ""
}
