package agent

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// Cloud provider names accepted by --cloud-provider.
const (
	ProviderSimulated = "simulated"
	ProviderAWS       = "aws"
)

// Options are the agent's settings. Every flag can also be set through the environment variable
// of the same name in upper snake case (--batch-idle-duration is BATCH_IDLE_DURATION), which is
// how the Deployment in manifests/agent sets them.
type Options struct {
	CloudProvider           string
	Kubeconfig              string
	ClusterName             string
	BatchIdleDuration       time.Duration
	BatchMaxDuration        time.Duration
	LogLevel                string
	MetricsBindAddress      string
	HealthProbeBindAddress  string
	LeaderElect             bool
	LeaderElectionNamespace string
	KubeClientQPS           float32
	KubeClientBurst         int

	// Simulated provider.
	SimLaunchDelay    time.Duration
	SimStateNamespace string

	// AWS provider.
	AWSRegion         string
	ClusterEndpoint   string
	ServiceCIDR       string
	InterruptionQueue string
	AWSEndpoint       string
}

// AddFlags registers the options on fs with their defaults.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.CloudProvider, "cloud-provider", ProviderSimulated, "Cloud provider: simulated (an EC2 simulation creating Nodes in this cluster) or aws")
	fs.StringVar(&o.Kubeconfig, "kubeconfig", "", "Path to a kubeconfig, to run outside the cluster; in-cluster config when empty")
	fs.StringVar(&o.ClusterName, "cluster-name", "local", "Cluster name, used in instance tags and discovery selectors")
	fs.DurationVar(&o.BatchIdleDuration, "batch-idle-duration", time.Second, "Solve once no new pending pod has arrived for this long")
	fs.DurationVar(&o.BatchMaxDuration, "batch-max-duration", 10*time.Second, "Solve at the latest this long after the first pending pod of a batch")
	fs.StringVar(&o.LogLevel, "log-level", "info", "Log level: debug, info or error")
	fs.StringVar(&o.MetricsBindAddress, "metrics-bind-address", ":8080", "Address of the Prometheus /metrics endpoint; 0 disables it")
	fs.StringVar(&o.HealthProbeBindAddress, "health-probe-bind-address", ":8081", "Address of /healthz and /readyz")
	fs.BoolVar(&o.LeaderElect, "leader-elect", true, "Elect a leader on a Lease so that only one replica acts")
	fs.StringVar(&o.LeaderElectionNamespace, "leader-election-namespace", "", "Namespace of the leader Lease; the pod's namespace in-cluster, else karpenter")
	fs.Float32Var(&o.KubeClientQPS, "kube-client-qps", 200, "Queries per second to the API server")
	fs.IntVar(&o.KubeClientBurst, "kube-client-burst", 300, "Burst of queries to the API server")
	fs.DurationVar(&o.SimLaunchDelay, "sim-launch-delay", time.Second, "Simulated provider: time from launch to the Node appearing")
	fs.StringVar(&o.SimStateNamespace, "sim-state-namespace", "karpenter-simulated", "Simulated provider: namespace holding the simulated EC2 state and fault ConfigMap")
	fs.StringVar(&o.AWSRegion, "aws-region", "", "AWS provider: region; from the standard AWS configuration (AWS_REGION, shared config) when empty")
	fs.StringVar(&o.ClusterEndpoint, "cluster-endpoint", "", "AWS provider: API server URL nodes join (required with --cloud-provider=aws)")
	fs.StringVar(&o.ServiceCIDR, "cluster-service-cidr", "", "AWS provider: the cluster's service CIDR nodes are told (nodeadm needs it); the /16 (IPv6: /108) holding the kubernetes Service's IP when empty, as EKS allocates")
	fs.StringVar(&o.InterruptionQueue, "interruption-queue", "", "AWS provider: SQS queue (name or URL) of EC2 interruption events; interruption handling is off when empty")
	fs.StringVar(&o.AWSEndpoint, "aws-endpoint-url", "", "AWS provider: send every AWS API call to this URL, for tests against a local emulator (AWS_ENDPOINT_URL also works)")
}

// ApplyEnv sets every flag the command line left unset from its environment variable.
func ApplyEnv(fs *pflag.FlagSet, lookup func(string) (string, bool)) error {
	var errs []error
	fs.VisitAll(func(f *pflag.Flag) {
		if f.Changed {
			return
		}
		env := strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		v, ok := lookup(env)
		if !ok {
			return
		}
		if err := fs.Set(f.Name, v); err != nil {
			errs = append(errs, fmt.Errorf("environment variable %s=%q (flag --%s): %w", env, v, f.Name, err))
		}
	})
	return errors.Join(errs...)
}

// Validate checks the options and says which flag to fix.
func (o *Options) Validate() error {
	var errs []error
	switch o.CloudProvider {
	case ProviderSimulated, ProviderAWS:
	default:
		errs = append(errs, fmt.Errorf("--cloud-provider=%q: must be %q or %q", o.CloudProvider, ProviderSimulated, ProviderAWS))
	}
	if o.BatchIdleDuration <= 0 {
		errs = append(errs, fmt.Errorf("--batch-idle-duration=%s: must be positive", o.BatchIdleDuration))
	}
	if o.BatchMaxDuration < o.BatchIdleDuration {
		errs = append(errs, fmt.Errorf("--batch-max-duration=%s: must be at least --batch-idle-duration (%s)", o.BatchMaxDuration, o.BatchIdleDuration))
	}
	switch o.LogLevel {
	case "debug", "info", "error":
	default:
		errs = append(errs, fmt.Errorf("--log-level=%q: must be debug, info or error", o.LogLevel))
	}
	if o.ClusterName == "" {
		errs = append(errs, errors.New("--cluster-name: must not be empty"))
	}
	if o.CloudProvider == ProviderAWS {
		// Nodes join through it before they can resolve or route to the in-cluster service.
		if u, err := url.Parse(o.ClusterEndpoint); o.ClusterEndpoint == "" || err != nil || u.Scheme != "https" || u.Host == "" {
			errs = append(errs, fmt.Errorf("--cluster-endpoint=%q: required with --cloud-provider=aws, the https:// URL of the API server nodes join (the EKS endpoint)", o.ClusterEndpoint))
		}
	}
	return errors.Join(errs...)
}

// leaderElectionNamespace is the flag, else the pod's own namespace, else "karpenter".
func (o *Options) leaderElectionNamespace() string {
	if o.LeaderElectionNamespace != "" {
		return o.LeaderElectionNamespace
	}
	if b, err := os.ReadFile("/var/run/secrets/kubernetes.io/serviceaccount/namespace"); err == nil && len(b) > 0 {
		return strings.TrimSpace(string(b))
	}
	return "karpenter"
}
