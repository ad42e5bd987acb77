// Package version reports the build's version, stamped by the Makefile from git with
// -ldflags "-X github.com/karpenter-tools/kubectl-karpenter/pkg/version.Version=...".
package version

import (
	"fmt"
	"runtime"
)

// Set at build time; the defaults say that the binary was built without the Makefile.
var (
	Version = "v0.0.0-dev"
	Commit  = "unknown"
)

// String is the one-line form printed by --version.
func String() string {
	return fmt.Sprintf("%s (commit %s, %s, %s/%s)", Version, Commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
