package interruption

import (
	"context"
	"os"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/envsuite"
)

// suite is the package's shared API server, started by the first integration test.
var suite envsuite.Suite

func TestMain(m *testing.M) { os.Exit(suite.Main(m)) }

// testEnv is one test's clients and manager (see envsuite.Env).
type testEnv struct {
	ctx    context.Context
	direct client.Client
	mgr    manager.Manager
	env    *envsuite.Env
}

func newTestEnv(t *testing.T) *testEnv {
	t.Helper()
	e := suite.NewEnv(t)
	return &testEnv{ctx: e.Ctx, direct: e.Direct, mgr: e.Mgr, env: e}
}

// start runs the manager until the test ends and waits for its caches.
func (e *testEnv) start(t *testing.T) { e.env.Start(t) }
