package fake

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/clock"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// PriceAnnotationKey is where a launched NodeClaim carries its hourly price, as real providers do.
const PriceAnnotationKey = karpv1.PriceAnnotationKey

// ProviderIDPrefix starts every provider ID the fake hands out: fake:///<zone>/i-<n>.
const ProviderIDPrefix = "fake:///"

// ImageID is the image every fake instance boots from.
const ImageID = "ami-fake"

// CloudProvider is an in-memory cloudprovider.CloudProvider. The zero value is not usable; call
// New. It is safe for concurrent use.
type CloudProvider struct {
	unavailable *cloudprovider.UnavailableOfferings

	mu            sync.Mutex
	instanceTypes []*cloudprovider.InstanceType
	noCapacity    map[cloudprovider.OfferingKey]bool
	errs          map[string][]error
	drifted       map[string]cloudprovider.DriftReason
	// instances by provider ID; launchedFor maps a NodeClaim name to its provider ID.
	instances   map[string]*karpv1.NodeClaim
	launchedFor map[string]string
	calls       Calls
}

// instanceIDs numbers instances across every fake provider of the process, so that tests sharing
// an API server never see two Nodes of the same name.
var instanceIDs atomic.Uint64

var _ cloudprovider.CloudProvider = (*CloudProvider)(nil)

// Calls records what the provider was asked, in order.
type Calls struct {
	// Create holds the names of the NodeClaims Create was called for.
	Create []string
	// Delete holds the provider IDs (or, for an unlaunched NodeClaim, the name) Delete was called for.
	Delete []string
	// Get holds the provider IDs Get was called for.
	Get []string
	// List counts the calls of List.
	List int
	// GetInstanceTypes holds the NodePool names GetInstanceTypes was called for.
	GetInstanceTypes []string
}

// Method names for FailNext.
const (
	MethodCreate           = "Create"
	MethodDelete           = "Delete"
	MethodGet              = "Get"
	MethodList             = "List"
	MethodGetInstanceTypes = "GetInstanceTypes"
)

// New returns a provider with DefaultInstanceTypes. clk drives the expiry of unavailable
// offerings; nil means the real clock.
func New(clk clock.Clock) *CloudProvider {
	if clk == nil {
		clk = clock.RealClock{}
	}
	return &CloudProvider{
		unavailable:   cloudprovider.NewUnavailableOfferings(clk, cloudprovider.UnavailableTTL),
		instanceTypes: DefaultInstanceTypes(),
		noCapacity:    map[cloudprovider.OfferingKey]bool{},
		errs:          map[string][]error{},
		drifted:       map[string]cloudprovider.DriftReason{},
		instances:     map[string]*karpv1.NodeClaim{},
		launchedFor:   map[string]string{},
	}
}

// SetInstanceTypes replaces the catalog.
func (p *CloudProvider) SetInstanceTypes(its ...*cloudprovider.InstanceType) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.instanceTypes = its
}

// InsufficientCapacity makes launches into the offerings fail with insufficient capacity until
// RestoreCapacity. As with EC2, the provider learns it only by trying: Create marks each refused
// offering unavailable and moves on to the next cheapest.
func (p *CloudProvider) InsufficientCapacity(keys ...cloudprovider.OfferingKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, k := range keys {
		p.noCapacity[k] = true
	}
}

// RestoreCapacity undoes InsufficientCapacity for every offering. Offerings already marked
// unavailable stay so until their TTL passes.
func (p *CloudProvider) RestoreCapacity() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noCapacity = map[cloudprovider.OfferingKey]bool{}
}

// IsUnavailable reports whether the offering is marked unavailable after a capacity error.
func (p *CloudProvider) IsUnavailable(k cloudprovider.OfferingKey) bool {
	return p.unavailable.IsUnavailable(k)
}

// FailNext makes the next calls of the method (MethodCreate, ...) return errs, one per call.
func (p *CloudProvider) FailNext(method string, errs ...error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.errs[method] = append(p.errs[method], errs...)
}

// SetDrifted makes IsDrifted report the reason for the provider ID; "" clears it.
func (p *CloudProvider) SetDrifted(providerID string, reason cloudprovider.DriftReason) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drifted[providerID] = reason
}

// AddInstance records an instance as if it had been launched, for example an orphan. It must
// carry status.providerID; its name is the NodeClaim it was launched for.
func (p *CloudProvider) AddInstance(nc *karpv1.NodeClaim) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.instances[nc.Status.ProviderID] = nc.DeepCopy()
	if nc.Name != "" {
		p.launchedFor[nc.Name] = nc.Status.ProviderID
	}
}

// Instances returns copies of the running instances, sorted by provider ID.
func (p *CloudProvider) Instances() []*karpv1.NodeClaim {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.listLocked()
}

// Calls returns a copy of the calls so far.
func (p *CloudProvider) Calls() Calls {
	p.mu.Lock()
	defer p.mu.Unlock()
	return Calls{
		Create:           append([]string(nil), p.calls.Create...),
		Delete:           append([]string(nil), p.calls.Delete...),
		Get:              append([]string(nil), p.calls.Get...),
		List:             p.calls.List,
		GetInstanceTypes: append([]string(nil), p.calls.GetInstanceTypes...),
	}
}

// popErr returns the next queued error of the method, or nil. p.mu must be held.
func (p *CloudProvider) popErr(method string) error {
	q := p.errs[method]
	if len(q) == 0 {
		return nil
	}
	p.errs[method] = q[1:]
	return q[0]
}

