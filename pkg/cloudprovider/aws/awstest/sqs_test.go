package awstest

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"k8s.io/apimachinery/pkg/util/wait"
)

func TestSQSRoundTrip(t *testing.T) {
	s, c, ctx := newServer(t)
	s.CreateQueue("interruptions")
	url, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("interruptions")})
	if err != nil {
		t.Fatal(err)
	}
	// The SDK checks the MD5 of the body on send and receive, so a wrong checksum fails here.
	if _, err := c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: url.QueueUrl, MessageBody: aws.String(`{"detail-type":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	s.SendRawMessage("interruptions", "not json at all")

	out, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 20})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Messages) != 2 || aws.ToString(out.Messages[0].Body) != `{"detail-type":"x"}` || aws.ToString(out.Messages[1].Body) != "not json at all" {
		t.Fatalf("received %+v", out.Messages)
	}
	// Received messages are invisible until their visibility timeout ends.
	again, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: url.QueueUrl, MaxNumberOfMessages: 10})
	if err != nil || len(again.Messages) != 0 {
		t.Fatalf("second receive: %+v, %v", again.Messages, err)
	}
	for _, m := range out.Messages {
		if _, err := c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url.QueueUrl, ReceiptHandle: m.ReceiptHandle}); err != nil {
			t.Fatal(err)
		}
	}
	if left := s.Messages("interruptions"); len(left) != 0 {
		t.Errorf("messages left after deleting: %+v", left)
	}
	_, err = c.sqs.DeleteMessage(ctx, &sqs.DeleteMessageInput{QueueUrl: url.QueueUrl, ReceiptHandle: aws.String("bogus")})
	if code := errorCode(t, err); code != "ReceiptHandleIsInvalid" {
		t.Errorf("bogus handle: code %q", code)
	}
	_, err = c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("missing")})
	if code := errorCode(t, err); code != "QueueDoesNotExist" && code != "AWS.SimpleQueueService.NonExistentQueue" {
		t.Errorf("missing queue: code %q", code)
	}
}

func TestSQSVisibilityTimeoutRedelivers(t *testing.T) {
	s, c, ctx := newServer(t)
	url := s.CreateQueue("q")
	s.SendRawMessage("q", "hello")
	first, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), VisibilityTimeout: 1})
	if err != nil || len(first.Messages) != 1 {
		t.Fatalf("first receive: %+v, %v", first, err)
	}
	// The long poll sees the message come back when its one-second visibility timeout ends.
	second, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 2})
	if err != nil || len(second.Messages) != 1 {
		t.Fatalf("an undeleted message with no visibility timeout was not redelivered: %+v, %v", second, err)
	}
	if m := s.Messages("q"); len(m) != 1 || m[0].ReceiveCount != 2 {
		t.Errorf("messages = %+v, want one received twice", m)
	}
}

func TestSQSLongPollWakesOnSend(t *testing.T) {
	s, c, ctx := newServer(t)
	url := s.CreateQueue("q")
	got := make(chan int, 1)
	started := time.Now()
	go func() {
		out, err := c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
		if err != nil {
			got <- -1
			return
		}
		got <- len(out.Messages)
	}()
	// Send once the poll is waiting, which the call counter shows.
	if err := wait.PollUntilContextTimeout(ctx, 5*time.Millisecond, 5*time.Second, true, func(context.Context) (bool, error) {
		return s.Calls("ReceiveMessage") > 0, nil
	}); err != nil {
		t.Fatalf("the long poll never reached the server: %v", err)
	}
	s.SendRawMessage("q", "wake up")
	if n := <-got; n != 1 {
		t.Fatalf("long poll returned %d messages", n)
	}
	if waited := time.Since(started); waited >= MaxWait {
		t.Errorf("long poll took %v; it should end when a message arrives", waited)
	}

	// An empty long poll ends at MaxWait, not after WaitTimeSeconds.
	start := time.Now()
	ctx2, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	out, err := c.sqs.ReceiveMessage(ctx2, &sqs.ReceiveMessageInput{QueueUrl: aws.String(url), WaitTimeSeconds: 20})
	if err != nil || len(out.Messages) != 0 {
		t.Fatalf("empty poll: %+v, %v", out, err)
	}
	if d := time.Since(start); d > MaxWait+time.Second {
		t.Errorf("empty long poll took %v, want about %v", d, MaxWait)
	}
}
