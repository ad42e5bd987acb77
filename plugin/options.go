package plugin

import (
	"context"

	"github.com/spf13/cobra"
)

// verbOptions is what the read-only verbs' Options implement, in kubectl's order: fill in from
// the arguments and flags, check, then act.
type verbOptions interface {
	Complete(args []string) error
	Validate() error
	Run(ctx context.Context) error
}

// runVerb is the RunE of a command whose Options follow verbOptions.
func runVerb(o verbOptions) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		if err := o.Complete(args); err != nil {
			return err
		}
		if err := o.Validate(); err != nil {
			return err
		}
		return o.Run(cmd.Context())
	}
}
