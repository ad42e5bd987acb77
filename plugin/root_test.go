package plugin

import (
	"strings"
	"testing"

	"k8s.io/cli-runtime/pkg/genericiooptions"
)

func run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	streams, _, out, errOut := genericiooptions.NewTestIOStreams()
	cmd := NewRootCommand(streams)
	cmd.SetArgs(args)
	err := cmd.Execute()
	return out.String() + errOut.String(), err
}

func TestVersionFlag(t *testing.T) {
	out, err := run(t, "--version")
	if err != nil {
		t.Fatalf("--version: %v", err)
	}
	if !strings.HasPrefix(out, "kubectl-karpenter v") {
		t.Errorf("--version printed %q, want it to start with %q", out, "kubectl-karpenter v")
	}
	out, err = run(t, "version")
	if err != nil || !strings.HasPrefix(out, "kubectl-karpenter v") {
		t.Errorf("version printed %q, %v", out, err)
	}
}

func TestHelpReadsAsKubectlPlugin(t *testing.T) {
	out, err := run(t, "--help")
	if err != nil {
		t.Fatalf("--help: %v", err)
	}
	for _, want := range []string{"kubectl karpenter [flags]", "--kubeconfig", "--context", "--namespace", "get", "describe", "create", "why-pending", "top", "completion"} {
		if !strings.Contains(out, want) {
			t.Errorf("--help output lacks %q:\n%s", want, out)
		}
	}
	for _, sub := range [][]string{{"get", "--help"}, {"create", "nodepool", "--help"}, {"why-pending", "--help"}, {"top", "--help"}} {
		out, err := run(t, sub...)
		if err != nil {
			t.Fatalf("%v: %v", sub, err)
		}
		if !strings.Contains(out, "kubectl karpenter "+sub[0]) {
			t.Errorf("%v help does not read as kubectl karpenter:\n%s", sub, out)
		}
	}
	out, _ = run(t, "create", "nodepool", "--help")
	for _, want := range []string{"--preset", "spot-first", "--capacity-type", "--arch", "--instance-category", "--instance-family", "--zones",
		"--cpu-limit", "--memory-limit", "--consolidation-policy", "--consolidate-after", "--expire-after", "--weight", "--taint", "--label", "--dry-run", "--output"} {
		if !strings.Contains(out, want) {
			t.Errorf("create nodepool --help lacks %s", want)
		}
	}
}

func TestShellCompletion(t *testing.T) {
	out, err := run(t, "__complete", "get", "")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "nodepools\nnodeclaims\n") {
		t.Errorf("completion of get: %q", out)
	}
	out, _ = run(t, "__complete", "create", "nodepool", "x", "--preset", "")
	for _, p := range []string{"arm64", "default", "gpu", "spot-first"} {
		if !strings.Contains(out, p+"\n") {
			t.Errorf("completion of --preset lacks %s: %q", p, out)
		}
	}
	out, err = run(t, "completion", "bash")
	if err != nil || !strings.Contains(out, "__start_karpenter") {
		t.Errorf("completion bash: %v\n%.200s", err, out)
	}
}

func TestExitCodes(t *testing.T) {
	streams, _, _, errOut := genericiooptions.NewTestIOStreams()
	if code := Run(streams, []string{"get", "widgets"}); code != 1 || !strings.HasPrefix(errOut.String(), "error: unknown resource type") {
		t.Errorf("Run = %d, stderr %q", code, errOut.String())
	}
	streams, _, _, errOut = genericiooptions.NewTestIOStreams()
	if code := Run(streams, []string{"version"}); code != 0 || errOut.Len() != 0 {
		t.Errorf("Run(version) = %d, stderr %q", code, errOut.String())
	}
}
