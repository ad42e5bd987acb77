package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// launch creates the NodeClaim's instance and records it. The writes are ordered so that a crash
// between any two of them neither launches a second instance nor loses the first:
//  1. status.providerID (with imageID, capacity, allocatable): from then on a retry reads the
//     instance back with Get instead of calling Create;
//  2. the instance's labels and annotations on the NodeClaim;
//  3. Launched=True, after which launch is done.
func (c *Controller) launch(ctx context.Context, nc *karpv1.NodeClaim) (reconcile.Result, error) {
	if isTrue(nc, karpv1.ConditionTypeLaunched) {
		return reconcile.Result{}, nil
	}
	launched, err := c.createOrRecover(ctx, nc)
	if err != nil {
		return reconcile.Result{}, c.launchFailed(ctx, nc, err)
	}
	if err := c.recordInstance(ctx, nc, launched); err != nil {
		return reconcile.Result{}, err
	}
	if !nc.DeletionTimestamp.IsZero() {
		return reconcile.Result{}, nil
	}
	c.ensurePrice(ctx, launched)
	if err := c.recordMetadata(ctx, nc, launched); err != nil {
		return reconcile.Result{}, err
	}

	l := decisions.Launch{
		InstanceType: nc.Labels[corev1.LabelInstanceTypeStable],
		CapacityType: nc.Labels[karpv1.CapacityTypeLabelKey],
		Zone:         nc.Labels[corev1.LabelTopologyZone],
		PricePerHour: price(nc),
		Pods:         podCount(ctx, nc),
	}
	stored := nc.DeepCopy()
	c.setCondition(nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, ReasonLaunched,
		fmt.Sprintf("Launched %s (%s) in %s as %s", l.InstanceType, l.CapacityType, l.Zone, nc.Status.ProviderID))
	if err := c.patchStatus(ctx, nc, stored); err != nil {
		return reconcile.Result{}, err
	}
	c.recorder.Publish(decisions.Launched(nc, l))
	nodePool := nc.Labels[karpv1.NodePoolLabelKey]
	metrics.NodeClaimsLaunched.WithLabelValues(nodePool, l.CapacityType, l.InstanceType, l.Zone).Inc()
	metrics.LaunchDuration.WithLabelValues(nodePool).Observe(c.clock.Since(nc.CreationTimestamp.Time).Seconds())
	log.FromContext(ctx).Info("launched", "providerID", nc.Status.ProviderID, "instanceType", l.InstanceType,
		"zone", l.Zone, "capacityType", l.CapacityType, "pricePerHour", l.PricePerHour)
	return reconcile.Result{}, nil
}

// createOrRecover launches the instance, or, when an earlier pass already recorded its provider
// ID, reads it back.
func (c *Controller) createOrRecover(ctx context.Context, nc *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	if nc.Status.ProviderID != "" {
		got, err := c.cloud.Get(ctx, nc.Status.ProviderID)
		if err != nil {
			return nil, fmt.Errorf("reading back instance %s: %w", nc.Status.ProviderID, err)
		}
		return got, nil
	}
	created, err := c.cloud.Create(ctx, nc)
	if err != nil {
		return nil, fmt.Errorf("launching an instance: %w", err)
	}
	if created.Status.ProviderID == "" {
		return nil, fmt.Errorf("launching an instance: cloud provider %s returned no provider ID", c.cloud.Name())
	}
	return created, nil
}

