package simulated

import (
	"context"
	"fmt"
	"maps"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Get returns the instance with the provider ID as a NodeClaim, or a NodeClaimNotFoundError once
// it is terminated or when it never existed.
func (p *Provider) Get(ctx context.Context, providerID string) (*karpv1.NodeClaim, error) {
	_, id, err := ParseProviderID(providerID)
	if err != nil {
		return nil, &cloudprovider.NodeClaimNotFoundError{ProviderID: providerID}
	}
	in, err := p.getRecordByID(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("getting instance %s: %w", providerID, err)
	}
	if in == nil || in.State == StateTerminated {
		return nil, &cloudprovider.NodeClaimNotFoundError{ProviderID: providerID}
	}
	return in.nodeClaim(), nil
}

// List returns every instance not yet terminated, as NodeClaims named after the NodeClaim each
// was launched for, oldest first.
func (p *Provider) List(ctx context.Context) ([]*karpv1.NodeClaim, error) {
	records, err := p.listRecords(ctx)
	if err != nil {
		return nil, err
	}
	sort.Slice(records, func(i, j int) bool {
		if !records[i].LaunchTime.Equal(records[j].LaunchTime) {
			return records[i].LaunchTime.Before(records[j].LaunchTime)
		}
		return records[i].ID < records[j].ID
	})
	out := make([]*karpv1.NodeClaim, 0, len(records))
	for _, in := range records {
		if in.State != StateTerminated {
			out = append(out, in.nodeClaim())
		}
	}
	return out, nil
}

// Delete terminates the NodeClaim's instance: it marks it terminated, deletes its Node and then
// its record. The instance is found by the NodeClaim's provider ID or, when the NodeClaim never
// learned it (the agent crashed mid-launch), by its name. It returns a NodeClaimNotFoundError
// when there is no instance (any more).
func (p *Provider) Delete(ctx context.Context, nodeClaim *karpv1.NodeClaim) error {
	in, err := p.recordFor(ctx, nodeClaim)
	if err != nil {
		return err
	}
	if in == nil {
		return &cloudprovider.NodeClaimNotFoundError{ProviderID: nodeClaim.Status.ProviderID}
	}
	wasTerminated := in.State == StateTerminated
	if err := p.terminate(ctx, in); err != nil {
		return err
	}
	if wasTerminated {
		// An earlier Delete had already terminated it and crashed before cleaning up.
		return &cloudprovider.NodeClaimNotFoundError{ProviderID: in.providerID()}
	}
	return nil
}

// recordFor finds the instance of a NodeClaim, nil when it has none.
func (p *Provider) recordFor(ctx context.Context, nodeClaim *karpv1.NodeClaim) (*instance, error) {
	if nodeClaim.Status.ProviderID != "" {
		id, ours := instanceIDOf(nodeClaim.Status.ProviderID)
		if !ours {
			return nil, nil
		}
		in, err := p.getRecordByID(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("finding the instance of NodeClaim %s: %w", nodeClaim.Name, err)
		}
		return in, nil
	}
	in, err := p.getRecord(ctx, recordName(nodeClaim.Name))
	if err != nil {
		return nil, fmt.Errorf("finding the instance of NodeClaim %s: %w", nodeClaim.Name, err)
	}
	return in, nil
}

// instanceIDOf returns the instance id in a provider ID; false when the ID is not one this
// provider makes, so it names none of its instances.
func instanceIDOf(providerID string) (string, bool) {
	_, id, err := ParseProviderID(providerID)
	return id, err == nil
}

// terminate marks the instance terminated first, so that a crash half-way leaves a record List
// ignores and a retry completes, then deletes its Node and its record.
func (p *Provider) terminate(ctx context.Context, in *instance) error {
	if in.State != StateTerminated {
		if _, err := p.updateRecord(ctx, in.recordName, func(r *instance) bool {
			if r.ID != in.ID || r.State == StateTerminated {
				return false
			}
			r.State = StateTerminated
			return true
		}); err != nil {
			return fmt.Errorf("terminating instance %s: %w", in.ID, err)
		}
	}
	p.unschedule(in.recordName)
	if err := p.deleteNode(ctx, in.NodeName); err != nil {
		return fmt.Errorf("terminating instance %s: %w", in.ID, err)
	}
	if err := p.deleteRecord(ctx, in.recordName); err != nil {
		return fmt.Errorf("terminating instance %s: %w", in.ID, err)
	}
	return nil
}

// nodeClaim describes the instance as the NodeClaim it was launched for. Its creation time is
// the launch time, so garbage collection can leave young instances alone as upstream does.
func (in *instance) nodeClaim() *karpv1.NodeClaim {
	nc := &karpv1.NodeClaim{
		TypeMeta: metav1.TypeMeta{APIVersion: karpv1.SchemeGroupVersion.String(), Kind: "NodeClaim"},
		ObjectMeta: metav1.ObjectMeta{
			Name:              in.NodeClaim,
			Labels:            maps.Clone(in.Labels),
			CreationTimestamp: metav1.NewTime(in.LaunchTime),
		},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: in.NodeClass},
		},
		Status: karpv1.NodeClaimStatus{
			ProviderID:  in.providerID(),
			ImageID:     in.ImageID,
			Capacity:    in.Capacity.DeepCopy(),
			Allocatable: in.Allocatable.DeepCopy(),
		},
	}
	if in.State == StateShuttingDown {
		nc.Status.Conditions = []metav1.Condition{{
			Type:               karpv1.ConditionTypeInstanceTerminating,
			Status:             metav1.ConditionTrue,
			Reason:             string(cloudprovider.InterruptionSpot),
			Message:            "the instance received a spot interruption",
			LastTransitionTime: metav1.NewTime(in.InterruptedAt),
		}}
	}
	return nc
}
