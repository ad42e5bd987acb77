package aws

import (
	"context"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// interruptionSource delivers the interruption notices of an SQS queue.
type interruptionSource interface {
	Interruptions(ctx context.Context) <-chan cloudprovider.Interruption
}

var _ cloudprovider.InterruptionSource = (*Provider)(nil)

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
