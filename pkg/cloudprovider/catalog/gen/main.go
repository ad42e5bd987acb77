// Command gen writes zz_generated_catalog.go from the EC2 instance-type CSV. It is a thin shell
// over internal/generate so that the package's tests can run the very same generation.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog/internal/generate"
)

func main() {
	in := flag.String("in", "", "path of ec2-instance-types.csv")
	out := flag.String("out", "zz_generated_catalog.go", "path of the Go file to write")
	flag.Parse()
	if *in == "" {
		fmt.Fprintln(os.Stderr, "gen: -in is required")
		os.Exit(2)
	}
	if err := generate.Run(*in, *out, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}
