package tui

import "github.com/karpenter-tools/kubectl-karpenter/pkg/test/envsuite"

// suite is the package's API server, started by the first test that needs one.
var suite = &envsuite.Suite{}
