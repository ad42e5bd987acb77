package simulated

import (
	"context"
	"errors"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// Name is what Provider.Name returns.
const Name = "simulated"

// Defaults of Options.
const (
	DefaultRegion            = "us-east-1"
	DefaultLaunchDelay       = time.Second
	DefaultStateNamespace    = "karpenter-simulated"
	DefaultClusterName       = "local"
	DefaultFaultPollInterval = time.Second
)

// DefaultZones are the zones simulated when Options.Zones is empty: those the catalog prices.
var DefaultZones = []string{"us-east-1a", "us-east-1b", "us-east-1c"}

// Options configure the simulation. Zero values take the defaults.
type Options struct {
	// Region labels nodes topology.kubernetes.io/region; us-east-1.
	Region string
	// Zones get one subnet each in the simulated VPC and offerings of every type; us-east-1a..c.
	Zones []string
	// LaunchDelay is the time from Create to the Node appearing; 1s. Zero means the default, so
	// ask for a nanosecond to have Nodes at once.
	LaunchDelay time.Duration
	// StateNamespace holds the instance records and the faults ConfigMap; karpenter-simulated.
	// It is created when absent.
	StateNamespace string
	// ClusterName is the value of the subnets' karpenter.sh/discovery tag and of the
	// kubernetes.io/cluster/<name> instance tag; "local", as the agent's --cluster-name.
	ClusterName string
	// FaultPollInterval is how often an Interruptions subscriber reads the faults ConfigMap; 1s.
	FaultPollInterval time.Duration
	// Reader reads the instance records and the faults ConfigMap; the client when nil. When the
	// client is a manager's cached client, pass mgr.GetAPIReader(): Delete and the
	// one-instance-per-NodeClaim check must see a record the moment it is written, or an instance
	// deleted right after its launch could be reported gone while it lives on.
	Reader client.Reader
	// Unavailable is the insufficient-capacity cache; a new one with cloudprovider.UnavailableTTL
	// when nil. Pass the agent's own to share it.
	Unavailable *cloudprovider.UnavailableOfferings
	// Logger defaults to controller-runtime's logger named "simulated".
	Logger logr.Logger
}

func (o Options) withDefaults() Options {
	if o.Region == "" {
		o.Region = DefaultRegion
	}
	if len(o.Zones) == 0 {
		o.Zones = DefaultZones
	}
	o.Zones = slices.Clone(o.Zones)
	if o.LaunchDelay <= 0 {
		o.LaunchDelay = DefaultLaunchDelay
	}
	if o.StateNamespace == "" {
		o.StateNamespace = DefaultStateNamespace
	}
	if o.ClusterName == "" {
		o.ClusterName = DefaultClusterName
	}
	if o.FaultPollInterval <= 0 {
		o.FaultPollInterval = DefaultFaultPollInterval
	}
	if o.Logger.GetSink() == nil {
		o.Logger = crlog.Log.WithName(Name)
	}
	return o
}

// Provider simulates EC2 inside the cluster: it launches "instances" by creating KWOK Nodes,
// and keeps its EC2 state in ConfigMaps so that it survives the agent's restarts.
//
// Its goroutines (the launcher, which creates Nodes when launches are due, and one per
// Interruptions subscriber) stop on Close, or when the context given to Start ends.
type Provider struct {
	client      client.Client
	reader      client.Reader
	clock       clock.Clock
	opts        Options
	log         logr.Logger
	vpc         []Subnet
	unavailable *cloudprovider.UnavailableOfferings
	// base is the catalog in every simulated zone, built once: every view shares its types.
	base []*cloudprovider.InstanceType
	// defined are the label keys instance types or offerings carry (see cloudprovider.LaunchRequirements).
	defined map[string]bool

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu              sync.Mutex
	closed          bool
	faults          Faults
	namespaceReady  bool
	views           map[string][]*cloudprovider.InstanceType
	launchQueue     map[string]time.Time
	launcherStarted bool
	subscribers     map[chan struct{}]struct{}
	refusedOnDemand map[string]bool
	launchWake      chan struct{}
}

var (
	_ cloudprovider.CloudProvider      = (*Provider)(nil)
	_ cloudprovider.InterruptionSource = (*Provider)(nil)
)

// New returns a simulated EC2 provider. It writes through c, and reads its state through
// Options.Reader (c when nil), which must not lag behind the writes: an uncached client
// (client.New), or a manager's client with Reader set to mgr.GetAPIReader(). EC2NodeClasses are
// read through c, cached or not. The scheme must know core/v1 and karpenter.k8s.aws/v1. New starts
// no goroutine: the launcher starts with Start or the first Create.
func New(c client.Client, clk clock.Clock, opts Options) *Provider {
	opts = opts.withDefaults()
	unavailable := opts.Unavailable
	if unavailable == nil {
		unavailable = cloudprovider.NewUnavailableOfferings(clk, cloudprovider.UnavailableTTL)
	}
	base := catalog.InstanceTypes(opts.Zones...)
	defined := map[string]bool{
		corev1.LabelTopologyZone:    true,
		corev1.LabelTopologyRegion:  true,
		karpv1.CapacityTypeLabelKey: true,
	}
	for _, it := range base {
		// Region is a fact of every type here, as in the AWS provider's requirements, so
		// NodePools may select on it.
		it.Labels[corev1.LabelTopologyRegion] = opts.Region
		for k := range it.Labels {
			defined[k] = true
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	reader := opts.Reader
	if reader == nil {
		reader = c
	}
	return &Provider{
		client:          c,
		reader:          reader,
		clock:           clk,
		opts:            opts,
		log:             opts.Logger,
		vpc:             newVPC(opts.Region, opts.ClusterName, opts.Zones),
		unavailable:     unavailable,
		base:            base,
		defined:         defined,
		ctx:             ctx,
		cancel:          cancel,
		views:           map[string][]*cloudprovider.InstanceType{},
		launchQueue:     map[string]time.Time{},
		subscribers:     map[chan struct{}]struct{}{},
		refusedOnDemand: map[string]bool{},
		launchWake:      make(chan struct{}, 1),
	}
}

// Name is "simulated".
func (p *Provider) Name() string { return Name }

// Subnets returns the simulated VPC: one subnet per zone.
func (p *Provider) Subnets() []Subnet {
	out := make([]Subnet, len(p.vpc))
	for i, s := range p.vpc {
		out[i] = Subnet{ID: s.ID, Zone: s.Zone, Tags: maps.Clone(s.Tags)}
	}
	return out
}

// SelectSubnets returns the subnets the node class's subnetSelectorTerms select, for a node
// class status controller.
func (p *Provider) SelectSubnets(nodeClass *ec2v1.EC2NodeClass) []Subnet {
	return selectSubnets(p.Subnets(), nodeClass.Spec.SubnetSelectorTerms)
}

// UnavailableOfferings returns the insufficient-capacity cache the provider marks and reads.
func (p *Provider) UnavailableOfferings() *cloudprovider.UnavailableOfferings { return p.unavailable }

// Start runs the launcher, which first resumes the launches a previous process left pending,
// until ctx ends; then it closes the provider. It fits controller-runtime's manager.Runnable.
func (p *Provider) Start(ctx context.Context) error {
	p.startLauncher()
	select {
	case <-ctx.Done():
	case <-p.ctx.Done():
	}
	p.Close()
	return nil
}

// NeedLeaderElection makes a manager run Start on the leader only: the replica that launches.
func (p *Provider) NeedLeaderElection() bool { return true }

// Close stops the provider's goroutines and waits for them. Pending launches stay recorded and
// a later provider resumes them.
func (p *Provider) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	p.cancel()
	p.mu.Unlock()
	p.wg.Wait()
}

// goOwned runs f in a goroutine Close waits for, unless the provider is closed.
func (p *Provider) goOwned(f func(ctx context.Context)) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		f(p.ctx)
	}()
	return true
}

// errClosed is returned by calls that need the provider's goroutines after Close.
var errClosed = errors.New("the simulated provider is closed")
