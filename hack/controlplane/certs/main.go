// Command certs writes the certificates, keys and kubeconfigs of the local control plane into a
// directory. up.sh runs it with `go run`; the Go test harness calls the same package directly.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane/pki"
)

func main() {
	var o pki.Options
	flag.StringVar(&o.Dir, "dir", "", "directory to write into (created if missing)")
	flag.StringVar(&o.Server, "server", "", "API server URL for the kubeconfigs, e.g. https://127.0.0.1:26443")
	flag.StringVar(&o.ServiceClusterIP, "service-cluster-ip", "", "first IP of the service range (a SAN of the serving certificate)")
	flag.StringVar(&o.ClusterName, "cluster-name", "", "cluster and context name in the kubeconfigs")
	flag.Parse()
	if err := pki.Generate(o); err != nil {
		fmt.Fprintf(os.Stderr, "certs: %v\n", err)
		os.Exit(1)
	}
}
