package interruption

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

// fakeCloud resolves instances the test declares, and records spot callbacks.
type fakeCloud struct {
	mu        sync.Mutex
	zones     map[string]string // instance ID -> zone
	transient map[string]bool   // instance IDs whose lookup fails
	spot      []string          // instance IDs OnSpotInterruption saw
}

func (f *fakeCloud) resolve(_ context.Context, id string) (string, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.transient[id] {
		return "", errors.New("DescribeInstances: connection reset")
	}
	z, ok := f.zones[id]
	if !ok {
		return "", fmt.Errorf("instance %s: %w", id, ErrInstanceNotFound)
	}
	return "aws:///" + z + "/" + id, nil
}

func (f *fakeCloud) onSpot(_ context.Context, id, providerID string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.spot = append(f.spot, id+"="+providerID)
}

type harness struct {
	srv     *awstest.Server
	cloud   *fakeCloud
	notices <-chan cloudprovider.Interruption
	cancel  context.CancelFunc
}

// start runs a source on the queue "cluster", or on the queue name or URL prepare returns.
func start(t *testing.T, prepare func(*awstest.Server) string) *harness {
	t.Helper()
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	queue := "cluster"
	srv.CreateQueue(queue)
	if prepare != nil {
		if q := prepare(srv); q != "" {
			queue = q
		}
	}
	cloud := &fakeCloud{zones: map[string]string{"i-0aaa": "us-east-1a", "i-0bbb": "us-east-1b", "i-0ccc": "us-east-1c", "i-0ddd": "us-east-1a", "i-0eee": "us-east-1b"}, transient: map[string]bool{}}
	src, err := New(Options{
		Client: sqs.NewFromConfig(srv.Config()), Queue: queue, Resolve: cloud.resolve, OnSpotInterruption: cloud.onSpot,
		WaitTime: time.Second, MinBackoff: 10 * time.Millisecond, MaxBackoff: 50 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	return &harness{srv: srv, cloud: cloud, notices: src.Interruptions(ctx), cancel: cancel}
}

// next returns the next notice, failing the test after a deadline.
func (h *harness) next(t *testing.T) cloudprovider.Interruption {
	t.Helper()
	select {
	case n, ok := <-h.notices:
		if !ok {
			t.Fatal("the notices channel closed")
		}
		return n
	case <-time.After(20 * time.Second):
		t.Fatal("no interruption notice within 20s")
	}
	return cloudprovider.Interruption{}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 10*time.Millisecond, 20*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	}); err != nil {
		t.Fatalf("timed out waiting for %s: %v", what, err)
	}
}

func TestEachKindIsDeliveredThenDeleted(t *testing.T) {
	h := start(t, func(s *awstest.Server) string {
		for _, b := range []string{spotBody, rebalanceBody, stoppingBody, healthBody} {
			s.SendRawMessage("cluster", b)
		}
		return ""
	})
	want := []cloudprovider.Interruption{
		{ProviderID: "aws:///us-east-1a/i-0aaa", Kind: cloudprovider.InterruptionSpot},
		{ProviderID: "aws:///us-east-1b/i-0bbb", Kind: cloudprovider.InterruptionRebalance},
		{ProviderID: "aws:///us-east-1c/i-0ccc", Kind: cloudprovider.InterruptionStateChange},
		{ProviderID: "aws:///us-east-1a/i-0ddd", Kind: cloudprovider.InterruptionScheduled},
		{ProviderID: "aws:///us-east-1b/i-0eee", Kind: cloudprovider.InterruptionScheduled},
	}
	for _, w := range want {
		got := h.next(t)
		if got.ProviderID != w.ProviderID || got.Kind != w.Kind || got.Message == "" {
			t.Errorf("got %+v, want %s for %s with a message", got, w.Kind, w.ProviderID)
		}
	}
	eventually(t, "every handled message to be deleted", func() bool { return len(h.srv.Messages("cluster")) == 0 })
	h.cloud.mu.Lock()
	defer h.cloud.mu.Unlock()
	if len(h.cloud.spot) != 1 || h.cloud.spot[0] != "i-0aaa=aws:///us-east-1a/i-0aaa" {
		t.Errorf("spot callbacks = %v, want one for i-0aaa", h.cloud.spot)
	}
}

func TestMalformedAndIrrelevantMessagesAreDeletedAndTheLoopGoesOn(t *testing.T) {
	h := start(t, func(s *awstest.Server) string {
		s.SendRawMessage("cluster", "{not json")
		s.SendRawMessage("cluster", `{"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","detail":{}}`)
		s.SendRawMessage("cluster", runningBody)
		s.SendRawMessage("cluster", healthOtherServiceBody)
		return ""
	})
	// A message after the bad ones still arrives.
	h.srv.SendRawMessage("cluster", rebalanceBody)
	if got := h.next(t); got.Kind != cloudprovider.InterruptionRebalance {
		t.Fatalf("got %+v, want the rebalance recommendation", got)
	}
	eventually(t, "all messages to be deleted", func() bool { return len(h.srv.Messages("cluster")) == 0 })
	if n := h.srv.Calls("DeleteMessage"); n != 5 {
		t.Errorf("DeleteMessage calls = %d, want 5", n)
	}
}

