package simulated

import (
	"context"
	"fmt"
	"slices"

	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Spot interruptions: an injected interruption marks the instance shutting-down in its record
// (it keeps running, as during EC2's two-minute warning, and nothing is deleted here) and every
// Interruptions subscriber delivers a notice for it. The record is the source of truth, so a
// restarted agent subscribing anew is told again about instances still shutting down, as SQS
// redelivers messages nobody acknowledged; the agent must handle duplicates idempotently.

// Interrupt injects a spot interruption of an instance named by node name, instance id or
// provider ID. Only spot instances are interrupted; interrupting one twice is a no-op.
func (p *Provider) Interrupt(ctx context.Context, target string) error {
	records, err := p.listRecords(ctx)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(records, func(in *instance) bool { return in.State != StateTerminated && in.isNamed(target) })
	if i < 0 {
		return fmt.Errorf("interrupting %q: no instance has that node name, instance id or provider ID", target)
	}
	in := records[i]
	if in.CapacityType != cloudprovider.CapacityTypeSpot {
		return fmt.Errorf("interrupting %q: instance %s is %s; only spot instances receive spot interruptions", target, in.ID, in.CapacityType)
	}
	return p.markInterrupted(ctx, in)
}

func (in *instance) isNamed(target string) bool {
	return target == in.ID || target == in.NodeName || target == in.providerID()
}

func (p *Provider) markInterrupted(ctx context.Context, in *instance) error {
	if in.State == StateShuttingDown {
		return nil
	}
	if _, err := p.updateRecord(ctx, in.recordName, func(r *instance) bool {
		if r.ID != in.ID || (r.State != StatePending && r.State != StateRunning) {
			return false
		}
		r.State = StateShuttingDown
		r.InterruptedAt = p.clock.Now()
		return true
	}); err != nil {
		return fmt.Errorf("interrupting instance %s: %w", in.ID, err)
	}
	p.wakeSubscribers()
	return nil
}

func (p *Provider) wakeSubscribers() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for wake := range p.subscribers {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
}

// applyInterruptFaults interrupts the instances the faults ConfigMap names. It reports whether
// it interrupted any.
func (p *Provider) applyInterruptFaults(ctx context.Context) (bool, error) {
	f, err := p.configMapFaults(ctx)
	if err != nil || len(f.Interrupt) == 0 {
		return false, err
	}
	records, err := p.listRecords(ctx)
	if err != nil {
		return false, err
	}
	marked := false
	for _, in := range records {
		if (in.State != StatePending && in.State != StateRunning) || !slices.ContainsFunc(f.Interrupt, in.isNamed) {
			continue
		}
		if in.CapacityType != cloudprovider.CapacityTypeSpot {
			p.mu.Lock()
			logged := p.refusedOnDemand[in.ID]
			p.refusedOnDemand[in.ID] = true
			p.mu.Unlock()
			if !logged {
				p.log.Info("ignoring the injected interruption of an instance that is not spot", "instance", in.ID, "capacityType", in.CapacityType)
			}
			continue
		}
		if err := p.markInterrupted(ctx, in); err != nil {
			return marked, err
		}
		marked = true
	}
	return marked, nil
}

// Interruptions delivers a notice for every interrupted instance, until ctx ends or the provider
// closes; then it closes the channel. It reads the faults ConfigMap every FaultPollInterval, so
// interruptions can be injected from outside the process.
func (p *Provider) Interruptions(ctx context.Context) <-chan cloudprovider.Interruption {
	ch := make(chan cloudprovider.Interruption)
	wake := make(chan struct{}, 1)
	p.mu.Lock()
	p.subscribers[wake] = struct{}{}
	p.mu.Unlock()
	started := p.goOwned(func(pctx context.Context) {
		defer close(ch)
		defer func() {
			p.mu.Lock()
			delete(p.subscribers, wake)
			p.mu.Unlock()
		}()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(pctx, cancel)
		defer stop()
		p.deliverInterruptions(ctx, wake, ch)
	})
	if !started {
		p.mu.Lock()
		delete(p.subscribers, wake)
		p.mu.Unlock()
		close(ch)
	}
	return ch
}

func (p *Provider) deliverInterruptions(ctx context.Context, wake <-chan struct{}, ch chan<- cloudprovider.Interruption) {
	delivered := map[string]bool{}
	scan := true
	lastErr := ""
	for {
		marked, err := p.applyInterruptFaults(ctx)
		if err != nil && ctx.Err() == nil && err.Error() != lastErr {
			// Once per distinct error: a bad ConfigMap would otherwise log every second.
			p.log.Error(err, "applying injected interruptions")
		}
		if err != nil {
			lastErr = err.Error()
		} else {
			lastErr = ""
		}
		if scan || marked {
			if err := p.sendInterruptions(ctx, delivered, ch); err != nil {
				if ctx.Err() != nil {
					return
				}
				p.log.Error(err, "listing interrupted instances; retrying")
			} else {
				scan = false
			}
		}
		t := p.clock.NewTimer(p.opts.FaultPollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
			scan = true
		case <-t.C():
		}
		t.Stop()
	}
}

// sendInterruptions sends a notice for each shutting-down instance not yet announced to this
// subscriber.
func (p *Provider) sendInterruptions(ctx context.Context, delivered map[string]bool, ch chan<- cloudprovider.Interruption) error {
	records, err := p.listRecords(ctx, client.MatchingLabels{LabelState: StateShuttingDown})
	if err != nil {
		return err
	}
	current := map[string]bool{}
	for _, in := range records {
		current[in.ID] = true
		if delivered[in.ID] {
			continue
		}
		notice := cloudprovider.Interruption{
			ProviderID: in.providerID(),
			Kind:       cloudprovider.InterruptionSpot,
			Message:    fmt.Sprintf("spot interruption of %s (%s in %s, node %s), injected in the simulation", in.ID, in.InstanceType, in.Zone, in.NodeName),
		}
		select {
		case ch <- notice:
			delivered[in.ID] = true
		case <-ctx.Done():
			return fmt.Errorf("sending the interruption notice of %s: %w", in.ID, ctx.Err())
		}
	}
	for id := range delivered {
		if !current[id] {
			delete(delivered, id)
		}
	}
	return nil
}
