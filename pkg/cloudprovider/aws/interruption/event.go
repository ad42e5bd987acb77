package interruption

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// EventBridge detail types and sources of the events this package understands.
const (
	DetailSpotInterruption = "EC2 Spot Instance Interruption Warning"
	DetailRebalance        = "EC2 Instance Rebalance Recommendation"
	DetailStateChange      = "EC2 Instance State-change Notification"
	DetailHealth           = "AWS Health Event"

	sourceEC2    = "aws.ec2"
	sourceHealth = "aws.health"
)

// ErrIgnored says a well-formed event is of a kind, or in a state, that needs no action (an
// instance starting, a Health event about another service). Such messages are deleted quietly.
var ErrIgnored = errors.New("event needs no action")

// Event is a parsed interruption notice.
type Event struct {
	// ID is EventBridge's event ID, for logs.
	ID   string
	Kind cloudprovider.InterruptionKind
	// InstanceIDs are the affected instances; a Health event may name several.
	InstanceIDs []string
	// Message says what happens, for the Interruption's Message (and so the Events a person reads).
	Message string
	Time    time.Time
}

// envelope is the part of an EventBridge event common to all detail types.
type envelope struct {
	Version    string          `json:"version"`
	ID         string          `json:"id"`
	DetailType string          `json:"detail-type"`
	Source     string          `json:"source"`
	Time       time.Time       `json:"time"`
	Resources  []string        `json:"resources"`
	Detail     json.RawMessage `json:"detail"`
}

type instanceDetail struct {
	InstanceID     string `json:"instance-id"`
	InstanceAction string `json:"instance-action"`
	State          string `json:"state"`
}

type healthDetail struct {
	EventTypeCode     string `json:"eventTypeCode"`
	EventTypeCategory string `json:"eventTypeCategory"`
	Service           string `json:"service"`
	StartTime         string `json:"startTime"`
	AffectedEntities  []struct {
		EntityValue string `json:"entityValue"`
	} `json:"affectedEntities"`
}

// snsNotification is what a queue subscribed to an SNS topic receives: the event as a string.
type snsNotification struct {
	Type    string `json:"Type"`
	Message string `json:"Message"`
}

// interruptingStates are the instance states that take a node away.
var interruptingStates = map[string]bool{"stopping": true, "stopped": true, "shutting-down": true, "terminated": true}

// Parse reads one SQS message body. It returns ErrIgnored (wrapped) for an event that needs no
// action, and another error for a body that is not a well-formed event of a known kind.
func Parse(body string) (Event, error) {
	var env envelope
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		return Event{}, fmt.Errorf("not an EventBridge event: %w", err)
	}
	if env.DetailType == "" {
		var sns snsNotification
		if err := json.Unmarshal([]byte(body), &sns); err == nil && sns.Type == "Notification" && sns.Message != "" {
			return Parse(sns.Message)
		}
		return Event{}, errors.New("not an EventBridge event: no detail-type")
	}
	if len(env.Detail) == 0 || string(env.Detail) == "null" {
		return Event{}, fmt.Errorf("%s event %s has no detail", env.DetailType, env.ID)
	}
	ev := Event{ID: env.ID, Time: env.Time}
	switch {
	case env.Source == sourceHealth && env.DetailType == DetailHealth:
		return parseHealth(ev, env)
	case env.Source != sourceEC2:
		return Event{}, fmt.Errorf("%w: %q from %q", ErrIgnored, env.DetailType, env.Source)
	}
	var d instanceDetail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return Event{}, fmt.Errorf("reading the detail of %s event %s: %w", env.DetailType, env.ID, err)
	}
	if !strings.HasPrefix(d.InstanceID, "i-") {
		return Event{}, fmt.Errorf("%s event %s names no instance (instance-id %q)", env.DetailType, env.ID, d.InstanceID)
	}
	ev.InstanceIDs = []string{d.InstanceID}
	switch env.DetailType {
	case DetailSpotInterruption:
		ev.Kind = cloudprovider.InterruptionSpot
		action := d.InstanceAction
		if action == "" {
			action = "terminate"
		}
		ev.Message = fmt.Sprintf("EC2 will %s spot instance %s in two minutes", action, d.InstanceID)
	case DetailRebalance:
		ev.Kind = cloudprovider.InterruptionRebalance
		ev.Message = fmt.Sprintf("EC2 recommends rebalancing spot instance %s: its risk of interruption rose", d.InstanceID)
	case DetailStateChange:
		if d.State == "" {
			return Event{}, fmt.Errorf("%s event %s has no state", env.DetailType, env.ID)
		}
		if !interruptingStates[d.State] {
			return Event{}, fmt.Errorf("%w: instance %s is %s", ErrIgnored, d.InstanceID, d.State)
		}
		ev.Kind = cloudprovider.InterruptionStateChange
		ev.Message = fmt.Sprintf("instance %s is %s", d.InstanceID, d.State)
	default:
		return Event{}, fmt.Errorf("%w: %q", ErrIgnored, env.DetailType)
	}
	return ev, nil
}

func parseHealth(ev Event, env envelope) (Event, error) {
	var d healthDetail
	if err := json.Unmarshal(env.Detail, &d); err != nil {
		return Event{}, fmt.Errorf("reading the detail of Health event %s: %w", env.ID, err)
	}
	if d.Service != "EC2" || d.EventTypeCategory != "scheduledChange" {
		return Event{}, fmt.Errorf("%w: Health event %s is a %s of %s", ErrIgnored, d.EventTypeCode, d.EventTypeCategory, d.Service)
	}
	for _, e := range d.AffectedEntities {
		if strings.HasPrefix(e.EntityValue, "i-") {
			ev.InstanceIDs = append(ev.InstanceIDs, e.EntityValue)
		}
	}
	if len(ev.InstanceIDs) == 0 {
		return Event{}, fmt.Errorf("the AWS Health event %s (%s) names no instance", env.ID, d.EventTypeCode)
	}
	ev.Kind = cloudprovider.InterruptionScheduled
	ev.Message = "AWS Health scheduled " + d.EventTypeCode
	if d.StartTime != "" {
		ev.Message += " starting " + d.StartTime
	}
	return ev, nil
}

// MessageFor is the message of the event's notice about one of its instances.
func (e Event) MessageFor(instanceID string) string {
	if strings.Contains(e.Message, instanceID) {
		return e.Message
	}
	return e.Message + " for instance " + instanceID
}
