// Package agent is the in-cluster agent: options, manager wiring and the controllers it runs.
package agent

import (
	"errors"

	"github.com/spf13/cobra"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/version"
)

// ErrNotImplemented is returned by Run until the provisioning controllers land.
var ErrNotImplemented = errors.New("the agent's controllers are not built yet; see issue 4")

// NewCommand builds the karpenter-agent command.
func NewCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:           "karpenter-agent",
		Short:         "Provision and disrupt nodes for pending pods, Karpenter v1 compatible",
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			return ErrNotImplemented
		},
	}
	cmd.SetVersionTemplate("karpenter-agent {{.Version}}\n")
	return cmd
}
