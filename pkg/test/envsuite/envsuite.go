// Package envsuite gives a controller package's integration tests one shared kube-apiserver and
// etcd (envtest, from the binaries hack/controlplane/build.sh caches) with the CRDs of
// manifests/crds installed, and a per-test manager for the controller under test.
package envsuite

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// Suite is one package's shared API server, started by the first test that needs it so that the
// pure unit tests of the package run without one.
type Suite struct {
	once sync.Once
	cfg  *rest.Config
	err  error
	stop func() error
}

// Main runs the package's tests and stops the API server; call it from TestMain.
func (s *Suite) Main(m *testing.M) int {
	log.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	code := m.Run()
	if s.stop != nil {
		if err := s.stop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the API server: %v\n", err)
		}
	}
	return code
}

// APIServer returns the shared API server's configuration. When the binaries are not built it
// fails the test with the command that builds them; it never skips.
func (s *Suite) APIServer(t *testing.T) *rest.Config {
	t.Helper()
	controlplane.RequireAssets(t)
	s.once.Do(func() {
		dir, err := controlplane.EnvtestAssetsDir()
		if err != nil {
			s.err = err
			return
		}
		root, err := controlplane.RepoRoot()
		if err != nil {
			s.err = err
			return
		}
		env := &envtest.Environment{
			BinaryAssetsDirectory: dir,
			CRDDirectoryPaths:     []string{filepath.Join(root, "manifests", "crds")},
			ErrorIfCRDPathMissing: true,
		}
		s.cfg, s.err = env.Start()
		if s.err == nil {
			s.stop = env.Stop
			s.cfg.QPS, s.cfg.Burst = 200, 400
		}
	})
	if s.err != nil {
		t.Fatalf("starting the API server: %v", s.err)
	}
	return s.cfg
}

// Env is one test's view of the API server: a direct client for setup and assertions, and a
// manager whose cached client the controller under test uses.
type Env struct {
	Ctx    context.Context
	Direct client.Client
	Mgr    manager.Manager
}

// NewEnv builds a test's clients and manager; Start runs the manager.
func (s *Suite) NewEnv(t *testing.T) *Env {
	t.Helper()
	cfg := s.APIServer(t)
	direct, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	mgr, err := manager.New(cfg, manager.Options{
		Scheme:                 scheme.New(),
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		// Every test builds its own controllers under the same names.
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &Env{Ctx: ctx, Direct: direct, Mgr: mgr}
}

// Start runs the manager until the test ends and waits for its caches.
func (e *Env) Start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.Ctx)
	done := make(chan error, 1)
	go func() { done <- e.Mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	if !e.Mgr.GetCache().WaitForCacheSync(ctx) {
		t.Fatal("the manager's caches did not sync")
	}
}
