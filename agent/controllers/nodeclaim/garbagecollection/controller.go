// Package garbagecollection reconciles the cloud's instances with the NodeClaims, both ways, as
// upstream's nodeclaim/garbagecollection does:
//   - an instance that no NodeClaim owns (the agent crashed between launching it and recording
//     it, or its NodeClaim was removed without termination) is terminated, with its Node;
//   - a launched NodeClaim whose instance no longer exists (reclaimed by the cloud, terminated by
//     hand) is deleted, so its pods get a new node.
//
// This is what makes the provider's List equal the NodeClaims after an agent restart. A grace
// period spares instances and NodeClaims in the middle of a launch.
package garbagecollection

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

const controllerName = "nodeclaim.garbagecollection"

const (
	// Interval is how often the instances and the NodeClaims are compared, as upstream.
	Interval = 2 * time.Minute
	// GracePeriod is how long an instance may go without a NodeClaim, or a launched NodeClaim
	// without an instance, before either is collected: a launch records the provider ID on the
	// NodeClaim only after the instance exists, and clouds list new instances late.
	GracePeriod = 30 * time.Second
)

// Controller is a Runnable that collects garbage every Interval.
type Controller struct {
	kubeClient    client.Client
	cloudProvider cloudprovider.CloudProvider
	clock         clock.Clock
	recorder      decisions.Recorder
	log           logr.Logger

	mu sync.Mutex
	// firstSeen dates instances whose provider reports no launch time by when a pass first saw
	// them, so that the grace period still applies to them.
	firstSeen map[string]time.Time
}

var (
	_ manager.Runnable               = (*Controller)(nil)
	_ manager.LeaderElectionRunnable = (*Controller)(nil)
)

// NewController returns the garbage collector. The clock paces the passes and ages the
// instances; tests pass a fake one.
func NewController(kubeClient client.Client, cloudProvider cloudprovider.CloudProvider, recorder decisions.Recorder, clk clock.Clock) *Controller {
	return &Controller{
		kubeClient:    kubeClient,
		cloudProvider: cloudProvider,
		clock:         clk,
		recorder:      recorder,
		log:           logf.Log.WithName(controllerName),
		firstSeen:     map[string]time.Time{},
	}
}

// Register adds the controller to the manager.
func (c *Controller) Register(mgr manager.Manager) error {
	if err := mgr.Add(c); err != nil {
		return fmt.Errorf("adding the %s controller: %w", controllerName, err)
	}
	return nil
}

// NeedLeaderElection is true: two replicas must not both terminate instances.
func (c *Controller) NeedLeaderElection() bool { return true }

// Start collects at once, so that an agent that restarts cleans up what its predecessor left,
// then every Interval until ctx ends.
func (c *Controller) Start(ctx context.Context) error {
	for {
		if err := c.collect(ctx); err != nil && ctx.Err() == nil {
			c.log.Error(err, "collecting garbage; retrying at the next interval")
		}
		t := c.clock.NewTimer(Interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C():
		}
	}
}

// collect runs one pass.
func (c *Controller) collect(ctx context.Context) error {
	instances, err := c.cloudProvider.List(ctx)
	if err != nil {
		return fmt.Errorf("listing the cloud provider's instances: %w", err)
	}
	s, err := c.snapshot(ctx)
	if err != nil {
		return err
	}
	c.collectInstances(ctx, s, instances)
	c.collectNodeClaims(ctx, s, instances)
	return nil
}
