// Package provisioning turns pods the kube-scheduler cannot place into NodeClaims: it batches
// them, builds a snapshot of the cluster from the informer caches, runs the scheduling engine and
// creates the NodeClaims the engine plans, recording every decision as an Event.
package provisioning

import (
	"context"
	"fmt"
	"sync"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	"github.com/karpenter-tools/kubectl-karpenter/agent/nominations"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// The provisioner re-runs once per batch max duration while pods stay pending, because some
// causes clear without any object changing (an offering's capacity error expires, a scaling
// policy window ends), and because each run renews the nominations of the nodes and NodeClaims
// the pending pods are waiting for; NominationTTL outlasts two such runs.

// NominationTTL is how long a nomination lasts without renewal, for a given batch max duration.
func NominationTTL(batchMax time.Duration) time.Duration { return 2 * batchMax }

// createWorkers bounds concurrent NodeClaim creations: enough to create a thousand-pod batch's
// NodeClaims in about a second without starving the rest of the client's rate limit.
const createWorkers = 8

// Provisioner runs one solve per batch of pending pods and creates the NodeClaims it plans.
type Provisioner struct {
	kube     client.Client
	reader   client.Reader
	cloud    cloudprovider.CloudProvider
	recorder decisions.Recorder
	clock    clock.Clock
	batcher  *Batcher
	recent   *recentNodeClaims
	noms     *nominations.Tracker
}

var _ manager.LeaderElectionRunnable = (*Provisioner)(nil)

// NewProvisioner builds a provisioner that reads the manager's cache through reader and writes
// through kube.
func NewProvisioner(kube client.Client, reader client.Reader, cp cloudprovider.CloudProvider, rec decisions.Recorder, clk clock.Clock, batcher *Batcher, noms *nominations.Tracker) *Provisioner {
	return &Provisioner{kube: kube, reader: reader, cloud: cp, recorder: rec, clock: clk, batcher: batcher, recent: newRecentNodeClaims(clk), noms: noms}
}

// NeedLeaderElection is true: only the leader launches.
func (p *Provisioner) NeedLeaderElection() bool { return true }

// Start runs batches until ctx ends.
func (p *Provisioner) Start(ctx context.Context) error {
	logger := log.FromContext(ctx).WithName("provisioner")
	ctx = log.IntoContext(ctx, logger)
	go p.resync(ctx)
	// A leader that just took over finds pods the previous one left pending.
	p.batcher.Trigger()
	for p.batcher.Wait(ctx) {
		if err := p.Provision(ctx); err != nil {
			logger.Error(err, "provisioning failed; retrying with the next batch")
			p.batcher.Trigger()
		}
	}
	return nil
}

func (p *Provisioner) resync(ctx context.Context) {
	for {
		t := p.clock.NewTimer(p.batcher.max)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
			p.batcher.Trigger()
		}
	}
}

// Provision solves the current pending pods once and acts on the result.
func (p *Provisioner) Provision(ctx context.Context) error {
	snap, err := buildSnapshot(ctx, p.reader, p.cloud, p.recent)
	if err != nil {
		return err
	}
	metrics.PendingPods.Set(float64(len(snap.input.Pods)))
	if len(snap.input.Pods) == 0 {
		metrics.UnschedulablePods.Set(0)
		return nil
	}
	start := p.clock.Now()
	res, err := scheduling.Solve(snap.input)
	if err != nil {
		return fmt.Errorf("simulating %d pending pods: %w", len(snap.input.Pods), err)
	}
	metrics.SchedulingDuration.Observe(p.clock.Since(start).Seconds())
	names := p.createNodeClaims(ctx, snap, res.NodeClaims)
	p.record(snap, res, names)
	log.FromContext(ctx).Info("provisioned", "pods", len(snap.input.Pods), "nodeclaims", len(res.NodeClaims),
		"unschedulable", len(res.Unplaced()), "duration", p.clock.Since(start).String())
	return nil
}

// createNodeClaims creates the planned NodeClaims and returns their names by plan index; a
// failed creation leaves "" and its pods are retried in the next batch.
func (p *Provisioner) createNodeClaims(ctx context.Context, snap *snapshot, planned []*scheduling.NodeClaim) []string {
	names := make([]string, len(planned))
	work := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < min(createWorkers, len(planned)); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range work {
				names[i] = p.create(ctx, snap.nodePools[planned[i].NodePool], planned[i])
			}
		}()
	}
	for i := range planned {
		work <- i
	}
	close(work)
	wg.Wait()
	return names
}

func (p *Provisioner) create(ctx context.Context, np *karpv1.NodePool, planned *scheduling.NodeClaim) string {
	nc := newNodeClaim(np, planned)
	if err := p.kube.Create(ctx, nc); err != nil {
		log.FromContext(ctx).Error(err, "creating nodeclaim", "nodepool", np.Name, "pods", len(planned.Pods))
		p.batcher.Trigger()
		return ""
	}
	p.recent.add(nc)
	metrics.NodeClaimsCreated.WithLabelValues("provisioning", np.Name).Inc()
	return nc.Name
}

// record publishes a Nominated Event per placed pod, a FailedScheduling Event per pod nothing can
// take, and a limit Event per NodePool whose limit turned pods away.
func (p *Provisioner) record(snap *snapshot, res scheduling.Result, names []string) {
	limited := map[string]*limitHit{}
	unschedulable := 0
	for _, pl := range res.Placements {
		switch pl.Kind {
		case scheduling.ExistingNode:
			p.noms.Nominate(pl.Node)
			p.recorder.Publish(decisions.Nominated(pl.Pod, "node/"+pl.Node))
		case scheduling.InFlight:
			p.noms.Nominate(pl.Node)
			p.recorder.Publish(decisions.Nominated(pl.Pod, "nodeclaim/"+pl.Node))
		case scheduling.NewNodeClaim:
			if name := names[pl.NodeClaim]; name != "" {
				p.noms.Nominate(name)
				p.recorder.Publish(decisions.Nominated(pl.Pod, "nodeclaim/"+name))
			}
		case scheduling.Unplaced:
			unschedulable++
			if pl.Explanation == nil {
				continue
			}
			p.recorder.Publish(decisions.FailedScheduling(pl.Pod, pl.Explanation.Compact()))
			for _, r := range pl.Explanation.NodePools {
				if r.Reason.Kind != scheduling.ReasonLimits || r.Reason.Used == nil || r.Reason.Limit == nil {
					continue
				}
				key := r.NodePool + "/" + string(r.Reason.Resource)
				if limited[key] == nil {
					limited[key] = &limitHit{pool: r.NodePool, reason: r.Reason}
				}
				limited[key].pods++
			}
		}
	}
	for _, hit := range limited {
		if np := snap.nodePools[hit.pool]; np != nil {
			p.recorder.Publish(decisions.NodePoolLimitReached(np, string(hit.reason.Resource), hit.reason.Used.String(), hit.reason.Limit.String(), hit.pods))
		}
	}
	metrics.UnschedulablePods.Set(float64(unschedulable))
}

type limitHit struct {
	pool   string
	reason scheduling.Reason
	pods   int
}
