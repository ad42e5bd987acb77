// Command karpenter-agent runs the node autoscaling agent.
package main

import (
	"fmt"
	"os"

	"github.com/karpenter-tools/kubectl-karpenter/agent"
)

func main() {
	if err := agent.NewCommand().Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}
