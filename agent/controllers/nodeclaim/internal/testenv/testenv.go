// Package testenv runs the NodeClaim controllers' integration tests against a real API server
// (envtest, from the control-plane binaries that hack/controlplane/build.sh caches) with this
// project's CRDs installed. One API server serves all the tests of a package; each test gets its
// own manager, fake CloudProvider and Event recorder, and wipes NodeClaims and Nodes before it
// starts and when it ends.
package testenv

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/zap/zapcore"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/utils/ptr"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/log/zap"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// Timeout bounds every wait for the controllers to act.
const Timeout = 30 * time.Second

var (
	once    sync.Once
	env     *envtest.Environment
	cfg     *rest.Config
	direct  client.Client
	initErr error
)

// Env returns the shared API server's config and an uncached client, starting the server on
// first use. It fails the test, with the command that builds them, when the control-plane
// binaries are missing. Under -short (make test-unit: the tests that need no control plane) it
// skips.
//
// Call it first in a test: it wipes the NodeClaims and Nodes left by earlier tests.
func Env(t testing.TB) (*rest.Config, client.Client) {
	t.Helper()
	ensure(t)
	wipe(t)
	t.Cleanup(func() { wipe(t) })
	return cfg, direct
}

func ensure(t testing.TB) {
	t.Helper()
	controlplane.RequireAssets(t)
	once.Do(start)
	if initErr != nil {
		t.Fatal(initErr)
	}
}

func start() {
	logf.SetLogger(zap.New(zap.UseDevMode(true), zap.WriteTo(os.Stderr), zap.Level(zapLevel())))
	assets, err := controlplane.EnvtestAssetsDir()
	if err != nil {
		initErr = err
		return
	}
	root, err := controlplane.RepoRoot()
	if err != nil {
		initErr = err
		return
	}
	env = &envtest.Environment{
		BinaryAssetsDirectory: assets,
		CRDDirectoryPaths:     []string{filepath.Join(root, "manifests", "crds")},
		ErrorIfCRDPathMissing: true,
		Scheme:                scheme.New(),
	}
	if cfg, err = env.Start(); err != nil {
		initErr = fmt.Errorf("starting envtest: %w", err)
		return
	}
	// Tests poll; client-go's default of 5 requests per second would throttle them.
	cfg.QPS, cfg.Burst = 1000, 2000
	if direct, err = client.New(cfg, client.Options{Scheme: scheme.New()}); err != nil {
		initErr = fmt.Errorf("creating a client: %w", err)
	}
}

// zapLevel is quiet by default; TESTENV_LOG=debug shows the controllers' logs.
func zapLevel() zapcore.Level {
	if os.Getenv("TESTENV_LOG") == "debug" {
		return zapcore.DebugLevel
	}
	return zapcore.ErrorLevel
}

// Stop stops the shared API server, if it started. Call it from TestMain after m.Run.
func Stop() {
	if env != nil && cfg != nil {
		_ = env.Stop()
	}
}

// Manager returns a started manager on the shared API server (call Env first). setup runs
// before the start, to register indexes and controllers; the manager stops when the test ends.
func Manager(t testing.TB, setup func(manager.Manager) error) manager.Manager {
	t.Helper()
	ensure(t)
	mgr, err := ctrl.NewManager(cfg, ctrl.Options{
		Scheme:     scheme.New(),
		Metrics:    metricsserver.Options{BindAddress: "0"},
		Controller: config.Controller{SkipNameValidation: ptr.To(true)},
	})
	if err != nil {
		t.Fatalf("creating a manager: %v", err)
	}
	if err := setup(mgr); err != nil {
		t.Fatalf("setting up the manager: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mgr.Start(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("manager: %v", err)
		}
	})
	syncCtx, syncCancel := context.WithTimeout(ctx, Timeout)
	defer syncCancel()
	if !mgr.GetCache().WaitForCacheSync(syncCtx) {
		t.Fatal("the manager's cache did not sync")
	}
	return mgr
}

// Eventually polls cond until it returns nil, failing the test with its last error after
// Timeout.
func Eventually(t testing.TB, what string, cond func(ctx context.Context) error) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, Timeout, true, func(ctx context.Context) (bool, error) {
		last = cond(ctx)
		return last == nil, nil
	})
	if err != nil {
		t.Fatalf("%s: not within %s: %v", what, Timeout, last)
	}
}

// Never checks cond for a while and fails the test if it ever returns nil. It is for asserting
// that something does not happen, so it has to wait.
func Never(t testing.TB, what string, d time.Duration, cond func(ctx context.Context) error) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, d, true, func(ctx context.Context) (bool, error) {
		return cond(ctx) == nil, nil
	})
	if err == nil {
		t.Fatalf("%s happened", what)
	}
}

// wipe removes every NodeClaim and Node, finalizers and all, so that tests sharing the API
// server do not see each other's objects.
func wipe(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	ncs := &karpv1.NodeClaimList{}
	nodes := &corev1.NodeList{}
	if err := direct.List(ctx, ncs); err != nil {
		t.Fatalf("listing NodeClaims: %v", err)
	}
	if err := direct.List(ctx, nodes); err != nil {
		t.Fatalf("listing nodes: %v", err)
	}
	objs := make([]client.Object, 0, len(ncs.Items)+len(nodes.Items))
	for i := range ncs.Items {
		objs = append(objs, &ncs.Items[i])
	}
	for i := range nodes.Items {
		objs = append(objs, &nodes.Items[i])
	}
	for _, o := range objs {
		if len(o.GetFinalizers()) > 0 {
			patch := client.RawPatch("application/merge-patch+json", []byte(`{"metadata":{"finalizers":null}}`))
			if err := direct.Patch(ctx, o, patch); client.IgnoreNotFound(err) != nil {
				t.Fatalf("removing the finalizers of %s: %v", o.GetName(), err)
			}
		}
		if err := direct.Delete(ctx, o, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
			t.Fatalf("deleting %s: %v", o.GetName(), err)
		}
	}
}

// Namespace creates a namespace for the test's pods.
func Namespace(t testing.TB, c client.Client) string {
	t.Helper()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{GenerateName: "test-"}}
	if err := c.Create(context.Background(), ns); err != nil {
		t.Fatalf("creating a namespace: %v", err)
	}
	return ns.Name
}
