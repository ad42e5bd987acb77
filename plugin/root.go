// Package plugin implements the kubectl-karpenter commands: one file per verb, each with an
// Options type that completes, validates and runs.
package plugin

import (
	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/version"
)

// NewRootCommand builds `kubectl karpenter` with the standard kubectl connection flags.
func NewRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)
	cmd := &cobra.Command{
		Use:   "karpenter",
		Short: "Inspect and manage Karpenter NodePools, NodeClaims and their decisions",
		Long: `kubectl karpenter explains and manages node autoscaling with Karpenter v1 APIs.

It works with the kubectl-karpenter agent and, for read-only commands, with upstream Karpenter.`,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
		// The annotation makes cobra print "kubectl karpenter" in usage lines, as kubectl does
		// for plugins.
		Annotations: map[string]string{cobra.CommandDisplayNameAnnotation: "kubectl karpenter"},
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return cmd.Help()
		},
	}
	cmd.SetIn(streams.In)
	cmd.SetOut(streams.Out)
	cmd.SetErr(streams.ErrOut)
	cmd.SetVersionTemplate("kubectl-karpenter {{.Version}}\n")
	configFlags.AddFlags(cmd.PersistentFlags())
	return cmd
}
