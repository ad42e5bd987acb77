package cloudprovider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// CloudProvider is what the agent needs from a cloud. The simulated EC2 and the AWS provider both
// implement it; the agent has no provider-specific code.
type CloudProvider interface {
	// Create launches an instance for the NodeClaim, choosing the cheapest available offering
	// among the instance types and zones its requirements allow. It returns the NodeClaim as
	// launched: status.providerID, imageID, capacity and allocatable, and the labels of the chosen
	// instance type, zone and capacity type. When no offering has capacity it returns an
	// *InsufficientCapacityError naming what it tried.
	Create(ctx context.Context, nodeClaim *karpv1.NodeClaim) (*karpv1.NodeClaim, error)
	// Delete terminates the NodeClaim's instance. It returns a *NodeClaimNotFoundError once the
	// instance is gone, so callers can treat deletion as idempotent.
	Delete(ctx context.Context, nodeClaim *karpv1.NodeClaim) error
	// Get returns the instance with the provider ID as a NodeClaim, or *NodeClaimNotFoundError.
	Get(ctx context.Context, providerID string) (*karpv1.NodeClaim, error)
	// List returns every instance this cluster's agent launched, as NodeClaims carrying the
	// providerID and the NodeClaim name they were launched for.
	List(ctx context.Context) ([]*karpv1.NodeClaim, error)
	// GetInstanceTypes returns the instance types a NodePool may launch, with offerings whose
	// Available flag reflects recent capacity errors.
	GetInstanceTypes(ctx context.Context, nodePool *karpv1.NodePool) ([]*InstanceType, error)
	// IsDrifted reports why the NodeClaim no longer matches its node class, or "" when it does.
	IsDrifted(ctx context.Context, nodeClaim *karpv1.NodeClaim) (DriftReason, error)
	// Name identifies the provider in logs, metrics and provider IDs.
	Name() string
}

// DriftReason says what drifted, for example "AMIDrift: ami-1 is no longer selected".
type DriftReason string

// InsufficientCapacityError says that none of the offerings a launch tried had capacity.
type InsufficientCapacityError struct {
	// Offerings are the instance type / zone / capacity type combinations that were refused.
	Offerings []OfferingKey
	Message   string
}

// OfferingKey names one offering of one instance type.
type OfferingKey struct {
	InstanceType string
	Zone         string
	CapacityType string
}

func (k OfferingKey) String() string {
	return k.InstanceType + "/" + k.Zone + "/" + k.CapacityType
}

func (e *InsufficientCapacityError) Error() string {
	keys := make([]string, 0, len(e.Offerings))
	for _, k := range e.Offerings {
		keys = append(keys, k.String())
	}
	msg := "insufficient capacity: no offering matches the requirements"
	if len(keys) > 0 {
		msg = fmt.Sprintf("insufficient capacity for %s", strings.Join(keys, ", "))
	}
	if e.Message != "" {
		msg += ": " + e.Message
	}
	return msg
}

// NodeClaimNotFoundError says the instance behind a NodeClaim does not exist (any more).
type NodeClaimNotFoundError struct {
	ProviderID string
}

func (e *NodeClaimNotFoundError) Error() string {
	return fmt.Sprintf("instance %q not found", e.ProviderID)
}

// NodeClassNotReadyError says the node class a NodeClaim references cannot be used yet, and why.
type NodeClassNotReadyError struct {
	Name   string
	Reason string
}

func (e *NodeClassNotReadyError) Error() string {
	return fmt.Sprintf("node class %q is not ready: %s", e.Name, e.Reason)
}

// IsInsufficientCapacity reports whether err is, or wraps, an InsufficientCapacityError.
func IsInsufficientCapacity(err error) bool {
	var ice *InsufficientCapacityError
	return errors.As(err, &ice)
}

// IsNodeClaimNotFound reports whether err is, or wraps, a NodeClaimNotFoundError.
func IsNodeClaimNotFound(err error) bool {
	var nf *NodeClaimNotFoundError
	return errors.As(err, &nf)
}

// IsNodeClassNotReady reports whether err is, or wraps, a NodeClassNotReadyError.
func IsNodeClassNotReady(err error) bool {
	var nr *NodeClassNotReadyError
	return errors.As(err, &nr)
}

// InterruptionKind says why a cloud is taking an instance back.
type InterruptionKind string

// Interruption kinds, as EC2 names the underlying events.
const (
	InterruptionSpot        InterruptionKind = "SpotInterruption"
	InterruptionRebalance   InterruptionKind = "RebalanceRecommendation"
	InterruptionScheduled   InterruptionKind = "ScheduledChange"
	InterruptionStateChange InterruptionKind = "InstanceStateChange"
)

// Interruption is a notice that an instance will stop or has stopped.
type Interruption struct {
	ProviderID string
	Kind       InterruptionKind
	Message    string
}

// InterruptionSource is implemented by providers that deliver interruption notices (the AWS
// provider from SQS, the simulated one from fault injection). The agent drains and replaces the
// affected nodes.
type InterruptionSource interface {
	// Interruptions delivers notices until ctx is done, then closes the channel.
	Interruptions(ctx context.Context) <-chan Interruption
}
