// Package framework runs the agent binary against the real local control plane (etcd,
// kube-apiserver, kube-scheduler, kube-controller-manager and KWOK) for end-to-end tests.
package framework

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// Env is one control plane with the CRDs installed, and clients for it.
type Env struct {
	CP        *controlplane.ControlPlane
	Client    client.Client
	Clientset kubernetes.Interface
	Root      string
}

func init() {
	// envtest's CRD installer logs through controller-runtime; without a logger it prints a
	// stack trace warning instead.
	logf.SetLogger(logr.Discard())
}

// Setup starts a fresh control plane for the test, installs the CRDs and the namespaces the
// agent uses, and stops everything when the test ends.
func Setup(t testing.TB) *Env {
	t.Helper()
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cp := controlplane.StartT(t, controlplane.AllComponents())
	cfg := cp.RESTConfig()
	cfg.QPS, cfg.Burst = 500, 1000
	if _, err := envtest.InstallCRDs(cfg, envtest.CRDInstallOptions{
		Paths: []string{filepath.Join(root, "manifests", "crds")}, ErrorIfPathMissing: true,
	}); err != nil {
		t.Fatalf("installing the CRDs: %v", err)
	}
	c, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatalf("creating a client: %v", err)
	}
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatalf("creating a clientset: %v", err)
	}
	env := &Env{CP: cp, Client: c, Clientset: cs, Root: root}
	for _, ns := range []string{"karpenter", "karpenter-simulated"} {
		env.Create(t, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: ns}})
	}
	return env
}

// Create creates obj or fails the test.
func (e *Env) Create(t testing.TB, objs ...client.Object) {
	t.Helper()
	for _, obj := range objs {
		if err := e.Client.Create(context.Background(), obj); err != nil {
			t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
	}
}

var (
	buildOnce sync.Once
	agentBin  string
	buildErr  error
)

// AgentBinary builds cmd/karpenter-agent once per test binary, with the race detector when the
// tests run with it, so the agent's own races fail the end-to-end tests too.
func AgentBinary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		root, err := controlplane.RepoRoot()
		if err != nil {
			buildErr = err
			return
		}
		dir, err := os.MkdirTemp("", "karpenter-agent-")
		if err != nil {
			buildErr = fmt.Errorf("creating a build directory: %w", err)
			return
		}
		agentBin = filepath.Join(dir, "karpenter-agent")
		args := []string{"build", "-o", agentBin}
		if raceEnabled {
			args = append(args, "-race")
		}
		args = append(args, "./cmd/karpenter-agent")
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("building the agent: %w\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return agentBin
}
