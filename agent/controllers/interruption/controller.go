// Package interruption acts on the notices a cloud sends before it takes an instance back (a
// spot interruption, a scheduled retirement, an instance stopping or terminated): it records an
// Interrupted Event on the NodeClaim and its Node and deletes the NodeClaim, so that the
// termination path drains the node while there is still time and the provisioner replaces the
// capacity. A rebalance recommendation only warns that the risk of an interruption rose: like
// upstream Karpenter, it records a RebalanceRecommendation Event and leaves the node alone.
//
// It runs only with a CloudProvider that implements cloudprovider.InterruptionSource, as a
// manager Runnable that only the leader runs: two replicas must not both act on a notice.
package interruption

import (
	"context"
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

const controllerName = "interruption"

// reasonInterrupted is the NodeClaim's DisruptionReason, so that the termination path labels its
// metric with why the node went.
const reasonInterrupted = "Interrupted"

// retry bounds the attempts at handling one notice when the API server errs: a few seconds, well
// inside a spot interruption's two-minute warning. A notice that still fails is logged; garbage
// collection deletes the NodeClaim once the instance is gone.
var retry = wait.Backoff{Duration: 200 * time.Millisecond, Factor: 2, Steps: 5}

// Controller handles interruption notices.
type Controller struct {
	kubeClient client.Client
	source     cloudprovider.InterruptionSource // nil: the provider sends none
	clock      clock.Clock
	recorder   decisions.Recorder
	log        logr.Logger
}

var (
	_ manager.Runnable               = (*Controller)(nil)
	_ manager.LeaderElectionRunnable = (*Controller)(nil)
)

// NewController returns the interruption controller. It does nothing when the CloudProvider does
// not implement cloudprovider.InterruptionSource.
func NewController(kubeClient client.Client, cloudProvider cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	src, _ := cloudProvider.(cloudprovider.InterruptionSource)
	return &Controller{
		kubeClient: kubeClient,
		source:     src,
		clock:      clk,
		recorder:   recorder,
		log:        logf.Log.WithName(controllerName),
	}
}

// Register adds the controller to the manager, if the CloudProvider sends interruptions.
func (c *Controller) Register(mgr manager.Manager) error {
	if c.source == nil {
		c.log.Info("the cloud provider sends no interruption notices; not watching for them")
		return nil
	}
	if err := mgr.Add(c); err != nil {
		return fmt.Errorf("adding the %s controller: %w", controllerName, err)
	}
	return nil
}

// NeedLeaderElection is true: only the leader acts on notices.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start reads notices until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	notices := c.source.Interruptions(ctx)
	c.log.Info("watching for interruption notices")
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-notices:
			if !ok {
				if ctx.Err() == nil {
					c.log.Info("the cloud provider closed its interruption notices")
				}
				return nil
			}
			c.handleWithRetry(ctx, n)
		}
	}
}

func (c *Controller) handleWithRetry(ctx context.Context, n cloudprovider.Interruption) {
	log := c.log.WithValues("providerID", n.ProviderID, "kind", n.Kind)
	var last error
	err := wait.ExponentialBackoffWithContext(ctx, retry, func(ctx context.Context) (bool, error) {
		last = c.handle(ctx, log, n)
		return last == nil, nil
	})
	if err != nil && ctx.Err() == nil {
		log.Error(last, "handling an interruption notice; giving up on it")
	}
}

