package aws

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/interruption"
)

var _ cloudprovider.InterruptionSource = (*Provider)(nil)

// newInterruptionSource polls the queue, when one is configured.
func (p *Provider) newInterruptionSource(cfg aws.Config) (*interruption.Source, error) {
	if p.opts.InterruptionQueue == "" {
		return nil, nil
	}
	src, err := interruption.New(interruption.Options{
		Client:             sqs.NewFromConfig(cfg),
		Queue:              p.opts.InterruptionQueue,
		Resolve:            p.providerIDOf,
		OnSpotInterruption: p.markSpotUnavailable,
		Log:                p.log.WithName("interruption"),
	})
	if err != nil {
		return nil, fmt.Errorf("watching interruption queue %s: %w", p.opts.InterruptionQueue, err)
	}
	return src, nil
}

// Interruptions delivers the notices of the interruption queue until ctx ends. Without a queue
// (--interruption-queue unset) the channel only closes when ctx ends.
func (p *Provider) Interruptions(ctx context.Context) <-chan cloudprovider.Interruption {
	if p.interruptions != nil {
		return p.interruptions.Interruptions(ctx)
	}
	ch := make(chan cloudprovider.Interruption)
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch
}

// providerIDOf resolves an instance of an interruption event. Instances of other clusters, or
// not launched for a NodeClaim, are not this agent's to act on. The state does not matter: a
// terminated instance's notice still ends its NodeClaim sooner than garbage collection would.
func (p *Provider) providerIDOf(ctx context.Context, instanceID string) (string, error) {
	inst, err := p.describeInstance(ctx, instanceID)
	if err != nil {
		return "", err
	}
	if inst == nil || !p.owned(inst) || inst.Placement == nil {
		return "", fmt.Errorf("instance %s: %w", instanceID, interruption.ErrInstanceNotFound)
	}
	return providerID(aws.ToString(inst.Placement.AvailabilityZone), instanceID), nil
}

// markSpotUnavailable stops offering the interrupted instance's type and zone as spot for a
// while: EC2 is reclaiming that capacity, so a replacement there would likely be interrupted too.
func (p *Provider) markSpotUnavailable(ctx context.Context, instanceID, _ string) {
	inst, err := p.describeInstance(ctx, instanceID)
	if err != nil || inst == nil || inst.Placement == nil {
		p.log.V(1).Info("cannot mark the offering of an interrupted instance unavailable", "instanceID", instanceID, "found", inst != nil)
		return
	}
	key := cloudprovider.OfferingKey{InstanceType: string(inst.InstanceType), Zone: aws.ToString(inst.Placement.AvailabilityZone), CapacityType: cloudprovider.CapacityTypeSpot}
	p.unavailable.MarkUnavailable(key)
	p.log.Info("spot interruption: offering unavailable", "offering", key.String(), "for", cloudprovider.UnavailableTTL.String())
}
