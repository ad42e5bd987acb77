// Package kube holds the API clients of the plugin's commands, the resources they read, and the
// translation of API errors into errors that say what to do.
package kube

import (
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// The Karpenter resources the plugin reads and writes.
var (
	NodePools      = karpv1.SchemeGroupVersion.WithResource("nodepools")
	NodeClaims     = karpv1.SchemeGroupVersion.WithResource("nodeclaims")
	EC2NodeClasses = ec2v1.SchemeGroupVersion.WithResource("ec2nodeclasses")
)

// Clients are the API clients of one command run. Karpenter objects go through Dynamic, so
// that -o json|yaml prints them exactly as the server has them (an upstream Karpenter may have
// fields this build does not know), and are decoded into the typed API for everything else.
type Clients struct {
	Kube    kubernetes.Interface
	Dynamic dynamic.Interface
	// Server is the API server's URL, for error messages.
	Server string
	// Namespace is the namespace of the kubeconfig context or of --namespace.
	Namespace string
	// ExplicitNamespace is true when --namespace was given.
	ExplicitNamespace bool
}

// Factory builds Clients; tests may substitute their own.
type Factory func() (*Clients, error)

// NewFactory returns a Factory over the standard kubectl connection flags. The API server's
// warnings are written to warnings, as kubectl writes them.
func NewFactory(getter genericclioptions.RESTClientGetter, warnings io.Writer) Factory {
	return func() (*Clients, error) {
		cfg, err := getter.ToRESTConfig()
		if err != nil {
			return nil, fmt.Errorf("loading the kubeconfig: %w", err)
		}
		cfg = rest.CopyConfig(cfg)
		if warnings != nil {
			cfg.WarningHandler = rest.NewWarningWriter(warnings, rest.WarningWriterOptions{Deduplicate: true})
		}
		ns, explicit, err := getter.ToRawKubeConfigLoader().Namespace()
		if err != nil {
			return nil, fmt.Errorf("reading the namespace from the kubeconfig: %w", err)
		}
		c, err := NewForConfig(cfg)
		if err != nil {
			return nil, err
		}
		c.Namespace, c.ExplicitNamespace = ns, explicit
		return c, nil
	}
}

// NewForConfig builds Clients for a REST config. QPS and burst are raised from client-go's
// defaults: the commands make a handful of list calls and should never wait on the limiter.
func NewForConfig(cfg *rest.Config) (*Clients, error) {
	cfg = rest.CopyConfig(cfg)
	if cfg.QPS == 0 {
		cfg.QPS, cfg.Burst = 50, 100
	}
	kube, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the Kubernetes client for %s: %w", cfg.Host, err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("building the dynamic client for %s: %w", cfg.Host, err)
	}
	return &Clients{Kube: kube, Dynamic: dyn, Server: cfg.Host, Namespace: "default"}, nil
}

// Resource returns the dynamic client of a cluster-scoped Karpenter resource.
func (c *Clients) Resource(gvr schema.GroupVersionResource) dynamic.NamespaceableResourceInterface {
	return c.Dynamic.Resource(gvr)
}
