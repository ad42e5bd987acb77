package interruption

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/go-logr/logr"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// ErrInstanceNotFound is what a Resolver returns (wrapped) for an instance that is not this
// cluster's or no longer exists: its notices are dropped rather than retried.
var ErrInstanceNotFound = errors.New("instance not found")

// Resolver returns the provider ID (aws:///<zone>/<instance-id>) of an instance.
type Resolver func(ctx context.Context, instanceID string) (providerID string, err error)

// SQSAPI is the part of the SQS client the source uses.
type SQSAPI interface {
	GetQueueUrl(ctx context.Context, in *sqs.GetQueueUrlInput, opts ...func(*sqs.Options)) (*sqs.GetQueueUrlOutput, error)
	ReceiveMessage(ctx context.Context, in *sqs.ReceiveMessageInput, opts ...func(*sqs.Options)) (*sqs.ReceiveMessageOutput, error)
	DeleteMessage(ctx context.Context, in *sqs.DeleteMessageInput, opts ...func(*sqs.Options)) (*sqs.DeleteMessageOutput, error)
}

// Options configure a Source. Client, Queue and Resolve are required.
type Options struct {
	Client SQSAPI
	// Queue is the queue's name or URL.
	Queue   string
	Resolve Resolver
	// OnSpotInterruption, if set, is called for each spot interruption warning before its notice
	// is delivered, so the provider can stop offering the instance's type and zone as spot.
	OnSpotInterruption func(ctx context.Context, instanceID, providerID string)
	Log                logr.Logger
	// WaitTime is the long poll, at most 20s (SQS's limit); 20s when zero.
	WaitTime time.Duration
	// MinBackoff and MaxBackoff bound the wait after a failed receive; 1s and 1m when zero.
	MinBackoff, MaxBackoff time.Duration
}

// Source delivers the queue's interruption notices.
type Source struct {
	opts Options
}

var _ cloudprovider.InterruptionSource = (*Source)(nil)

// New checks the options and returns a Source; it makes no call until Interruptions.
func New(opts Options) (*Source, error) {
	switch {
	case opts.Client == nil:
		return nil, errors.New("interruption source: no SQS client")
	case opts.Queue == "":
		return nil, errors.New("interruption source: no queue")
	case opts.Resolve == nil:
		return nil, errors.New("interruption source: no instance resolver")
	case opts.WaitTime > 20*time.Second || opts.WaitTime < 0:
		return nil, fmt.Errorf("interruption source: wait time %v is outside SQS's 0-20s", opts.WaitTime)
	}
	if opts.WaitTime == 0 {
		opts.WaitTime = 20 * time.Second
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = time.Second
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = max(time.Minute, opts.MinBackoff)
	}
	return &Source{opts: opts}, nil
}

// Interruptions polls the queue until ctx ends, then closes the channel.
func (s *Source) Interruptions(ctx context.Context) <-chan cloudprovider.Interruption {
	out := make(chan cloudprovider.Interruption)
	go func() {
		defer close(out)
		s.run(ctx, out)
	}()
	return out
}

func (s *Source) run(ctx context.Context, out chan<- cloudprovider.Interruption) {
	log := s.opts.Log.WithValues("queue", s.opts.Queue)
	backoff := s.opts.MinBackoff
	// fail logs err and waits before the next attempt, longer each time; false once ctx ended.
	fail := func(what string, err error) bool {
		if ctx.Err() != nil {
			return false
		}
		log.Error(err, what+"; retrying", "after", backoff)
		t := time.NewTimer(backoff)
		defer t.Stop()
		backoff = min(2*backoff, s.opts.MaxBackoff)
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}

	var url string
	for url == "" {
		u, err := s.queueURL(ctx)
		if err == nil {
			url = u
			break
		}
		if !fail("finding the interruption queue", err) {
			return
		}
	}
	backoff = s.opts.MinBackoff
	log.Info("reading interruption notices", "url", url)
	for ctx.Err() == nil {
		resp, err := s.opts.Client.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{
			QueueUrl:            aws.String(url),
			MaxNumberOfMessages: 10,
			WaitTimeSeconds:     int32(s.opts.WaitTime / time.Second),
		})
		if err != nil {
			if !fail("receiving interruption notices", err) {
				return
			}
			continue
		}
		backoff = s.opts.MinBackoff
		for _, m := range resp.Messages {
			if !s.handle(ctx, log, url, m, out) {
				return
			}
		}
	}
}

func (s *Source) queueURL(ctx context.Context) (string, error) {
	if strings.HasPrefix(s.opts.Queue, "https://") || strings.HasPrefix(s.opts.Queue, "http://") {
		return s.opts.Queue, nil
	}
	resp, err := s.opts.Client.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String(s.opts.Queue)})
	if err != nil {
		return "", fmt.Errorf("getting the URL of queue %s: %w", s.opts.Queue, err)
	}
	return aws.ToString(resp.QueueUrl), nil
}

// handle delivers one message's notices and deletes it; false once ctx ended.
func (s *Source) handle(ctx context.Context, log logr.Logger, url string, m sqstypes.Message, out chan<- cloudprovider.Interruption) bool {
	log = log.WithValues("messageID", aws.ToString(m.MessageId))
	ev, err := Parse(aws.ToString(m.Body))
	switch {
	case errors.Is(err, ErrIgnored):
		log.V(1).Info("deleting a notice that needs no action", "reason", err.Error())
		s.delete(ctx, log, url, m)
		return true
	case err != nil:
		log.Error(err, "deleting a malformed interruption message", "body", truncate(aws.ToString(m.Body), 512))
		s.delete(ctx, log, url, m)
		return true
	}
	log = log.WithValues("event", ev.ID, "kind", ev.Kind)
	for _, id := range ev.InstanceIDs {
		providerID, err := s.opts.Resolve(ctx, id)
		if errors.Is(err, ErrInstanceNotFound) {
			log.V(1).Info("ignoring a notice for an instance that is not this cluster's", "instance", id)
			continue
		}
		if err != nil {
			if ctx.Err() == nil {
				// Left on the queue, the message comes back after its visibility timeout.
				log.Error(err, "resolving an interrupted instance; the notice will be redelivered", "instance", id)
			}
			return ctx.Err() == nil
		}
		if ev.Kind == cloudprovider.InterruptionSpot && s.opts.OnSpotInterruption != nil {
			s.opts.OnSpotInterruption(ctx, id, providerID)
		}
		select {
		case out <- cloudprovider.Interruption{ProviderID: providerID, Kind: ev.Kind, Message: ev.MessageFor(id)}:
		case <-ctx.Done():
			return false
		}
		log.Info("delivered an interruption notice", "instance", id, "providerID", providerID)
	}
	s.delete(ctx, log, url, m)
	return true
}

// delete removes a handled message. A failure is only logged: the message comes back, and
// handling it twice is harmless.
func (s *Source) delete(ctx context.Context, log logr.Logger, url string, m sqstypes.Message) {
	_, err := s.opts.Client.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: aws.String(url), ReceiptHandle: m.ReceiptHandle})
	if err != nil && ctx.Err() == nil {
		log.Error(err, "deleting an interruption message; it will be redelivered")
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
