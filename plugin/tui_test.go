package plugin

import (
	"strings"
	"testing"
)

func TestTUIHelpReadsAsKubectl(t *testing.T) {
	r := runPlugin(t, "tui", "--help").mustSucceed(t)
	for _, want := range []string{
		"Usage:\n  kubectl karpenter tui [flags]",
		"--read-only",
		"--view string",
		"kubectl karpenter tui --read-only",
		"--kubeconfig string",
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("tui --help lacks %q:\n%s", want, r.out)
		}
	}
}

func TestTUIRejectsAnUnknownView(t *testing.T) {
	runPlugin(t, "tui", "--view", "nodes").mustFail(t, `invalid --view "nodes"`, "nodepools, nodeclaims, pending, decisions")
}

func TestTUIRejectsArguments(t *testing.T) {
	runPlugin(t, "tui", "extra").mustFail(t, "unknown command")
}
