package emptiness

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

// The package's integration tests share one kube-apiserver and etcd (envtest, from the binaries
// hack/controlplane/build.sh caches), started by the first test that needs it; the pure unit
// tests run without one.
var (
	envOnce sync.Once
	envCfg  *rest.Config
	envErr  error
	envStop func() error
)

func TestMain(m *testing.M) {
	log.SetLogger(zap.New(zap.WriteTo(os.Stderr), zap.Level(zapcore.ErrorLevel)))
	code := m.Run()
	if envStop != nil {
		if err := envStop(); err != nil {
			fmt.Fprintf(os.Stderr, "stopping the API server: %v\n", err)
		}
	}
	os.Exit(code)
}

// apiServer returns the shared API server with the CRDs of manifests/crds installed. When the
// binaries are not built it fails the test with the command that builds them; it never skips.
func apiServer(t *testing.T) *rest.Config {
	t.Helper()
	controlplane.RequireAssets(t)
	envOnce.Do(func() {
		dir, err := controlplane.EnvtestAssetsDir()
		if err != nil {
			envErr = err
			return
		}
		root, err := controlplane.RepoRoot()
		if err != nil {
			envErr = err
			return
		}
		env := &envtest.Environment{
			BinaryAssetsDirectory: dir,
			CRDDirectoryPaths:     []string{filepath.Join(root, "manifests", "crds")},
			ErrorIfCRDPathMissing: true,
		}
		envCfg, envErr = env.Start()
		if envErr == nil {
			envStop = env.Stop
			envCfg.QPS, envCfg.Burst = 200, 400
		}
	})
	if envErr != nil {
		t.Fatalf("starting the API server: %v", envErr)
	}
	return envCfg
}

// testEnv is one test's view of the API server: a direct client for setup and assertions, and a
// manager whose cached client the controller under test uses.
type testEnv struct {
	ctx    context.Context
	direct client.Client
	mgr    manager.Manager
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	cfg := apiServer(t)
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
	return &testEnv{ctx: ctx, direct: direct, mgr: mgr}
}

// start runs the manager until the test ends and waits for its caches.
func (e *testEnv) start(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithCancel(e.ctx)
	done := make(chan error, 1)
	go func() { done <- e.mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	if !e.mgr.GetCache().WaitForCacheSync(ctx) {
		t.Fatal("the manager's caches did not sync")
	}
}
