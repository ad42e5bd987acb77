package aws

import (
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/go-logr/logr"
	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/client"
	crlog "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/interruption"
)

// Name is what Provider.Name returns, and the scheme of its provider IDs.
const Name = "aws"

// Defaults of Options.
const (
	DefaultInstanceTypesTTL  = 5 * time.Minute
	DefaultPricingTTL        = 12 * time.Hour
	DefaultKubernetesVersion = "1.37"
	// pricingRetryInterval is how soon a failed price refresh is tried again: the fallback prices
	// are estimates, so real ones are worth fetching well before the next 12-hour refresh.
	pricingRetryInterval = 10 * time.Minute
)

// Options configure the provider.
type Options struct {
	// ClusterName tags instances and names derived instance profiles and launch templates.
	ClusterName string
	// ClusterEndpoint is the API server URL nodes join, written into their user data.
	ClusterEndpoint string
	// ClusterCABundle is the API server's CA certificate (PEM), written into the user data.
	ClusterCABundle []byte
	// ServiceCIDR is the cluster's service CIDR for nodeadm; nodeadm infers it when empty.
	ServiceCIDR string
	// KubernetesVersion (major.minor) selects the EKS-optimized AMI parameters; 1.37.
	KubernetesVersion string
	// InterruptionQueue is the SQS queue (name or URL) EventBridge sends EC2 interruption events
	// to; interruption handling is off when empty.
	InterruptionQueue string
	// InstanceTypesTTL and PricingTTL say how long instance types and prices are cached.
	InstanceTypesTTL time.Duration
	PricingTTL       time.Duration
	// Unavailable is the insufficient-capacity cache; a new one when nil.
	Unavailable *cloudprovider.UnavailableOfferings
	// Logger defaults to controller-runtime's logger named "aws".
	Logger logr.Logger
}

func (o Options) withDefaults(clk clock.Clock) Options {
	if o.KubernetesVersion == "" {
		o.KubernetesVersion = DefaultKubernetesVersion
	}
	if o.InstanceTypesTTL <= 0 {
		o.InstanceTypesTTL = DefaultInstanceTypesTTL
	}
	if o.PricingTTL <= 0 {
		o.PricingTTL = DefaultPricingTTL
	}
	if o.Unavailable == nil {
		o.Unavailable = cloudprovider.NewUnavailableOfferings(clk, cloudprovider.UnavailableTTL)
	}
	if o.Logger.GetSink() == nil {
		o.Logger = crlog.Log.WithName(Name)
	}
	return o
}

// Provider launches EC2 instances for NodeClaims. It is safe for concurrent use.
type Provider struct {
	kube    client.Client
	clock   clock.Clock
	opts    Options
	log     logr.Logger
	region  string
	ec2     *ec2.Client
	ssm     *ssm.Client
	pricing *pricing.Client
	iam     *iam.Client

	unavailable *cloudprovider.UnavailableOfferings

	types         *typeCache
	prices        *priceCache
	templates     *templateCache
	interruptions *interruption.Source
}

var (
	_ cloudprovider.CloudProvider     = (*Provider)(nil)
	_ cloudprovider.NodeClassResolver = (*Provider)(nil)
)

// New returns the provider. cfg is the AWS configuration (see LoadConfig); kube reads the
// EC2NodeClasses, whose status the agent's node class controller keeps resolved. It makes no
// AWS call: the interruption queue is polled once the agent asks for Interruptions.
func New(cfg aws.Config, kube client.Client, clk clock.Clock, opts Options) (*Provider, error) {
	opts = opts.withDefaults(clk)
	p := &Provider{
		kube:        kube,
		clock:       clk,
		opts:        opts,
		log:         opts.Logger,
		region:      cfg.Region,
		ec2:         ec2.NewFromConfig(cfg),
		ssm:         ssm.NewFromConfig(cfg),
		iam:         iam.NewFromConfig(cfg),
		pricing:     pricing.NewFromConfig(cfg, func(o *pricing.Options) { o.Region = pricingRegion(cfg.Region) }),
		unavailable: opts.Unavailable,
		templates:   newTemplateCache(),
	}
	p.types = newTypeCache(clk, opts.InstanceTypesTTL)
	p.prices = newPriceCache(clk, opts.PricingTTL)
	var err error
	if p.interruptions, err = p.newInterruptionSource(cfg); err != nil {
		return nil, err
	}
	return p, nil
}

// Name is "aws".
func (p *Provider) Name() string { return Name }

// UnavailableOfferings returns the insufficient-capacity cache the provider marks and reads.
func (p *Provider) UnavailableOfferings() *cloudprovider.UnavailableOfferings { return p.unavailable }
