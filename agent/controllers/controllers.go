// Package controllers wires the agent's controllers into a manager. Each controller lives in a
// package named for its noun and aspect (provisioning, nodeclaim/lifecycle, termination, ...).
package controllers

import (
	"fmt"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// Deps are what every controller may need.
type Deps struct {
	CloudProvider cloudprovider.CloudProvider
	Recorder      decisions.Recorder
	Clock         clock.Clock
	// BatchIdleDuration and BatchMaxDuration bound a provisioning batch.
	BatchIdleDuration time.Duration
	BatchMaxDuration  time.Duration
}

// Registrar adds one controller to a manager.
type Registrar func(mgr manager.Manager, deps Deps) error

// registrars is filled by Register calls in this package's files, one per controller.
var registrars []namedRegistrar

type namedRegistrar struct {
	name string
	fn   Registrar
}

// Register adds every controller to the manager.
func Register(mgr manager.Manager, deps Deps) error {
	for _, r := range registrars {
		if err := r.fn(mgr, deps); err != nil {
			return fmt.Errorf("registering the %s controller: %w", r.name, err)
		}
	}
	return nil
}
