package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/labels"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

const getExample = `  # NodePools with their node class, node count, readiness and hourly cost
  kubectl karpenter get nodepools

  # NodeClaims with their provider ID, NodePool and drift (wide columns)
  kubectl karpenter get nodeclaims -o wide

  # The NodeClaims of one NodePool, names only
  kubectl karpenter get nodeclaims -l karpenter.sh/nodepool=default -o name

  # Instance types of all NodeClaims
  kubectl karpenter get nc -o jsonpath='{.items[*].metadata.labels.node\.kubernetes\.io/instance-type}'`

// resourceKind is a Karpenter resource a command accepts, by any of its names.
type resourceKind string

const (
	kindNodePool  resourceKind = "nodepools"
	kindNodeClaim resourceKind = "nodeclaims"
)

var resourceAliases = map[string]resourceKind{
	"nodepools": kindNodePool, "nodepool": kindNodePool, "np": kindNodePool, "nps": kindNodePool,
	"nodepools.karpenter.sh": kindNodePool, "nodepool.karpenter.sh": kindNodePool,
	"nodeclaims": kindNodeClaim, "nodeclaim": kindNodeClaim, "nc": kindNodeClaim, "ncs": kindNodeClaim,
	"nodeclaims.karpenter.sh": kindNodeClaim, "nodeclaim.karpenter.sh": kindNodeClaim,
}

func parseResourceKind(s string) (resourceKind, error) {
	if k, ok := resourceAliases[strings.ToLower(s)]; ok {
		return k, nil
	}
	return "", fmt.Errorf("unknown resource type %q: use nodepools (np) or nodeclaims (nc)", s)
}

// GetOptions are the options of `get`.
type GetOptions struct {
	d        *deps
	Output   *OutputFlags
	Selector string

	Kind  resourceKind
	Names []string

	clients *kube.Clients
}

func newGetCommand(d *deps) *cobra.Command {
	o := &GetOptions{d: d, Output: NewOutputFlags([]string{"", "wide"}, nil)}
	cmd := &cobra.Command{
		Use:     "get (nodepools | nodeclaims) [NAME ...] [-l SELECTOR] [-o FORMAT]",
		Short:   "List NodePools or NodeClaims, with their cost",
		Long:    "List NodePools or NodeClaims with the columns of their CRDs plus the hourly price ($/H, \"est.\" when estimated from the embedded EC2 catalog). Works with upstream Karpenter too.",
		Example: getExample,
		Args:    cobra.MinimumNArgs(1),
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]string, cobra.ShellCompDirective) {
			if len(args) == 0 {
				return []string{"nodepools", "nodeclaims"}, cobra.ShellCompDirectiveNoFileComp
			}
			return completeNames(cmd.Context(), d, args[0])
		},
		RunE: runVerb(o),
	}
	o.Output.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector to filter on, e.g. -l karpenter.sh/nodepool=default.")
	return cmd
}

// Complete reads the resource type and names.
func (o *GetOptions) Complete(args []string) error {
	kind, err := parseResourceKind(args[0])
	if err != nil {
		return err
	}
	o.Kind, o.Names = kind, args[1:]
	return nil
}

// Validate checks the selector and output format before any API call.
func (o *GetOptions) Validate() error {
	if o.Selector != "" {
		if _, err := labels.Parse(o.Selector); err != nil {
			return fmt.Errorf("invalid label selector %q: %w", o.Selector, err)
		}
		if len(o.Names) > 0 {
			return fmt.Errorf("names and -l cannot be used together: give either NAME ... or -l %s", o.Selector)
		}
	}
	return o.Output.Validate()
}

// Run lists or gets the objects and prints them.
func (o *GetOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		return err
	}
	o.clients = c
	switch o.Kind {
	case kindNodePool:
		return o.runNodePools(ctx)
	default:
		return o.runNodeClaims(ctx)
	}
}

func (o *GetOptions) runNodePools(ctx context.Context) error {
	nps, err := o.nodePools(ctx)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.printRaw(nps.Raw.Items)
	}
	if o.noneFound(len(nps.Items)) {
		return nil
	}
	ncs, err := o.clients.ListNodeClaims(ctx, "")
	if err != nil {
		return err
	}
	return o.Output.PrintTable(tables.NodePools(nps.Items, tables.CostByNodePool(ncs.Items), o.d.now()), o.d.streams.Out)
}

func (o *GetOptions) runNodeClaims(ctx context.Context) error {
	ncs, err := o.nodeClaims(ctx)
	if err != nil {
		return err
	}
	if !o.Output.Human() {
		return o.printRaw(ncs.Raw.Items)
	}
	if o.noneFound(len(ncs.Items)) {
		return nil
	}
	return o.Output.PrintTable(tables.NodeClaims(ncs.Items, o.d.now()), o.d.streams.Out)
}

func (o *GetOptions) nodePools(ctx context.Context) (kube.Objects[karpv1.NodePool], error) {
	if len(o.Names) == 0 {
		return o.clients.ListNodePools(ctx, o.Selector)
	}
	return getEach(o.Names, func(name string) (*unstructured.Unstructured, *karpv1.NodePool, error) {
		return o.clients.GetNodePool(ctx, name)
	})
}

func (o *GetOptions) nodeClaims(ctx context.Context) (kube.Objects[karpv1.NodeClaim], error) {
	if len(o.Names) == 0 {
		return o.clients.ListNodeClaims(ctx, o.Selector)
	}
	return getEach(o.Names, func(name string) (*unstructured.Unstructured, *karpv1.NodeClaim, error) {
		return o.clients.GetNodeClaim(ctx, name)
	})
}

func getEach[T any](names []string, get func(string) (*unstructured.Unstructured, *T, error)) (kube.Objects[T], error) {
	out := kube.Objects[T]{Raw: &unstructured.UnstructuredList{}}
	for _, name := range names {
		raw, obj, err := get(name)
		if err != nil {
			return out, err
		}
		out.Raw.Items = append(out.Raw.Items, *raw)
		out.Items = append(out.Items, *obj)
	}
	return out, nil
}

// printRaw prints the objects as the server returned them: one object alone when one name was
// given, as kubectl does, else a List.
func (o *GetOptions) printRaw(items []unstructured.Unstructured) error {
	if len(o.Names) == 1 && len(items) == 1 {
		return o.Output.PrintObj(&items[0], o.d.streams.Out)
	}
	return o.Output.PrintObj(asKubectlList(items), o.d.streams.Out)
}

func (o *GetOptions) noneFound(n int) bool {
	if n > 0 {
		return false
	}
	_, _ = fmt.Fprintln(o.d.streams.ErrOut, "No resources found")
	return true
}
