// Command kubectl-karpenter is the kubectl plugin; kubectl runs it as `kubectl karpenter`.
package main

import (
	"os"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	// Exec and OIDC auth providers, so EKS and GKE kubeconfigs work.
	_ "k8s.io/client-go/plugin/pkg/client/auth"

	"github.com/karpenter-tools/kubectl-karpenter/plugin"
)

func main() {
	streams := genericiooptions.IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr}
	os.Exit(plugin.Run(streams, os.Args[1:]))
}
