package awstest

import (
	"fmt"
	"time"
)

// The Send* event helpers put EventBridge events on a queue exactly as an EventBridge rule with
// an SQS target delivers them, so interruption handling is tested with the real message shapes.

// eventBridgeEvent is the envelope EventBridge wraps every event in.
type eventBridgeEvent struct {
	Version    string    `json:"version"`
	ID         string    `json:"id"`
	DetailType string    `json:"detail-type"`
	Source     string    `json:"source"`
	Account    string    `json:"account"`
	Time       time.Time `json:"time"`
	Region     string    `json:"region"`
	Resources  []string  `json:"resources"`
	Detail     any       `json:"detail"`
}

func (s *Server) sendEvent(queueName, detailType, source string, resources []string, detail any) (string, error) {
	s.mu.Lock()
	s.seq++
	id := fmt.Sprintf("%08x-1111-4111-8111-%012x", s.seq, s.seq)
	s.mu.Unlock()
	return s.SendMessage(queueName, eventBridgeEvent{Version: "0", ID: id, DetailType: detailType, Source: source,
		Account: AccountID, Time: time.Now().UTC().Truncate(time.Second), Region: Region, Resources: resources, Detail: detail})
}

func instanceARN(id string) string {
	return fmt.Sprintf("arn:aws:ec2:%s:%s:instance/%s", Region, AccountID, id)
}

// SendSpotInterruption sends an "EC2 Spot Instance Interruption Warning" (action terminate).
func (s *Server) SendSpotInterruption(queueName, instanceID string) (string, error) {
	return s.sendEvent(queueName, "EC2 Spot Instance Interruption Warning", "aws.ec2", []string{instanceARN(instanceID)},
		map[string]string{"instance-id": instanceID, "instance-action": "terminate"})
}

// SendRebalanceRecommendation sends an "EC2 Instance Rebalance Recommendation".
func (s *Server) SendRebalanceRecommendation(queueName, instanceID string) (string, error) {
	return s.sendEvent(queueName, "EC2 Instance Rebalance Recommendation", "aws.ec2", []string{instanceARN(instanceID)},
		map[string]string{"instance-id": instanceID})
}

// SendStateChange sends an "EC2 Instance State-change Notification" for the state. It does not
// change the instance; use SetInstanceState for that.
func (s *Server) SendStateChange(queueName, instanceID, state string) (string, error) {
	return s.sendEvent(queueName, "EC2 Instance State-change Notification", "aws.ec2", []string{instanceARN(instanceID)},
		map[string]string{"instance-id": instanceID, "state": state})
}

// SendScheduledChange sends an "AWS Health Event" of service EC2 and category scheduledChange (an
// instance retirement) naming the instances as affected entities.
func (s *Server) SendScheduledChange(queueName string, instanceIDs ...string) (string, error) {
	type entity struct {
		EntityValue string `json:"entityValue"`
	}
	type description struct {
		Language          string `json:"language"`
		LatestDescription string `json:"latestDescription"`
	}
	entities := make([]entity, 0, len(instanceIDs))
	for _, id := range instanceIDs {
		entities = append(entities, entity{EntityValue: id})
	}
	start := time.Now().UTC().Add(7 * 24 * time.Hour).Truncate(time.Second)
	return s.sendEvent(queueName, "AWS Health Event", "aws.health", instanceIDs, map[string]any{
		"eventArn":          fmt.Sprintf("arn:aws:health:%s::event/EC2/EC2_INSTANCE_RETIREMENT_SCHEDULED/EC2_INSTANCE_RETIREMENT_SCHEDULED_%d", Region, start.Unix()),
		"service":           "EC2",
		"eventTypeCode":     "EC2_INSTANCE_RETIREMENT_SCHEDULED",
		"eventTypeCategory": "scheduledChange",
		"startTime":         start.Format(time.RFC1123),
		"endTime":           start.Add(time.Hour).Format(time.RFC1123),
		"eventDescription":  []description{{Language: "en_US", LatestDescription: "The instance is scheduled for retirement."}},
		"affectedEntities":  entities,
	})
}
