package agent

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/healthz"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	awsprovider "github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/simulated"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// component is the Event source and the leader-election identity prefix.
const component = "karpenter"

// Run starts the manager and blocks until ctx is cancelled (SIGTERM), then shuts down
// gracefully: controllers drain, the leader Lease is released so a standby takes over at once.
func Run(ctx context.Context, o *Options) error {
	level := map[string]zapcore.Level{"debug": zapcore.DebugLevel, "info": zapcore.InfoLevel, "error": zapcore.ErrorLevel}[o.LogLevel]
	ctrl.SetLogger(zap.New(zap.Level(level), zap.JSONEncoder()))
	log := ctrl.Log.WithName("agent")

	cfg, err := restConfig(o.Kubeconfig)
	if err != nil {
		return err
	}
	cfg.QPS, cfg.Burst = o.KubeClientQPS, o.KubeClientBurst
	cfg.UserAgent = "karpenter-agent"

	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:                        scheme.New(),
		Metrics:                       metricsserver.Options{BindAddress: o.MetricsBindAddress},
		HealthProbeBindAddress:        o.HealthProbeBindAddress,
		LeaderElection:                o.LeaderElect,
		LeaderElectionID:              "karpenter-leader-election",
		LeaderElectionNamespace:       o.leaderElectionNamespace(),
		LeaderElectionReleaseOnCancel: true,
		// The agent reads ConfigMaps only for the simulated provider's state; caching them
		// cluster-wide would need, and expose, every ConfigMap in the cluster.
		Cache: cache.Options{ByObject: map[client.Object]cache.ByObject{
			&corev1.ConfigMap{}: {Namespaces: map[string]cache.Config{o.SimStateNamespace: {}}},
		}},
	})
	if err != nil {
		return fmt.Errorf("creating the controller manager: %w", err)
	}
	if err := mgr.AddHealthzCheck("ping", healthz.Ping); err != nil {
		return fmt.Errorf("adding the health check: %w", err)
	}
	if err := mgr.AddReadyzCheck("cache", func(req *http.Request) error {
		if !mgr.GetCache().WaitForCacheSync(req.Context()) {
			return errors.New("informer caches are not synced")
		}
		return nil
	}); err != nil {
		return fmt.Errorf("adding the readiness check: %w", err)
	}

	clk := clock.RealClock{}
	recorder, stopEvents, err := newRecorder(cfg, clk)
	if err != nil {
		return err
	}
	defer stopEvents()

	cp, err := newCloudProvider(ctx, o, mgr, clk)
	if err != nil {
		return err
	}
	deps := controllers.Deps{
		CloudProvider:     cp,
		Recorder:          recorder,
		Clock:             clk,
		BatchIdleDuration: o.BatchIdleDuration,
		BatchMaxDuration:  o.BatchMaxDuration,
	}
	if err := controllers.Register(mgr, deps); err != nil {
		return err
	}
	log.Info("starting", "cloudProvider", cp.Name(), "leaderElection", o.LeaderElect)
	go func() {
		select {
		case <-mgr.Elected():
			log.Info("became the leader; provisioning and disruption are active")
		case <-ctx.Done():
		}
	}()
	if err := mgr.Start(ctx); err != nil {
		return fmt.Errorf("running the controller manager: %w", err)
	}
	return nil
}

func restConfig(kubeconfig string) (*rest.Config, error) {
	if kubeconfig == "" {
		cfg, err := ctrl.GetConfig()
		if err != nil {
			return nil, fmt.Errorf("loading the in-cluster configuration (use --kubeconfig outside a cluster): %w", err)
		}
		return cfg, nil
	}
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("loading --kubeconfig %s: %w", kubeconfig, err)
	}
	return cfg, nil
}

// newRecorder builds an Event recorder whose correlator folds identical repeats into one Event
// with a count, as kubectl describe shows them.
func newRecorder(cfg *rest.Config, clk clock.Clock) (decisions.Recorder, func(), error) {
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, nil, fmt.Errorf("creating the Event client: %w", err)
	}
	b := record.NewBroadcaster()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	rec := b.NewRecorder(scheme.New(), corev1.EventSource{Component: component})
	return decisions.NewEventRecorder(rec, clk), b.Shutdown, nil
}

