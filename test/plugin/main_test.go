// Package plugin_test runs every kubectl karpenter command against the real control plane
// (etcd, kube-apiserver, kube-controller-manager, kube-scheduler and KWOK from the cache), with
// the Karpenter CRDs installed and a prepared cluster state: NodePools, NodeClaims, KWOK nodes,
// pods the kube-scheduler bound or could not place, and the agent's Events.
//
// One control plane serves the whole package. The tests run one after the other, and each
// starts from an empty cluster (reset), so that the NodePools of one never take part in the
// simulation of another.
package plugin_test

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/discovery"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
	"github.com/karpenter-tools/kubectl-karpenter/plugin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/ from the commands' output")

// env is the package's control plane and an admin client of it.
var env struct {
	cp     *controlplane.ControlPlane
	client client.Client
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(run(m))
}

func run(m *testing.M) int {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cp, err := controlplane.Start(ctx, controlplane.AllComponents())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer func() {
		if err := cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}()
	root, err := controlplane.RepoRoot()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if _, err := envtest.InstallCRDs(cp.RESTConfig(), envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(root, "manifests", "crds")}, ErrorIfPathMissing: true,
	}); err != nil {
		fmt.Fprintln(os.Stderr, "installing the CRDs:", err)
		return 1
	}
	env.cp = cp
	env.client, err = client.New(cp.RESTConfig(), client.Options{Scheme: scheme.New()})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	code := m.Run()
	if code != 0 {
		fmt.Fprintln(os.Stderr, cp.LogTails(30))
	}
	return code
}

// result is what one run of the plugin printed, and its exit code.
type result struct {
	args        []string
	out, errOut string
	code        int
}

// kk runs `kubectl karpenter args...` against the control plane in-process, through the same
// entry point as the binary, so the exit code and the "error: ..." line are the user's.
func kk(t *testing.T, args ...string) result {
	t.Helper()
	var in, out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", env.cp.KubeconfigPath())
	code := plugin.Run(genericiooptions.IOStreams{In: &in, Out: &out, ErrOut: &errOut}, args)
	return result{args: args, out: out.String(), errOut: errOut.String(), code: code}
}

func (r result) String() string {
	return fmt.Sprintf("kubectl karpenter %s (exit %d)\nstdout:\n%s\nstderr:\n%s", strings.Join(r.args, " "), r.code, r.out, r.errOut)
}

// ok fails the test unless the command exited 0.
func (r result) ok(t *testing.T) result {
	t.Helper()
	if r.code != 0 {
		t.Fatalf("want exit 0: %s", r)
	}
	return r
}

// fails checks a non-zero exit and an error line containing every want.
func (r result) fails(t *testing.T, wants ...string) result {
	t.Helper()
	if r.code == 0 {
		t.Fatalf("want a non-zero exit: %s", r)
	}
	for _, w := range wants {
		if !strings.Contains(r.errOut, w) {
			t.Errorf("stderr lacks %q: %s", w, r)
		}
	}
	return r
}

func discoveryClient() (*discovery.DiscoveryClient, error) {
	dc, err := discovery.NewDiscoveryClientForConfig(env.cp.RESTConfig())
	if err != nil {
		return nil, fmt.Errorf("building a discovery client: %w", err)
	}
	return dc, nil
}

// eventually polls cond every 200ms until it holds or the deadline passes.
func eventually(t *testing.T, what string, timeout time.Duration, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, timeout, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}
