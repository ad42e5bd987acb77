package plugin

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/tui"
)

const tuiExample = `  # Browse NodePools, NodeClaims, pending pods and the agent's decisions
  kubectl karpenter tui

  # Look, without the actions (delete NodeClaim, cordon, do-not-disrupt)
  kubectl karpenter tui --read-only

  # Start on the pending pods of another context
  kubectl karpenter tui --context prod --view pending`

// TUIOptions are the options of `tui`.
type TUIOptions struct {
	d      *deps
	config *genericclioptions.ConfigFlags

	ReadOnly bool
	View     string
}

func newTUICommand(d *deps, config *genericclioptions.ConfigFlags) *cobra.Command {
	o := &TUIOptions{d: d, config: config}
	cmd := &cobra.Command{
		Use:   "tui",
		Short: "Browse NodePools, NodeClaims, pending pods and the agent's decisions in a terminal UI",
		Long: `Open a live terminal UI over the cluster's node autoscaling: NodePools with their requests against
limits and cost, their NodeClaims with the time each took to launch, register and initialize,
a NodeClaim's timeline, node, pods and YAML, the pending pods with the agent's scheduling
verdict (Enter for the full explanation), and the stream of the agent's decisions.

Everything updates from watches as the cluster changes. Keys are k9s's: j/k or arrows to move,
Enter to open, Esc to go back, / to filter, : to jump (:nodepools :nodeclaims :pending
:decisions), s to sort by the selected column, y for YAML, ? for help, q to quit.

Deleting a NodeClaim, cordoning a node and toggling karpenter.sh/do-not-disrupt each ask for
confirmation; --read-only turns them off. Works read-only with upstream Karpenter v1.`,
		Example: tuiExample,
		Args:    cobra.NoArgs,
		RunE:    runVerb(o),
	}
	cmd.Flags().BoolVar(&o.ReadOnly, "read-only", false, "Disable the actions: delete NodeClaim, cordon, do-not-disrupt.")
	cmd.Flags().StringVar(&o.View, "view", "nodepools", "The first view: "+strings.Join(tui.Views, ", ")+".")
	_ = cmd.RegisterFlagCompletionFunc("view", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return tui.Views, cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

// Complete has nothing to read from arguments.
func (o *TUIOptions) Complete([]string) error { return nil }

// Validate checks the flags before any API call.
func (o *TUIOptions) Validate() error {
	if !tui.ValidView(o.View) {
		return fmt.Errorf("invalid --view %q: use one of %s", o.View, strings.Join(tui.Views, ", "))
	}
	return nil
}

// Run opens the UI until the user quits.
func (o *TUIOptions) Run(ctx context.Context) error {
	c, err := o.d.clients()
	if err != nil {
		return err
	}
	contextName, cluster := o.kubeContext()
	return tui.Run(ctx, tui.RunOptions{
		Clients: c, Context: contextName, Cluster: cluster, ReadOnly: o.ReadOnly, Start: o.View,
		NoColor: o.d.environ("NO_COLOR") != "", In: o.d.streams.In, Out: o.d.streams.Out,
	})
}

// kubeContext names the context and cluster for the header; empty when there is no
// kubeconfig (in-cluster), where the header shows the server instead.
func (o *TUIOptions) kubeContext() (string, string) {
	if o.config == nil {
		return "", ""
	}
	raw, err := o.config.ToRawKubeConfigLoader().RawConfig()
	if err != nil {
		return "", ""
	}
	name := raw.CurrentContext
	if o.config.Context != nil && *o.config.Context != "" {
		name = *o.config.Context
	}
	cluster := ""
	if c, ok := raw.Contexts[name]; ok {
		cluster = c.Cluster
	}
	if o.config.ClusterName != nil && *o.config.ClusterName != "" {
		cluster = *o.config.ClusterName
	}
	return name, cluster
}
