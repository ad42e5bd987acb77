package awstest

import (
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// Launches, reads and queue traffic at once: -race checks the locking, and every launch must
// get its own instance.
func TestConcurrentCallsAreSafe(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	const n = 8
	var wg sync.WaitGroup
	ids := make(chan string, n)
	errs := make(chan error, 3*n)
	for range n {
		wg.Add(3)
		go func() {
			defer wg.Done()
			out, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large", "c5.large"))
			if err != nil {
				errs <- err
				return
			}
			ids <- out.Instances[0].InstanceIds[0]
		}()
		go func() {
			defer wg.Done()
			if _, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{}); err != nil {
				errs <- err
			}
			_ = s.Instances()
		}()
		go func() {
			defer wg.Done()
			if _, err := c.sqs.SendMessage(ctx, &sqs.SendMessageInput{QueueUrl: aws.String(seed.QueueURL), MessageBody: aws.String("x")}); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(ids)
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	seen := map[string]bool{}
	for id := range ids {
		if seen[id] {
			t.Errorf("instance %s launched twice", id)
		}
		seen[id] = true
	}
	if len(seen) != n || len(s.Instances()) != n || len(s.Messages("demo")) != n {
		t.Errorf("%d launches, %d instances, %d messages; want %d each", len(seen), len(s.Instances()), len(s.Messages("demo")), n)
	}
}
