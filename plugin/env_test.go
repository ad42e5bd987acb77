package plugin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/cli-runtime/pkg/genericiooptions"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// cluster is an envtest API server (etcd + kube-apiserver from the cached control-plane
// binaries) with an admin kubeconfig.
type cluster struct {
	env        *envtest.Environment
	kubeconfig string
	client     client.Client

	mu       sync.Mutex
	fixtures map[string]bool
}

// once runs setup the first time a test asks for the named fixture on this cluster.
func (c *cluster) once(t *testing.T, name string, setup func()) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixtures[name] {
		return
	}
	setup()
	c.fixtures[name] = true
}

var (
	clustersMu sync.Mutex
	clusters   = map[string]*cluster{}
)

// TestMain stops the API servers the tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	clustersMu.Lock()
	for _, c := range clusters {
		_ = c.env.Stop()
		_ = os.Remove(c.kubeconfig)
	}
	clustersMu.Unlock()
	os.Exit(code)
}

// sharedCluster returns the API server named name, starting it on first use; withCRDs installs
// manifests/crds. Tests that share one use distinct object names. Missing binaries fail the test
// with the command that builds them.
func sharedCluster(t *testing.T, name string, withCRDs bool) *cluster {
	t.Helper()
	clustersMu.Lock()
	defer clustersMu.Unlock()
	if c, ok := clusters[name]; ok {
		return c
	}
	env := &envtest.Environment{BinaryAssetsDirectory: controlplane.RequireEnvtestAssetsDir(t), Scheme: scheme.New()}
	if withCRDs {
		root, err := controlplane.RepoRoot()
		if err != nil {
			t.Fatal(err)
		}
		env.CRDDirectoryPaths = []string{filepath.Join(root, "manifests", "crds")}
		env.ErrorIfCRDPathMissing = true
	}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting the API server: %v", err)
	}
	admin, err := env.AddUser(envtest.User{Name: "admin", Groups: []string{"system:masters"}}, cfg)
	if err != nil {
		t.Fatal(err)
	}
	kc, err := admin.KubeConfig()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp("", "kubeconfig-"+name+"-")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(kc); err != nil {
		t.Fatal(err)
	}
	_ = f.Close()
	cl, err := client.New(admin.Config(), client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{env: env, kubeconfig: f.Name(), client: cl, fixtures: map[string]bool{}}
	clusters[name] = c
	return c
}

// result is what one command run printed and returned.
type result struct {
	out, errOut string
	err         error
	code        int
}

// kubectlKarpenter runs the plugin against the cluster, as a user would with --kubeconfig.
func (c *cluster) kubectlKarpenter(t *testing.T, args ...string) result {
	t.Helper()
	return runPlugin(t, append(args, "--kubeconfig", c.kubeconfig)...)
}

func runPlugin(t *testing.T, args ...string) result {
	t.Helper()
	var in, out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: &in, Out: &out, ErrOut: &errOut}
	cmd := newRootCommand(streams, nil)
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	r := result{out: out.String(), errOut: errOut.String(), err: err}
	r.code = exitCode(err)
	return r
}

// exitCode is the code Run would return.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// mustSucceed fails the test when the command failed.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.err != nil {
		t.Fatalf("command failed: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.out, r.errOut)
	}
	return r
}

// mustFail fails the test unless the command failed with an error containing every want.
func (r result) mustFail(t *testing.T, wants ...string) result {
	t.Helper()
	if r.err == nil {
		t.Fatalf("command succeeded, want an error containing %q\nstdout:\n%s", wants, r.out)
	}
	for _, w := range wants {
		if !strings.Contains(r.err.Error(), w) {
			t.Errorf("error %q lacks %q", r.err, w)
		}
	}
	return r
}
