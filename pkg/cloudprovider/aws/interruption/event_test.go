package interruption

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Bodies shaped like the events EventBridge delivers to the queue.
const (
	spotBody = `{"version":"0","id":"11111111-1111-1111-1111-111111111111","detail-type":"EC2 Spot Instance Interruption Warning",
		"source":"aws.ec2","account":"123456789012","time":"2026-03-02T10:00:00Z","region":"us-east-1",
		"resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-0aaa"],"detail":{"instance-id":"i-0aaa","instance-action":"terminate"}}`
	rebalanceBody = `{"version":"0","id":"2","detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2",
		"time":"2026-03-02T10:00:00Z","region":"us-east-1","resources":[],"detail":{"instance-id":"i-0bbb"}}`
	stoppingBody = `{"version":"0","id":"3","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",
		"time":"2026-03-02T10:00:00Z","region":"us-east-1","detail":{"instance-id":"i-0ccc","state":"stopping"}}`
	runningBody = `{"version":"0","id":"4","detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",
		"time":"2026-03-02T10:00:00Z","region":"us-east-1","detail":{"instance-id":"i-0ccc","state":"running"}}`
	healthBody = `{"version":"0","id":"5","detail-type":"AWS Health Event","source":"aws.health","time":"2026-03-02T10:00:00Z",
		"region":"us-east-1","resources":["i-0ddd","i-0eee"],"detail":{"eventArn":"arn:aws:health:us-east-1::event/EC2/EC2_INSTANCE_RETIREMENT_SCHEDULED/x",
		"service":"EC2","eventTypeCode":"EC2_INSTANCE_RETIREMENT_SCHEDULED","eventTypeCategory":"scheduledChange",
		"startTime":"Mon, 09 Mar 2026 10:00:00 GMT","eventDescription":[{"language":"en_US","latestDescription":"retiring"}],
		"affectedEntities":[{"entityValue":"i-0ddd"},{"entityValue":"i-0eee"}]}}`
	healthOtherServiceBody = `{"version":"0","id":"6","detail-type":"AWS Health Event","source":"aws.health","time":"2026-03-02T10:00:00Z",
		"detail":{"service":"RDS","eventTypeCode":"AWS_RDS_MAINTENANCE_SCHEDULED","eventTypeCategory":"scheduledChange","affectedEntities":[{"entityValue":"db-1"}]}}`
)

func TestParseKnownEvents(t *testing.T) {
	sns, _ := json.Marshal(map[string]string{"Type": "Notification", "MessageId": "m", "Message": rebalanceBody})
	cases := []struct {
		name      string
		body      string
		kind      cloudprovider.InterruptionKind
		instances []string
		message   string
	}{
		{"spot", spotBody, cloudprovider.InterruptionSpot, []string{"i-0aaa"}, "EC2 will terminate spot instance i-0aaa in two minutes"},
		{"rebalance", rebalanceBody, cloudprovider.InterruptionRebalance, []string{"i-0bbb"}, "i-0bbb"},
		{"rebalance via SNS", string(sns), cloudprovider.InterruptionRebalance, []string{"i-0bbb"}, "i-0bbb"},
		{"stopping", stoppingBody, cloudprovider.InterruptionStateChange, []string{"i-0ccc"}, "instance i-0ccc is stopping"},
		{"health", healthBody, cloudprovider.InterruptionScheduled, []string{"i-0ddd", "i-0eee"}, "EC2_INSTANCE_RETIREMENT_SCHEDULED"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := Parse(tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if ev.Kind != tc.kind || strings.Join(ev.InstanceIDs, ",") != strings.Join(tc.instances, ",") || !strings.Contains(ev.Message, tc.message) {
				t.Errorf("got %+v, want %s for %v mentioning %q", ev, tc.kind, tc.instances, tc.message)
			}
			for _, id := range tc.instances {
				if !strings.Contains(ev.MessageFor(id), id) {
					t.Errorf("MessageFor(%s) = %q does not name the instance", id, ev.MessageFor(id))
				}
			}
		})
	}
}

func TestParseRejectsMalformedAndIgnoresIrrelevant(t *testing.T) {
	for name, body := range map[string]string{
		"not json":          "hello",
		"truncated":         spotBody[:40],
		"no detail-type":    `{"id":"x"}`,
		"no detail":         `{"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2"}`,
		"no instance":       `{"detail-type":"EC2 Spot Instance Interruption Warning","source":"aws.ec2","detail":{"instance-action":"terminate"}}`,
		"detail not object": `{"detail-type":"EC2 Instance Rebalance Recommendation","source":"aws.ec2","detail":"i-1"}`,
		"state missing":     `{"detail-type":"EC2 Instance State-change Notification","source":"aws.ec2","detail":{"instance-id":"i-1"}}`,
		"health no entity":  `{"detail-type":"AWS Health Event","source":"aws.health","detail":{"service":"EC2","eventTypeCategory":"scheduledChange","affectedEntities":[]}}`,
	} {
		if _, err := Parse(body); err == nil || errors.Is(err, ErrIgnored) {
			t.Errorf("%s: err = %v, want a malformed-message error", name, err)
		}
	}
	for name, body := range map[string]string{
		"running":          runningBody,
		"other service":    healthOtherServiceBody,
		"other source":     `{"detail-type":"Object Created","source":"aws.s3","detail":{}}`,
		"other ec2 detail": `{"detail-type":"EBS Volume Notification","source":"aws.ec2","detail":{"instance-id":"i-1"}}`,
	} {
		if _, err := Parse(body); !errors.Is(err, ErrIgnored) {
			t.Errorf("%s: err = %v, want ErrIgnored", name, err)
		}
	}
}