// Create launches the cheapest offering that the NodeClaim's requirements allow, whose instance
// type fits its resource requests and that has capacity.
func (p *CloudProvider) Create(_ context.Context, nc *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls.Create = append(p.calls.Create, nc.Name)
	if err := p.popErr(MethodCreate); err != nil {
		return nil, err
	}
	if id, ok := p.launchedFor[nc.Name]; ok {
		if in, ok := p.instances[id]; ok {
			return in.DeepCopy(), nil
		}
	}

	type candidate struct {
		it *cloudprovider.InstanceType
		of cloudprovider.Offering
	}
	var candidates []candidate
	for _, it := range p.unavailable.Apply(p.instanceTypes) {
		if !fits(it, nc.Spec.Resources.Requests) {
			continue
		}
		for _, of := range it.Offerings {
			if of.Available && matches(offeringLabels(it, of), nc.Spec.Requirements) {
				candidates = append(candidates, candidate{it, of})
			}
		}
	}
	sort.SliceStable(candidates, func(i, j int) bool { return candidates[i].of.Price < candidates[j].of.Price })

	var tried []cloudprovider.OfferingKey
	for _, c := range candidates {
		key := cloudprovider.OfferingKey{InstanceType: c.it.Name, Zone: c.of.Zone, CapacityType: c.of.CapacityType}
		if p.noCapacity[key] {
			p.unavailable.MarkUnavailable(key)
			tried = append(tried, key)
			continue
		}
		return p.launchLocked(nc, c.it, c.of), nil
	}
	if len(tried) == 0 {
		return nil, &cloudprovider.InsufficientCapacityError{Message: "no available offering satisfies the NodeClaim's requirements and resource requests"}
	}
	return nil, &cloudprovider.InsufficientCapacityError{Offerings: tried}
}

func (p *CloudProvider) launchLocked(nc *karpv1.NodeClaim, it *cloudprovider.InstanceType, of cloudprovider.Offering) *karpv1.NodeClaim {
	providerID := fmt.Sprintf("%s%s/i-%017x", ProviderIDPrefix, of.Zone, instanceIDs.Add(1))
	out := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:        nc.Name,
			Labels:      map[string]string{},
			Annotations: map[string]string{PriceAnnotationKey: strconv.FormatFloat(of.Price, 'f', -1, 64)},
		},
		Spec: *nc.Spec.DeepCopy(),
		Status: karpv1.NodeClaimStatus{
			ProviderID:  providerID,
			ImageID:     ImageID,
			Capacity:    it.Capacity.DeepCopy(),
			Allocatable: it.Allocatable.DeepCopy(),
		},
	}
	for k, v := range nc.Labels {
		out.Labels[k] = v
	}
	for k, v := range offeringLabels(it, of) {
		out.Labels[k] = v
	}
	p.instances[providerID] = out
	p.launchedFor[nc.Name] = providerID
	return out.DeepCopy()
}

// Delete terminates the NodeClaim's instance, found by provider ID or, when the NodeClaim has
// none, by the NodeClaim's name. It returns a *NodeClaimNotFoundError when there is none.
func (p *CloudProvider) Delete(_ context.Context, nc *karpv1.NodeClaim) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	id := nc.Status.ProviderID
	if id == "" {
		id = p.launchedFor[nc.Name]
		p.calls.Delete = append(p.calls.Delete, nc.Name)
	} else {
		p.calls.Delete = append(p.calls.Delete, id)
	}
	if err := p.popErr(MethodDelete); err != nil {
		return err
	}
	in, ok := p.instances[id]
	if !ok {
		return &cloudprovider.NodeClaimNotFoundError{ProviderID: nc.Status.ProviderID}
	}
	delete(p.instances, id)
	if p.launchedFor[in.Name] == id {
		delete(p.launchedFor, in.Name)
	}
	return nil
}

// Get returns the instance with the provider ID.
func (p *CloudProvider) Get(_ context.Context, providerID string) (*karpv1.NodeClaim, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls.Get = append(p.calls.Get, providerID)
	if err := p.popErr(MethodGet); err != nil {
		return nil, err
	}
	in, ok := p.instances[providerID]
	if !ok {
		return nil, &cloudprovider.NodeClaimNotFoundError{ProviderID: providerID}
	}
	return in.DeepCopy(), nil
}

// List returns every instance.
func (p *CloudProvider) List(_ context.Context) ([]*karpv1.NodeClaim, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.calls.List++
	if err := p.popErr(MethodList); err != nil {
		return nil, err
	}
	return p.listLocked(), nil
}

func (p *CloudProvider) listLocked() []*karpv1.NodeClaim {
	out := make([]*karpv1.NodeClaim, 0, len(p.instances))
	for _, in := range p.instances {
		out = append(out, in.DeepCopy())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Status.ProviderID < out[j].Status.ProviderID })
	return out
}

// GetInstanceTypes returns the catalog, with the offerings that recently ran out of capacity
// marked unavailable. Every NodePool gets the same catalog.
func (p *CloudProvider) GetInstanceTypes(_ context.Context, np *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	name := ""
	if np != nil {
		name = np.Name
	}
	p.calls.GetInstanceTypes = append(p.calls.GetInstanceTypes, name)
	if err := p.popErr(MethodGetInstanceTypes); err != nil {
		return nil, err
	}
	return p.unavailable.Apply(p.instanceTypes), nil
}

// IsDrifted returns what SetDrifted recorded for the NodeClaim's provider ID.
func (p *CloudProvider) IsDrifted(_ context.Context, nc *karpv1.NodeClaim) (cloudprovider.DriftReason, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.drifted[nc.Status.ProviderID], nil
}

// Name is "fake".
func (p *CloudProvider) Name() string { return "fake" }