func TestUnknownInstancesAreDroppedAndFailedLookupsKept(t *testing.T) {
	h := start(t, nil)
	h.cloud.mu.Lock()
	h.cloud.transient["i-0ccc"] = true
	h.cloud.mu.Unlock()
	h.srv.SendRawMessage("cluster", strings.ReplaceAll(spotBody, "i-0aaa", "i-0zzz")) // not ours
	kept := h.srv.SendRawMessage("cluster", stoppingBody)                             // lookup fails
	h.srv.SendRawMessage("cluster", rebalanceBody)
	if got := h.next(t); got.Kind != cloudprovider.InterruptionRebalance {
		t.Fatalf("got %+v, want the rebalance recommendation", got)
	}
	eventually(t, "only the message whose lookup failed to stay", func() bool {
		left := h.srv.Messages("cluster")
		return len(left) == 1 && left[0].ID == kept
	})
	h.cloud.mu.Lock()
	defer h.cloud.mu.Unlock()
	if len(h.cloud.spot) != 0 {
		t.Errorf("the spot callback ran for an instance that is not ours: %v", h.cloud.spot)
	}
}

func TestThrottlingAndOutagesAreRetried(t *testing.T) {
	h := start(t, func(s *awstest.Server) string {
		// More than the SDK's five attempts, so the source's own backoff must carry on.
		s.Throttle("GetQueueUrl", 7)
		s.Throttle("ReceiveMessage", 12)
		s.SendRawMessage("cluster", spotBody)
		return ""
	})
	if got := h.next(t); got.Kind != cloudprovider.InterruptionSpot {
		t.Fatalf("got %+v", got)
	}
	if n := h.srv.Calls("ReceiveMessage"); n < 13 {
		t.Errorf("ReceiveMessage calls = %d, want the 12 throttled ones and more", n)
	}
	h.srv.FailWith("ReceiveMessage", 503, 12)
	h.srv.SendRawMessage("cluster", rebalanceBody)
	if got := h.next(t); got.Kind != cloudprovider.InterruptionRebalance {
		t.Fatalf("after an outage got %+v", got)
	}
}

func TestQueueByURLAndChannelClosesWithTheContext(t *testing.T) {
	h := start(t, func(s *awstest.Server) string { return s.CreateQueue("by-url") })
	h.srv.SendRawMessage("by-url", stoppingBody)
	if n := h.next(t); n.ProviderID != "aws:///us-east-1c/i-0ccc" {
		t.Errorf("got %+v", n)
	}
	if n := h.srv.Calls("GetQueueUrl"); n != 0 {
		t.Errorf("GetQueueUrl calls = %d; a URL needs no lookup", n)
	}
	h.cancel()
	select {
	case _, ok := <-h.notices:
		if ok {
			t.Error("a notice after cancel")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the channel did not close after the context ended")
	}
}

func TestNewValidates(t *testing.T) {
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	c := sqs.NewFromConfig(srv.Config())
	resolve := func(context.Context, string) (string, error) { return "", nil }
	for name, o := range map[string]Options{
		"no client":    {Queue: "q", Resolve: resolve},
		"no queue":     {Client: c, Resolve: resolve},
		"no resolver":  {Client: c, Queue: "q"},
		"wait too big": {Client: c, Queue: "q", Resolve: resolve, WaitTime: time.Minute},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// The test server's event helpers and this package agree on the message shapes.
func TestEventsFromTheTestServer(t *testing.T) {
	h := start(t, nil)
	send := []func() (string, error){
		func() (string, error) { return h.srv.SendSpotInterruption("cluster", "i-0aaa") },
		func() (string, error) { return h.srv.SendRebalanceRecommendation("cluster", "i-0bbb") },
		func() (string, error) { return h.srv.SendStateChange("cluster", "i-0ccc", "terminated") },
		func() (string, error) { return h.srv.SendScheduledChange("cluster", "i-0ddd") },
	}
	for _, f := range send {
		if _, err := f(); err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []cloudprovider.InterruptionKind{cloudprovider.InterruptionSpot, cloudprovider.InterruptionRebalance,
		cloudprovider.InterruptionStateChange, cloudprovider.InterruptionScheduled} {
		if got := h.next(t); got.Kind != want {
			t.Errorf("got %+v, want %s", got, want)
		}
	}
}
