package status

import (
	"context"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Reasons of the NodeClassReady condition.
const (
	reasonNodeClassReady       = "NodeClassReady"
	reasonNodeClassNotFound    = "NodeClassNotFound"
	reasonNodeClassTerminating = "NodeClassTerminating"
	reasonNodeClassNotReady    = "NodeClassNotReady"
)

// readiness is the verdict on a NodePool's node class, and the NodePool's instance types when
// the CloudProvider was asked for them (they price the NodeClaims).
type readiness struct {
	cond          metav1.Condition
	instanceTypes []*cloudprovider.InstanceType
}

// nodeClassReadiness decides NodeClassReady. The referenced EC2NodeClass must exist, not be
// deleting, and not report Ready=False; no controller sets Ready in the simulated setup, so a
// missing Ready condition counts as ready. Then the CloudProvider, which knows what it can
// launch with the class (the simulated one checks that its subnet selectors select subnets),
// must not refuse it with a NodeClassNotReadyError. Any other error leaves the condition
// undecided: the caller keeps the previous one and retries.
func (c *Controller) nodeClassReadiness(ctx context.Context, np *karpv1.NodePool) (readiness, error) {
	notReady := func(reason, msg string) (readiness, error) {
		return readiness{cond: metav1.Condition{Type: karpv1.ConditionTypeNodeClassReady, Status: metav1.ConditionFalse, Reason: reason, Message: msg}}, nil
	}
	ref := np.Spec.Template.Spec.NodeClassRef
	if ref == nil || ref.Name == "" {
		return notReady(reasonNodeClassNotFound, "spec.template.spec.nodeClassRef names no node class")
	}
	if ref.Group == ec2v1.Group && ref.Kind == "EC2NodeClass" {
		nodeClass := &ec2v1.EC2NodeClass{}
		if err := c.kubeClient.Get(ctx, types.NamespacedName{Name: ref.Name}, nodeClass); err != nil {
			if apierrors.IsNotFound(err) {
				return notReady(reasonNodeClassNotFound, fmt.Sprintf("EC2NodeClass %q, named by spec.template.spec.nodeClassRef, does not exist; create it or fix the reference", ref.Name))
			}
			return readiness{}, fmt.Errorf("getting EC2NodeClass %s: %w", ref.Name, err)
		}
		if nodeClass.DeletionTimestamp != nil {
			return notReady(reasonNodeClassTerminating, fmt.Sprintf("EC2NodeClass %q is being deleted", ref.Name))
		}
		if cond := meta.FindStatusCondition(nodeClass.Status.Conditions, ec2v1.ConditionTypeReady); cond != nil && cond.Status == metav1.ConditionFalse {
			return notReady(reasonNodeClassNotReady, fmt.Sprintf("EC2NodeClass %q is not ready: %s: %s", ref.Name, cond.Reason, cond.Message))
		}
	}
	its, err := c.cloudProvider.GetInstanceTypes(ctx, np)
	if err != nil {
		if cloudprovider.IsNodeClassNotReady(err) {
			return notReady(reasonNodeClassNotReady, err.Error())
		}
		return readiness{}, fmt.Errorf("getting the instance types of nodepool %s: %w", np.Name, err)
	}
	return readiness{
		cond:          metav1.Condition{Type: karpv1.ConditionTypeNodeClassReady, Status: metav1.ConditionTrue, Reason: reasonNodeClassReady},
		instanceTypes: its,
	}, nil
}
