// Package agent is the in-cluster agent: options, manager wiring and the controllers it runs.
package agent

import (
	"errors"
	"os"

	"github.com/spf13/cobra"
	ctrl "sigs.k8s.io/controller-runtime"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/version"
)

// ErrNotImplemented is returned for a cloud provider this build cannot run yet.
var ErrNotImplemented = errors.New("not implemented in this build")

// NewCommand builds the karpenter-agent command.
func NewCommand() *cobra.Command {
	o := &Options{}
	cmd := &cobra.Command{
		Use:   "karpenter-agent",
		Short: "Provision and disrupt nodes for pending pods, Karpenter v1 compatible",
		Long: `karpenter-agent watches pods the kube-scheduler cannot place, launches the cheapest nodes
that fit them, removes nodes that are no longer needed, and records every decision as an Event.

Every flag can also be set with an environment variable: --batch-idle-duration is
BATCH_IDLE_DURATION. Flags given on the command line win.`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		PreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := ApplyEnv(cmd.Flags(), os.LookupEnv); err != nil {
				return err
			}
			return o.Validate()
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			return Run(ctrl.SetupSignalHandler(), o)
		},
	}
	cmd.SetVersionTemplate("karpenter-agent {{.Version}}\n")
	o.AddFlags(cmd.Flags())
	return cmd
}
