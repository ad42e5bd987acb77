package plugin

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

const topExample = `  # Every node: NodePool, instance, requests against allocatable, price, state
  kubectl karpenter top

  # The busiest nodes of one NodePool first, with bars
  kubectl karpenter top nodes -l karpenter.sh/nodepool=default --sort-by cpu -o wide

  # Per NodePool: requests against capacity and limits, $/h and $/month
  kubectl karpenter top nodepools --sort-by price`

// TopOptions are the options of `top`.
type TopOptions struct {
	d        *deps
	Output   *OutputFlags
	Selector string
	SortBy   string
	Watch    bool
	Interval time.Duration

	Pools bool
}

func newTopCommand(d *deps) *cobra.Command {
	o := &TopOptions{d: d, Output: NewOutputFlags([]string{"", "wide"}, []string{"json", "yaml"})}
	cmd := &cobra.Command{
		Use:   "top [nodes | nodepools]",
		Short: "Show requests against capacity and the cost of nodes or NodePools",
		Long: `Show per node (default) its NodePool, instance type, capacity type and zone, its pods' CPU and
memory requests against allocatable (and, when the cluster serves metrics.k8s.io, as with
metrics-server, what it uses now), its price ($/H: the launched offering's, or "est." from the
embedded EC2 catalog), age and state; or per NodePool the requests against capacity and limits,
and the cost per hour and month. NodeClaims still without a node are listed: they are paid for.
One list per resource kind, whatever the cluster's size.`,
		Example:   topExample,
		Args:      cobra.MaximumNArgs(1),
		ValidArgs: []string{"nodes", "nodepools"},
		RunE:      runVerb(o),
	}
	o.Output.AddFlags(cmd)
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "Label selector on the nodes and NodeClaims (top nodes) or the NodePools (top nodepools).")
	cmd.Flags().StringVar(&o.SortBy, "sort-by", "name", "Sort nodes by "+strings.Join(usage.NodeSortKeys, ", ")+"; NodePools by "+strings.Join(usage.PoolSortKeys, ", ")+".")
	cmd.Flags().BoolVarP(&o.Watch, "watch", "w", false, "Print again every --interval until interrupted.")
	cmd.Flags().DurationVar(&o.Interval, "interval", 5*time.Second, "How often --watch prints.")
	_ = cmd.RegisterFlagCompletionFunc("sort-by", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return append(append([]string{}, usage.NodeSortKeys...), "nodes"), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete reads what to show.
func (o *TopOptions) Complete(args []string) error {
	if len(args) == 0 {
		return nil
	}
	switch strings.ToLower(args[0]) {
	case "nodes", "node", "no":
	case "nodepools", "nodepool", "np", "nps":
		o.Pools = true
	default:
		return fmt.Errorf("unknown resource %q: use nodes or nodepools", args[0])
	}
	return nil
}

// Validate checks the flags before any API call.
func (o *TopOptions) Validate() error {
	if _, err := labels.Parse(o.Selector); err != nil {
		return fmt.Errorf("invalid label selector %q: %w", o.Selector, err)
	}
	keys := usage.NodeSortKeys
	if o.Pools {
		keys = usage.PoolSortKeys
	}
	if err := usage.CheckSortKey(o.SortBy, keys); err != nil {
		return err
	}
	if o.Watch && o.Interval < time.Second {
		return fmt.Errorf("invalid --interval %s: use at least 1s", o.Interval)
	}
	return o.Output.Validate()
}

// Run prints once, or every --interval with --watch until the context ends.
func (o *TopOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		return err
	}
	if err := o.once(ctx, c); err != nil || !o.Watch {
		return err
	}
	tick := time.NewTicker(o.Interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
			_, _ = fmt.Fprintln(o.d.streams.Out)
			if err := o.once(ctx, c); err != nil {
				return err
			}
		}
	}
}

