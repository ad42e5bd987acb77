// Package plugin implements the kubectl-karpenter commands: one file per verb, each with an
// Options type that completes, validates and runs.
package plugin

import (
	"time"

	"github.com/spf13/cobra"
	"k8s.io/cli-runtime/pkg/genericclioptions"
	"k8s.io/cli-runtime/pkg/genericiooptions"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/version"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// deps are what every command needs from outside: streams, API clients and the clock. Tests
// replace them through NewRootCommandWith.
type deps struct {
	streams genericiooptions.IOStreams
	clients kube.Factory
	now     func() time.Time
	// environ reads environment variables (NO_COLOR).
	environ func(string) string
}

// NewRootCommand builds `kubectl karpenter` with the standard kubectl connection flags.
func NewRootCommand(streams genericiooptions.IOStreams) *cobra.Command {
	return newRootCommand(streams, nil)
}

// newRootCommand builds the command tree; d overrides the defaults where its fields are set.
func newRootCommand(streams genericiooptions.IOStreams, override func(*deps)) *cobra.Command {
	configFlags := genericclioptions.NewConfigFlags(true)
	d := &deps{streams: streams, clients: kube.NewFactory(configFlags, streams.ErrOut), now: time.Now, environ: osGetenv}
	if override != nil {
		override(d)
	}
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
	registerConnectionCompletions(cmd, configFlags)

	cmd.AddCommand(
		newGetCommand(d),
		newDescribeCommand(d),
		newCreateCommand(d),
		newWhyPendingCommand(d),
		newTopCommand(d),
		newVersionCommand(d),
		newTUICommand(d, configFlags),
	)
	return cmd
}
