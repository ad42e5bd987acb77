package plugin

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/manifest"
)

const createNodePoolExample = `  # On-demand amd64 c/m/r instances (the default preset), using the EC2NodeClass "default"
  kubectl karpenter create nodepool general

  # Spot first with on-demand fallback, in two zones, at most 200 CPUs
  kubectl karpenter create nodepool batch --preset spot-first --zones us-east-1a,us-east-1b --cpu-limit 200

  # Tainted GPU nodes; print the manifest instead of creating it (-o yaml alone creates it)
  kubectl karpenter create nodepool gpu --preset gpu --dry-run=client -o yaml

  # Let the API server validate and default it without creating it
  kubectl karpenter create nodepool web --instance-family m6i,c6i --label team=web --dry-run=server -o yaml`

// CreateNodePoolOptions are the options of `create nodepool`.
type CreateNodePoolOptions struct {
	d      *deps
	create *createFlags
	Flags  manifest.Flags
	weight int32

	Name string
	spec *manifest.Spec
	obj  map[string]interface{}
}

func newCreateNodePoolCommand(d *deps) *cobra.Command {
	o := &CreateNodePoolOptions{d: d, create: newCreateFlags()}
	cmd := &cobra.Command{
		Use:   "nodepool NAME [flags]",
		Short: "Create a NodePool from a preset and flags, validated by the NodePool CRD's rules first",
		Long: `Create a NodePool. The preset gives every field a value; the flags override it. The NodePool is
checked against the NodePool CRD's OpenAPI schema and CEL rules before anything is sent, and each
error names the flag to change. A warning says when the EC2NodeClass it references does not exist.

As with kubectl create, -o yaml|json prints the NodePool the API server created: without
--dry-run the NodePool is created. To print it without creating anything, add --dry-run=client
(nothing is sent) or --dry-run=server (the API server validates and defaults it, and keeps
nothing).

Presets:
` + manifest.PresetHelp(),
		Example: createNodePoolExample,
		Args:    exactlyOneName("nodepool"),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := o.Complete(cmd, args); err != nil {
				return err
			}
			if err := o.Validate(cmd.Context()); err != nil {
				return err
			}
			return o.Run(cmd.Context())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.Flags.Preset, "preset", "default", "Starting point: "+strings.Join(manifest.PresetNames(), ", ")+".")
	f.StringVar(&o.Flags.NodeClass, "nodeclass", "default", "Name of the EC2NodeClass the nodes use.")
	f.StringSliceVar(&o.Flags.CapacityTypes, "capacity-type", nil, "Capacity types, e.g. spot,on-demand (spot is used whenever it is offered).")
	f.StringSliceVar(&o.Flags.Arch, "arch", nil, "CPU architectures: amd64, arm64.")
	f.StringSliceVar(&o.Flags.InstanceCategories, "instance-category", nil, "Instance categories, e.g. c,m,r.")
	f.StringSliceVar(&o.Flags.InstanceFamilies, "instance-family", nil, "Instance families, e.g. m6i,c6i (alone, it replaces the preset's categories and generation).")
	f.StringSliceVar(&o.Flags.Zones, "zones", nil, "Availability zones, e.g. us-east-1a,us-east-1b (default: every zone of the node class).")
	f.StringVar(&o.Flags.CPULimit, "cpu-limit", "", `Most CPUs the pool may hold, e.g. 1000, or "none".`)
	f.StringVar(&o.Flags.MemoryLimit, "memory-limit", "", `Most memory the pool may hold, e.g. 4000Gi, or "none".`)
	f.StringVar(&o.Flags.ConsolidationPolicy, "consolidation-policy", "", "WhenEmpty or WhenEmptyOrUnderutilized.")
	f.StringVar(&o.Flags.ConsolidateAfter, "consolidate-after", "", `How long a node must be unchanged before consolidation may act, e.g. 30s, 5m, or "Never".`)
	f.StringVar(&o.Flags.ExpireAfter, "expire-after", "", `How long a node lives before it is replaced, e.g. 720h, or "Never".`)
	f.Int32Var(&o.weight, "weight", 0, "Priority among NodePools, 1 to 100; the highest weight that fits a pod is tried first.")
	f.StringArrayVar(&o.Flags.Taints, "taint", nil, "Taint of the nodes as key[=value]:Effect; repeat for several.")
	f.StringArrayVar(&o.Flags.Labels, "label", nil, "Label of the nodes as key=value; repeat for several.")
	o.create.addFlags(cmd)
	_ = cmd.RegisterFlagCompletionFunc("preset", cobra.FixedCompletions(manifest.PresetNames(), cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("capacity-type", cobra.FixedCompletions(manifest.CapacityTypes, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("arch", cobra.FixedCompletions(manifest.Architectures, cobra.ShellCompDirectiveNoFileComp))
	_ = cmd.RegisterFlagCompletionFunc("consolidation-policy", cobra.FixedCompletions([]string{"WhenEmpty", "WhenEmptyOrUnderutilized"}, cobra.ShellCompDirectiveNoFileComp))
	return cmd
}

// exactlyOneName accepts one positional NAME and says so when it is missing.
func exactlyOneName(kind string) cobra.PositionalArgs {
	return func(_ *cobra.Command, args []string) error {
		if len(args) != 1 {
			return fmt.Errorf("give exactly one name: kubectl karpenter create %s NAME (got %d arguments)", kind, len(args))
		}
		return nil
	}
}

// Complete builds the NodePool from the preset and the flags given.
func (o *CreateNodePoolOptions) Complete(cmd *cobra.Command, args []string) error {
	o.Name = args[0]
	if cmd.Flags().Changed("weight") {
		o.Flags.Weight = &o.weight
	}
	spec, err := manifest.Build(o.Name, o.Flags)
	if err != nil {
		return err
	}
	o.spec = spec
	o.obj, err = spec.Unstructured()
	return err
}

// Validate checks the flags, then the NodePool by the CRD's rules, before anything is sent.
func (o *CreateNodePoolOptions) Validate(ctx context.Context) error {
	if err := o.create.validate(); err != nil {
		return err
	}
	return manifest.Validate(ctx, o.obj, o.spec.Origins)
}

// Run warns about a missing EC2NodeClass and creates the NodePool (or prints it).
func (o *CreateNodePoolOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		if o.create.DryRun == dryRunClient {
			_, _ = fmt.Fprintf(o.d.streams.ErrOut, "Warning: could not check that EC2NodeClass %q exists: %v\n", o.Flags.NodeClass, err)
			return o.create.create(ctx, o.d, nil, kube.NodePools, "NodePool", o.obj, o.spec.Origins)
		}
		return err
	}
	o.warnIfNodeClassMissing(ctx, c)
	return o.create.create(ctx, o.d, c, kube.NodePools, "NodePool", o.obj, o.spec.Origins)
}

func (o *CreateNodePoolOptions) warnIfNodeClassMissing(ctx context.Context, c *kube.Clients) {
	ref := o.spec.NodePool.Spec.Template.Spec.NodeClassRef
	_, _, err := c.GetEC2NodeClass(ctx, ref.Name)
	var notFound *kube.NotFoundError
	switch {
	case err == nil:
	case errors.As(err, &notFound):
		_, _ = fmt.Fprintf(o.d.streams.ErrOut, "Warning: EC2NodeClass %q does not exist; the NodePool launches no node until it does. Create it with: kubectl karpenter create ec2nodeclass %s --cluster-name <cluster>\n", ref.Name, ref.Name)
	case errors.Is(err, kube.ErrCRDsNotInstalled):
		_, _ = fmt.Fprintf(o.d.streams.ErrOut, "Warning: the EC2NodeClass CRD is not installed, so EC2NodeClass %q cannot exist; install the CRDs with kubectl apply -f manifests/crds (or install Karpenter)\n", ref.Name)
	default:
		_, _ = fmt.Fprintf(o.d.streams.ErrOut, "Warning: could not check that EC2NodeClass %q exists: %v\n", ref.Name, err)
	}
}
