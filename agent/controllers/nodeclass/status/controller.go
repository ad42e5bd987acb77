// Package status keeps an EC2NodeClass's status: the subnets, security groups, AMIs and instance
// profile its selectors resolve to in the cloud, and the conditions SubnetsReady,
// SecurityGroupsReady, AMIsReady, InstanceProfileReady and the summary Ready, as upstream's
// EC2NodeClass controller does. The provider launches from this status only, and a NodePool's
// NodeClassReady condition follows Ready (see agent/controllers/nodepool/status).
//
// When a node class is deleted and the provider implements cloudprovider.NodeClassReleaser, it
// asks the provider to remove what it created for the class (a derived instance profile, launch
// templates) once the class's instances are gone.
//
// It runs only with a CloudProvider that implements cloudprovider.NodeClassResolver: the
// simulated provider has nothing to resolve.
package status

import (
	"context"
	"fmt"
	"time"

	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/builder"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	"sigs.k8s.io/controller-runtime/pkg/predicate"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

const controllerName = "nodeclass.status"

// ResyncInterval is how often a node class is resolved again even when it does not change: a
// new AMI release, or a subnet tagged for discovery, changes what its selectors select, and that
// is how nodes drift onto the new AMI.
const ResyncInterval = 5 * time.Minute

// releaseRetryInterval is how often a deleted node class's resources are looked at again while
// its instances are still terminating.
const releaseRetryInterval = time.Minute

// Controller reconciles EC2NodeClasses.
type Controller struct {
	kubeClient client.Client
	resolver   cloudprovider.NodeClassResolver // nil: the provider resolves nothing
	clock      clock.Clock
	recorder   decisions.Recorder
}

var _ reconcile.Reconciler = (*Controller)(nil)

// NewController returns the EC2NodeClass status controller. It does nothing when the
// CloudProvider does not implement cloudprovider.NodeClassResolver.
func NewController(kubeClient client.Client, cloudProvider cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	resolver, _ := cloudProvider.(cloudprovider.NodeClassResolver)
	return &Controller{kubeClient: kubeClient, resolver: resolver, clock: clk, recorder: recorder}
}

// Register adds the controller to the manager, if the CloudProvider resolves node classes.
func (c *Controller) Register(mgr manager.Manager) error {
	if c.resolver == nil {
		return nil
	}
	err := builder.ControllerManagedBy(mgr).
		Named(controllerName).
		// Its own status writes must not trigger it again; ResyncInterval covers cloud changes.
		For(&ec2v1.EC2NodeClass{}, builder.WithPredicates(predicate.GenerationChangedPredicate{})).
		Complete(c)
	if err != nil {
		return fmt.Errorf("building the %s controller: %w", controllerName, err)
	}
	return nil
}

// Reconcile resolves one EC2NodeClass and writes its status.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	stored := &ec2v1.EC2NodeClass{}
	if err := c.kubeClient.Get(ctx, req.NamespacedName, stored); err != nil {
		if apierrors.IsNotFound(err) {
			return c.release(ctx, req.Name)
		}
		return reconcile.Result{}, fmt.Errorf("getting EC2NodeClass %s: %w", req.Name, err)
	}
	if stored.DeletionTimestamp != nil {
		return reconcile.Result{}, nil
	}
	res, err := c.resolver.ResolveNodeClass(ctx, stored)
	if err != nil {
		// The cloud could not be asked: keep the last resolution, which nodes may still launch
		// from, and let the workqueue back off.
		return reconcile.Result{}, fmt.Errorf("resolving EC2NodeClass %s: %w", stored.Name, err)
	}
	nc := stored.DeepCopy()
	apply(nc, res, c.clock.Now())
	if !equality.Semantic.DeepEqual(nc.Status, stored.Status) {
		// This controller is the status's only writer, so a merge patch without a lock is safe.
		if err := c.kubeClient.Status().Patch(ctx, nc, client.MergeFrom(stored)); err != nil {
			if apierrors.IsNotFound(err) {
				return reconcile.Result{}, nil
			}
			return reconcile.Result{}, fmt.Errorf("patching the status of EC2NodeClass %s: %w", nc.Name, err)
		}
		c.report(ctx, stored, nc)
	}
	return reconcile.Result{RequeueAfter: ResyncInterval}, nil
}

// release lets the provider remove what it created for a deleted node class, once its
// instances are gone. It is best effort: the agent holds no finalizer on node classes, so one
// deleted while the agent is down keeps its instance profile and launch templates.
func (c *Controller) release(ctx context.Context, name string) (reconcile.Result, error) {
	releaser, ok := c.resolver.(cloudprovider.NodeClassReleaser)
	if !ok {
		return reconcile.Result{}, nil
	}
	done, err := releaser.ReleaseNodeClass(ctx, name)
	if err != nil {
		return reconcile.Result{}, fmt.Errorf("releasing the cloud resources of deleted EC2NodeClass %s: %w", name, err)
	}
	if !done {
		return reconcile.Result{RequeueAfter: releaseRetryInterval}, nil
	}
	return reconcile.Result{}, nil
}

// report logs the resolution when Ready changes, so the agent's log says when and why a node
// class became usable or stopped being so, and records an Event on the node class when it
// stops being usable, once per distinct reason.
func (c *Controller) report(ctx context.Context, before, after *ec2v1.EC2NodeClass) {
	was, now := readyOf(before), readyOf(after)
	if was != nil && was.Status == now.Status && was.Message == now.Message {
		return
	}
	l := log.FromContext(ctx).WithValues("ec2nodeclass", after.Name)
	if now.Status == metav1.ConditionTrue {
		l.Info("EC2NodeClass is ready", "subnets", len(after.Status.Subnets), "securityGroups", len(after.Status.SecurityGroups),
			"amis", len(after.Status.AMIs), "instanceProfile", after.Status.InstanceProfile)
		return
	}
	l.Info("EC2NodeClass is not ready", "reason", now.Reason, "message", now.Message)
	c.recorder.Publish(decisions.Decision{
		Object:    after,
		Type:      decisions.Warning,
		Reason:    decisions.ReasonFailedToResolveNodeClass,
		Message:   "EC2NodeClass is not ready, no nodes will be launched from it: " + now.Message,
		DedupeKey: decisions.ReasonFailedToResolveNodeClass + "/" + now.Message,
	})
}
