package status

import (
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// parts are the resolved parts of a node class, in the order Ready reports them.
var parts = []struct {
	condition string
	notFound  string // the reason when the part resolved to nothing
}{
	{ec2v1.ConditionTypeSubnetsReady, "SubnetsNotFound"},
	{ec2v1.ConditionTypeSecurityGroupsReady, "SecurityGroupsNotFound"},
	{ec2v1.ConditionTypeAMIsReady, "AMINotFound"},
	{ec2v1.ConditionTypeInstanceProfileReady, "InstanceProfileNotFound"},
}

// apply writes a resolution into the node class's status and conditions. Ready is True when every
// part resolved; otherwise it carries the reason of the first part that did not and the messages
// of all that did not, so `kubectl describe` and the NodePool's NodeClassReady say what to fix.
func apply(nc *ec2v1.EC2NodeClass, res *cloudprovider.NodeClassResolution, now time.Time) {
	nc.Status.Subnets = res.Subnets
	nc.Status.SecurityGroups = res.SecurityGroups
	nc.Status.AMIs = res.AMIs
	nc.Status.InstanceProfile = res.InstanceProfile

	ready := metav1.Condition{Type: ec2v1.ConditionTypeReady, Status: metav1.ConditionTrue, Reason: "Ready"}
	var problems []string
	for _, p := range parts {
		c := metav1.Condition{Type: p.condition, Status: metav1.ConditionTrue, Reason: p.condition}
		if msg, bad := res.Unresolved[p.condition]; bad {
			c = metav1.Condition{Type: p.condition, Status: metav1.ConditionFalse, Reason: p.notFound, Message: msg}
			if ready.Status == metav1.ConditionTrue {
				ready.Status, ready.Reason = metav1.ConditionFalse, p.notFound
			}
			problems = append(problems, msg)
		}
		set(nc, c, now)
	}
	ready.Message = strings.Join(problems, "; ")
	set(nc, ready, now)
}

func set(nc *ec2v1.EC2NodeClass, c metav1.Condition, now time.Time) {
	c.ObservedGeneration = nc.Generation
	c.LastTransitionTime = metav1.NewTime(now)
	meta.SetStatusCondition(&nc.Status.Conditions, c)
}

func readyOf(nc *ec2v1.EC2NodeClass) *metav1.Condition {
	return meta.FindStatusCondition(nc.Status.Conditions, ec2v1.ConditionTypeReady)
}
