package lifecycle

import (
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// Condition reasons this controller writes.
const (
	ReasonLaunched               = "Launched"
	ReasonLaunchFailed           = "LaunchFailed"
	ReasonNodeClassNotReady      = "NodeClassNotReady"
	ReasonAwaitingLaunch         = "AwaitingLaunch"
	ReasonRegistered             = "Registered"
	ReasonNodeNotFound           = "NodeNotFound"
	ReasonNodeDeleting           = "NodeDeleting"
	ReasonMultipleNodesFound     = "MultipleNodesFound"
	ReasonAwaitingRegistration   = "AwaitingRegistration"
	ReasonInitialized            = "Initialized"
	ReasonNodeNotReady           = "NodeNotReady"
	ReasonTaintsExist            = "TaintsExist"
	ReasonResourceNotRegistered  = "ResourceNotRegistered"
	ReasonAwaitingInitialization = "AwaitingInitialization"
	ReasonReady                  = "Ready"
)

// lifecycleConditions are the stages Ready summarizes, in order.
var lifecycleConditions = []struct {
	typ, reason, message string
}{
	{karpv1.ConditionTypeLaunched, ReasonAwaitingLaunch, "Waiting for the cloud provider to launch the instance"},
	{karpv1.ConditionTypeRegistered, ReasonAwaitingRegistration, "Waiting for the instance's node to join the cluster"},
	{karpv1.ConditionTypeInitialized, ReasonAwaitingInitialization, "Waiting for the node to become ready for pods"},
}

func isTrue(nc *karpv1.NodeClaim, typ string) bool {
	return meta.IsStatusConditionTrue(nc.Status.Conditions, typ)
}

// summarize adds the lifecycle conditions that are still missing as Unknown and sets Ready from
// them: True when all are True, otherwise the status, reason and message of the first stage that
// is not, so that `kubectl get nodeclaims` says what the NodeClaim waits for.
func (c *Controller) summarize(nc *karpv1.NodeClaim) {
	var blocking *metav1.Condition
	for _, lc := range lifecycleConditions {
		cond := meta.FindStatusCondition(nc.Status.Conditions, lc.typ)
		if cond == nil {
			c.setCondition(nc, lc.typ, metav1.ConditionUnknown, lc.reason, lc.message)
			cond = meta.FindStatusCondition(nc.Status.Conditions, lc.typ)
		}
		if blocking == nil && cond.Status != metav1.ConditionTrue {
			blocking = cond
		}
	}
	if blocking == nil {
		c.setCondition(nc, karpv1.ConditionTypeReady, metav1.ConditionTrue, ReasonReady, "Node is launched, registered and initialized")
		return
	}
	c.setCondition(nc, karpv1.ConditionTypeReady, blocking.Status, blocking.Reason, blocking.Type+": "+blocking.Message)
}