// newCloudProvider builds the provider --cloud-provider names.
func newCloudProvider(ctx context.Context, o *Options, mgr ctrl.Manager, clk clock.Clock) (cloudprovider.CloudProvider, error) {
	switch o.CloudProvider {
	case ProviderSimulated:
		p := simulated.New(mgr.GetClient(), clk, simulated.Options{
			LaunchDelay:    o.SimLaunchDelay,
			StateNamespace: o.SimStateNamespace,
			ClusterName:    o.ClusterName,
			// Instance records are read uncached: a Delete right after a Create must see it.
			Reader: mgr.GetAPIReader(),
		})
		// The provider resumes launches a previous agent left pending; only the leader does.
		if err := mgr.Add(p); err != nil {
			return nil, fmt.Errorf("adding the simulated provider: %w", err)
		}
		return p, nil
	case ProviderAWS:
		return newAWSProvider(ctx, o, mgr, clk)
	default:
		return nil, fmt.Errorf("--cloud-provider=%s: %w", o.CloudProvider, ErrNotImplemented)
	}
}

// newAWSProvider builds the EC2 provider from the standard AWS configuration and the flags.
func newAWSProvider(ctx context.Context, o *Options, mgr ctrl.Manager, clk clock.Clock) (*awsprovider.Provider, error) {
	cfg, err := awsprovider.LoadConfig(ctx, o.AWSRegion, o.AWSEndpoint)
	if err != nil {
		return nil, err
	}
	restCfg := mgr.GetConfig()
	ca := restCfg.CAData
	if len(ca) == 0 && restCfg.CAFile != "" {
		if ca, err = os.ReadFile(restCfg.CAFile); err != nil {
			return nil, fmt.Errorf("reading the API server's CA for node bootstrap: %w", err)
		}
	}
	version, err := kubernetesVersion(mgr)
	if err != nil {
		return nil, err
	}
	serviceCIDR := o.ServiceCIDR
	if serviceCIDR == "" {
		if serviceCIDR, err = guessServiceCIDR(ctx, mgr); err != nil {
			return nil, err
		}
	}
	p, err := awsprovider.New(cfg, mgr.GetClient(), clk, awsprovider.Options{
		ClusterName:       o.ClusterName,
		ClusterEndpoint:   o.ClusterEndpoint,
		ClusterCABundle:   ca,
		ServiceCIDR:       serviceCIDR,
		KubernetesVersion: version,
		InterruptionQueue: o.InterruptionQueue,
		Logger:            ctrl.Log.WithName(awsprovider.Name),
	})
	if err != nil {
		return nil, fmt.Errorf("creating the AWS provider: %w", err)
	}
	return p, nil
}

// kubernetesVersion is the API server's major.minor, which selects the EKS-optimized AMIs.
func kubernetesVersion(mgr ctrl.Manager) (string, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(mgr.GetConfig())
	if err != nil {
		return "", fmt.Errorf("creating a discovery client: %w", err)
	}
	info, err := dc.ServerVersion()
	if err != nil {
		return "", fmt.Errorf("reading the API server's version: %w", err)
	}
	return info.Major + "." + strings.TrimSuffix(info.Minor, "+"), nil
}

// guessServiceCIDR infers the service CIDR from the kubernetes Service's cluster IP. In a pod,
// the API server address is that IP (KUBERNETES_SERVICE_HOST), which needs no RBAC to read;
// outside, the Service is read.
func guessServiceCIDR(ctx context.Context, mgr ctrl.Manager) (string, error) {
	if u, err := url.Parse(mgr.GetConfig().Host); err == nil {
		if ip := net.ParseIP(u.Hostname()); ip != nil && !ip.IsLoopback() {
			return serviceCIDROf(ip.String())
		}
	}
	svc := &corev1.Service{}
	if err := mgr.GetAPIReader().Get(ctx, client.ObjectKey{Namespace: "default", Name: "kubernetes"}, svc); err != nil {
		return "", fmt.Errorf("reading the kubernetes Service to infer the service CIDR (or set --cluster-service-cidr): %w", err)
	}
	return serviceCIDROf(svc.Spec.ClusterIP)
}

// serviceCIDROf is the /16 (IPv6: /108) that holds the kubernetes Service's cluster IP, the
// first address of the service range, in a block of the size EKS allocates by default.
func serviceCIDROf(clusterIP string) (string, error) {
	ip := net.ParseIP(clusterIP)
	if ip == nil {
		return "", fmt.Errorf("the kubernetes Service's cluster IP %q is not an IP; set --cluster-service-cidr", clusterIP)
	}
	if v4 := ip.To4(); v4 != nil {
		return (&net.IPNet{IP: v4.Mask(net.CIDRMask(16, 32)), Mask: net.CIDRMask(16, 32)}).String(), nil
	}
	return (&net.IPNet{IP: ip.Mask(net.CIDRMask(108, 128)), Mask: net.CIDRMask(108, 128)}).String(), nil
}
