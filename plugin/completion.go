package plugin

import (
	"context"
	"os"
	"sort"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// completionTimeout bounds the API calls made while the shell waits for completions.
const completionTimeout = 5 * time.Second

func osGetenv(key string) string { return os.Getenv(key) }

// completeNames completes the names of NodePools or NodeClaims from the cluster.
func completeNames(ctx context.Context, d *deps, resource string) ([]string, cobra.ShellCompDirective) {
	kind, err := parseResourceKind(resource)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	gvr := kube.NodePools
	if kind == kindNodeClaim {
		gvr = kube.NodeClaims
	}
	c, err := d.clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(contextOrBackground(ctx), completionTimeout)
	defer cancel()
	list, err := c.Resource(gvr).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(list.Items))
	for _, it := range list.Items {
		names = append(names, it.GetName())
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// completePods completes the names of pods in the command's namespace.
func completePods(ctx context.Context, d *deps) ([]string, cobra.ShellCompDirective) {
	c, err := d.clients()
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	ctx, cancel := context.WithTimeout(contextOrBackground(ctx), completionTimeout)
	defer cancel()
	pods, err := c.Kube.CoreV1().Pods(c.Namespace).List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName="})
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	names := make([]string, 0, len(pods.Items))
	for _, p := range pods.Items {
		names = append(names, p.Name)
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

// registerConnectionCompletions completes --namespace from the cluster and --context, --cluster
// and --user from the kubeconfig, as kubectl does.
func registerConnectionCompletions(cmd *cobra.Command, flags *genericclioptions.ConfigFlags) {
	_ = cmd.RegisterFlagCompletionFunc("namespace", func(cmd *cobra.Command, _ []string, _ string) ([]string, cobra.ShellCompDirective) {
		c, err := kube.NewFactory(flags, nil)()
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		ctx, cancel := context.WithTimeout(contextOrBackground(cmd.Context()), completionTimeout)
		defer cancel()
		nss, err := c.Kube.CoreV1().Namespaces().List(ctx, metav1.ListOptions{})
		if err != nil {
			return nil, cobra.ShellCompDirectiveNoFileComp
		}
		names := make([]string, 0, len(nss.Items))
		for _, ns := range nss.Items {
			names = append(names, ns.Name)
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	})
	fromKubeconfig := func(kind string) func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
			raw, err := flags.ToRawKubeConfigLoader().RawConfig()
			if err != nil {
				return nil, cobra.ShellCompDirectiveNoFileComp
			}
			var names []string
			switch kind {
			case "context":
				for n := range raw.Contexts {
					names = append(names, n)
				}
			case "cluster":
				for n := range raw.Clusters {
					names = append(names, n)
				}
			case "user":
				for n := range raw.AuthInfos {
					names = append(names, n)
				}
			}
			sort.Strings(names)
			return names, cobra.ShellCompDirectiveNoFileComp
		}
	}
	for _, kind := range []string{"context", "cluster", "user"} {
		_ = cmd.RegisterFlagCompletionFunc(kind, fromKubeconfig(kind))
	}
}

func contextOrBackground(ctx context.Context) context.Context {
	if ctx == nil {
		return context.Background()
	}
	return ctx
}