// handle deletes the NodeClaim of the interrupted instance, once.
func (c *Controller) handle(ctx context.Context, log logr.Logger, n cloudprovider.Interruption) error {
	nc, err := c.nodeClaimFor(ctx, n.ProviderID)
	if err != nil {
		return err
	}
	if nc == nil {
		log.Info("ignoring an interruption notice for an instance no NodeClaim owns")
		return nil
	}
	if nc.DeletionTimestamp != nil {
		log.V(1).Info("the interrupted instance's NodeClaim is already being deleted", "nodeclaim", nc.Name)
		return nil
	}
	node, err := c.nodeFor(ctx, nc)
	if err != nil {
		return err
	}
	if n.Kind == cloudprovider.InterruptionRebalance {
		c.recordRebalance(log, nc, node, n)
		return nil
	}
	if err := c.setDisruptionReason(ctx, nc, n); err != nil {
		return err
	}
	if err := c.kubeClient.Delete(ctx, nc, client.Preconditions{UID: &nc.UID}); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			return nil // gone, or replaced by a NodeClaim of the same name
		}
		return fmt.Errorf("deleting interrupted nodeclaim %s: %w", nc.Name, err)
	}
	c.recorder.Publish(decisions.Interrupted(nc, string(n.Kind), n.Message))
	nodeName := ""
	if node != nil {
		c.recorder.Publish(decisions.Interrupted(node, string(n.Kind), n.Message))
		nodeName = node.Name
	}
	log.Info("deleted the NodeClaim of an interrupted instance", "nodeclaim", nc.Name, "node", nodeName, "message", n.Message)
	return nil
}

// recordRebalance publishes a rebalance recommendation on the NodeClaim and its Node, if any.
func (c *Controller) recordRebalance(log logr.Logger, nc *karpv1.NodeClaim, node *corev1.Node, n cloudprovider.Interruption) {
	c.recorder.Publish(decisions.RebalanceRecommendation(nc, n.Message))
	nodeName := ""
	if node != nil {
		c.recorder.Publish(decisions.RebalanceRecommendation(node, n.Message))
		nodeName = node.Name
	}
	log.Info("recorded a rebalance recommendation; the node keeps running", "nodeclaim", nc.Name, "node", nodeName, "message", n.Message)
}

// nodeClaimFor finds the NodeClaim with the provider ID in the cache; nil when none has it.
// Notices are rare, so a scan does not need an index.
func (c *Controller) nodeClaimFor(ctx context.Context, providerID string) (*karpv1.NodeClaim, error) {
	var list karpv1.NodeClaimList
	if err := c.kubeClient.List(ctx, &list, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing nodeclaims: %w", err)
	}
	for i := range list.Items {
		if list.Items[i].Status.ProviderID == providerID {
			return list.Items[i].DeepCopy(), nil
		}
	}
	return nil, nil
}

// nodeFor finds the NodeClaim's Node; nil when it has not registered one.
func (c *Controller) nodeFor(ctx context.Context, nc *karpv1.NodeClaim) (*corev1.Node, error) {
	if nc.Status.NodeName != "" {
		node := &corev1.Node{}
		err := c.kubeClient.Get(ctx, client.ObjectKey{Name: nc.Status.NodeName}, node)
		if err == nil && node.Spec.ProviderID == nc.Status.ProviderID {
			return node, nil
		}
		if err != nil && !apierrors.IsNotFound(err) {
			return nil, fmt.Errorf("getting node %s: %w", nc.Status.NodeName, err)
		}
	}
	var nodes corev1.NodeList
	if err := c.kubeClient.List(ctx, &nodes, client.UnsafeDisableDeepCopy); err != nil {
		return nil, fmt.Errorf("listing nodes: %w", err)
	}
	for i := range nodes.Items {
		if nodes.Items[i].Spec.ProviderID == nc.Status.ProviderID {
			return nodes.Items[i].DeepCopy(), nil
		}
	}
	return nil, nil
}

// setDisruptionReason records the interruption on the NodeClaim, as upstream's DisruptionReason
// condition, so the termination path and readers can tell why it went.
func (c *Controller) setDisruptionReason(ctx context.Context, nc *karpv1.NodeClaim, n cloudprovider.Interruption) error {
	stored := nc.DeepCopy()
	meta.SetStatusCondition(&nc.Status.Conditions, metav1.Condition{
		Type:               karpv1.ConditionTypeDisruptionReason,
		Status:             metav1.ConditionTrue,
		Reason:             reasonInterrupted,
		Message:            fmt.Sprintf("%s: %s", n.Kind, n.Message),
		LastTransitionTime: metav1.NewTime(c.clock.Now()),
	})
	// The optimistic lock keeps a stale copy from erasing a condition another controller set; a
	// conflict is retried with a fresh one.
	err := c.kubeClient.Status().Patch(ctx, nc, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{}))
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("recording the interruption on nodeclaim %s: %w", nc.Name, err)
	}
	return nil
}