// launchFailed handles a failed Create (or Get). Insufficient capacity and a vanished instance
// delete the NodeClaim, so the provisioner solves again; other errors are recorded on the
// Launched condition and returned, for the workqueue's backoff.
func (c *Controller) launchFailed(ctx context.Context, nc *karpv1.NodeClaim, err error) error {
	var ice *cloudprovider.InsufficientCapacityError
	switch {
	case errors.As(err, &ice):
		c.recorder.Publish(decisions.InsufficientCapacity(nc, triedOfferings(ice), cloudprovider.UnavailableTTL))
		log.FromContext(ctx).Info("insufficient capacity, deleting the NodeClaim", "error", err.Error())
		return c.delete(ctx, nc)
	case cloudprovider.IsNodeClaimNotFound(err):
		c.recorder.Publish(decisions.LaunchFailed(nc, fmt.Errorf("instance %s is gone; deleting the NodeClaim so that a new one is launched", nc.Status.ProviderID)))
		return c.delete(ctx, nc)
	}
	reason := ReasonLaunchFailed
	if cloudprovider.IsNodeClassNotReady(err) {
		reason = ReasonNodeClassNotReady
	}
	stored := nc.DeepCopy()
	c.setCondition(nc, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, reason, err.Error()+"; retrying")
	c.recorder.Publish(decisions.LaunchFailed(nc, err))
	if perr := c.patchStatus(ctx, nc, stored); perr != nil {
		return errors.Join(err, perr)
	}
	return err
}

func triedOfferings(ice *cloudprovider.InsufficientCapacityError) string {
	if len(ice.Offerings) == 0 {
		if ice.Message != "" {
			return "any offering (" + ice.Message + ")"
		}
		return "any offering"
	}
	keys := make([]string, 0, len(ice.Offerings))
	for _, k := range ice.Offerings {
		keys = append(keys, k.String())
	}
	return strings.Join(keys, ", ")
}

// recordInstance persists what identifies the instance. It is a merge patch of scalar fields and
// resource maps only, without an optimistic lock: nothing else writes them, and it must succeed
// even when the cached NodeClaim is stale. When the NodeClaim was deleted while the instance
// launched, nothing would ever terminate the instance, so this does.
func (c *Controller) recordInstance(ctx context.Context, nc, launched *karpv1.NodeClaim) error {
	stored := nc.DeepCopy()
	nc.Status.ProviderID = launched.Status.ProviderID
	nc.Status.ImageID = launched.Status.ImageID
	nc.Status.Capacity = launched.Status.Capacity
	nc.Status.Allocatable = launched.Status.Allocatable
	if equality.Semantic.DeepEqual(stored.Status, nc.Status) {
		return nil
	}
	err := c.kube.Status().Patch(ctx, nc, client.MergeFrom(stored))
	if apierrors.IsNotFound(err) {
		log.FromContext(ctx).Info("NodeClaim deleted during launch, terminating its instance", "providerID", launched.Status.ProviderID)
		if derr := c.cloud.Delete(ctx, launched); derr != nil && !cloudprovider.IsNodeClaimNotFound(derr) {
			return fmt.Errorf("terminating instance %s of deleted NodeClaim %s: %w", launched.Status.ProviderID, nc.Name, derr)
		}
		now := metav1.NewTime(c.clock.Now())
		nc.DeletionTimestamp = &now
		return nil
	}
	if err != nil {
		return fmt.Errorf("recording provider ID %s on NodeClaim %s: %w", launched.Status.ProviderID, nc.Name, err)
	}
	return nil
}

// recordMetadata adds the instance's labels (instance type, zone, capacity type, ...) and
// annotations (price) to the NodeClaim. Labels and annotations are maps, which a merge patch
// updates key by key, so no lock is needed.
func (c *Controller) recordMetadata(ctx context.Context, nc, launched *karpv1.NodeClaim) error {
	stored := nc.DeepCopy()
	nc.Labels = merged(nc.Labels, launched.Labels)
	nc.Annotations = merged(nc.Annotations, launched.Annotations)
	if equality.Semantic.DeepEqual(stored.ObjectMeta, nc.ObjectMeta) {
		return nil
	}
	if err := c.kube.Patch(ctx, nc, client.MergeFrom(stored)); err != nil {
		return fmt.Errorf("labelling NodeClaim %s with its instance's labels: %w", nc.Name, err)
	}
	return nil
}

// merged returns dst with every key of src set, allocating dst if needed.
func merged(dst, src map[string]string) map[string]string {
	if len(src) == 0 {
		return dst
	}
	if dst == nil {
		dst = make(map[string]string, len(src))
	}
	for k, v := range src {
		dst[k] = v
	}
	return dst
}
