package plugin

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/version"
)

func newVersionCommand(d *deps) *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the plugin's version",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			if _, err := fmt.Fprintln(d.streams.Out, "kubectl-karpenter", version.String()); err != nil {
				return fmt.Errorf("writing the version: %w", err)
			}
			return nil
		},
	}
}