func (o *TopOptions) once(ctx context.Context, c *kube.Clients) error {
	in, err := o.load(ctx, c)
	if err != nil {
		return err
	}
	nodes := usage.Nodes(in)
	out := o.d.streams.Out
	if o.Pools {
		pools := usage.NodePools(nodes, in.NodePools)
		if o.Selector != "" {
			pools = onlyListed(pools, in)
		}
		usage.SortNodePools(pools, o.SortBy)
		total := usage.TotalOfPools(pools)
		if !o.Output.Human() {
			return printStructured(out, o.Output.Format(), struct {
				NodePools []usage.NodePool `json:"nodePools"`
				Total     usage.Totals     `json:"total"`
			}{pools, total})
		}
		return o.printTable(tables.TopNodePools(pools), total)
	}
	usage.SortNodes(nodes, o.SortBy)
	if !o.Output.Human() {
		return printStructured(out, o.Output.Format(), struct {
			Nodes []usage.Node `json:"nodes"`
			Total usage.Totals `json:"total"`
		}{nodes, usage.Total(nodes)})
	}
	return o.printTable(tables.TopNodes(nodes, o.d.now()), usage.Total(nodes))
}

// onlyListed keeps the pools the selector listed: the nodes of the others were not filtered.
func onlyListed(pools []usage.NodePool, in usage.Input) []usage.NodePool {
	keep := map[string]bool{}
	for _, np := range in.NodePools {
		keep[np.Name] = true
	}
	out := pools[:0]
	for _, p := range pools {
		if keep[p.Name] {
			out = append(out, p)
		}
	}
	return out
}

// printTable prints the table and, unless --no-headers asks for rows only, the totals.
func (o *TopOptions) printTable(t *metav1.Table, total usage.Totals) error {
	if len(t.Rows) == 0 {
		_, _ = fmt.Fprintln(o.d.streams.ErrOut, "No resources found")
		return nil
	}
	if err := o.Output.PrintTable(t, o.d.streams.Out); err != nil {
		return err
	}
	if o.Output.NoHeaders {
		return nil
	}
	if _, err := fmt.Fprintln(o.d.streams.Out, tables.TotalLine(total)); err != nil {
		return fmt.Errorf("writing the output: %w", err)
	}
	return nil
}

// load makes one list per resource kind.
func (o *TopOptions) load(ctx context.Context, c *kube.Clients) (usage.Input, error) {
	var in usage.Input
	nodeSelector, poolSelector := o.Selector, ""
	if o.Pools {
		nodeSelector, poolSelector = "", o.Selector
	}
	var err error
	if in.Nodes, err = c.ListNodes(ctx, nodeSelector); err != nil {
		return in, err
	}
	if in.Pods, err = c.ListPods(ctx, "", "", "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"); err != nil {
		return in, err
	}
	ncs, err := c.ListNodeClaims(ctx, nodeSelector)
	if err != nil {
		return in, err
	}
	in.NodeClaims = ncs.Items
	nps, err := c.ListNodePools(ctx, poolSelector)
	if err != nil {
		return in, err
	}
	in.NodePools = nps.Items
	if !o.Pools {
		in.Usage = o.loadUsage(ctx, c, nodeSelector)
	}
	return in, nil
}

// loadUsage reads what every node uses now from metrics.k8s.io, in one list call, when the
// cluster serves that API. Without metrics-server the columns are left out and nothing is said;
// when the API is served but fails (metrics-server down, RBAC), top still shows the requests
// and says on stderr why the usage is missing.
func (o *TopOptions) loadUsage(ctx context.Context, c *kube.Clients, nodeSelector string) map[string]kube.NodeUsage {
	version, err := c.MetricsVersion()
	if err == nil && version == "" {
		return nil
	}
	var got map[string]kube.NodeUsage
	if err == nil {
		got, err = c.ListNodeUsage(ctx, version, nodeSelector)
	}
	if err != nil {
		_, _ = fmt.Fprintf(o.d.streams.ErrOut, "Warning: showing requests only, real usage from %s is unavailable: %v\n", kube.MetricsGroup, err)
		return nil
	}
	return got
}
