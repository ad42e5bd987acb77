package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/manifest"
)

func newCreateCommand(d *deps) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "create (nodepool | ec2nodeclass) NAME [flags]",
		Short: "Create a NodePool or an EC2NodeClass, validated before it is sent",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.AddCommand(newCreateNodePoolCommand(d), newCreateEC2NodeClassCommand(d))
	return cmd
}

// Dry-run modes, as kubectl names them.
const (
	dryRunNone   = "none"
	dryRunClient = "client"
	dryRunServer = "server"
)

// createFlags are the flags every `create` subcommand shares.
type createFlags struct {
	DryRun string
	Output *OutputFlags
}

func newCreateFlags() *createFlags {
	return &createFlags{DryRun: dryRunNone, Output: NewOutputFlags([]string{""}, nil)}
}

func (f *createFlags) addFlags(cmd *cobra.Command) {
	f.Output.AddFlags(cmd)
	cmd.Flags().StringVar(&f.DryRun, "dry-run", dryRunNone, `"none", "client" or "server". client prints the object without sending it; server sends it for validation and defaulting without persisting it.`)
	cmd.Flags().Lookup("dry-run").NoOptDefVal = dryRunClient
	_ = cmd.RegisterFlagCompletionFunc("dry-run", cobra.FixedCompletions([]string{dryRunNone, dryRunClient, dryRunServer}, cobra.ShellCompDirectiveNoFileComp))
}

func (f *createFlags) validate() error {
	switch f.DryRun {
	case dryRunNone, dryRunClient, dryRunServer:
	default:
		return fmt.Errorf(`invalid --dry-run %q: use "none", "client" or "server"`, f.DryRun)
	}
	return f.Output.Validate()
}

// create sends obj (unless --dry-run=client) and prints the result: the object with -o, else
// "<kind>.<group>/<name> created".
func (f *createFlags) create(ctx context.Context, d *deps, c *kube.Clients, gvr schema.GroupVersionResource, kind string, obj map[string]interface{}, origins manifest.Origins) error {
	u := &unstructured.Unstructured{Object: obj}
	result := u
	if f.DryRun != dryRunClient {
		opts := metav1.CreateOptions{FieldManager: "kubectl-karpenter"}
		if f.DryRun == dryRunServer {
			opts.DryRun = []string{metav1.DryRunAll}
		}
		created, err := c.Resource(gvr).Create(ctx, u, opts)
		if err != nil {
			return explainCreate(c, gvr, kind, u.GetName(), err, origins)
		}
		result = created
	}
	if !f.Output.Human() {
		return f.Output.PrintObj(result, d.streams.Out)
	}
	suffix := ""
	switch f.DryRun {
	case dryRunClient:
		suffix = " (dry run)"
	case dryRunServer:
		suffix = " (server dry run)"
	}
	if _, err := fmt.Fprintf(d.streams.Out, "%s.%s/%s created%s\n", strings.ToLower(kind), gvr.Group, u.GetName(), suffix); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}

func explainCreate(c *kube.Clients, gvr schema.GroupVersionResource, kind, name string, err error, origins manifest.Origins) error {
	switch {
	case apierrors.IsAlreadyExists(err):
		return fmt.Errorf("%s %q already exists; choose another name, or change it with: kubectl edit %s %s", kind, name, gvr.GroupResource(), name)
	case apierrors.IsInvalid(err):
		return manifest.FromStatusError(kind, err, origins)
	}
	return c.Explain(err, kube.Op{Verb: "create", Resource: gvr.GroupResource(), Name: name})
}
