package status

import (
	"os"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/envsuite"
)

// suite is the package's shared API server, started by the first integration test.
var suite envsuite.Suite

func TestMain(m *testing.M) { os.Exit(suite.Main(m)) }
