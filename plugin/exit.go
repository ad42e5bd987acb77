package plugin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

// ExitError ends the command with Code and no message of its own: the command already printed
// what the user needs (why-pending exits 1 when a pod will not be scheduled).
type ExitError struct {
	Code int
}

func (e *ExitError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// Run executes the plugin with args, prints any error as kubectl does, and returns the process
// exit code. Ctrl-C cancels the API calls in flight.
func Run(streams genericiooptions.IOStreams, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	cmd := NewRootCommand(streams)
	cmd.SetArgs(args)
	err := cmd.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	var exit *ExitError
	if errors.As(err, &exit) {
		return exit.Code
	}
	_, _ = fmt.Fprintln(streams.ErrOut, "error:", err)
	return 1
}
