// Package controllers wires the agent's controllers into a manager. Each controller lives in a
// package named for its noun and aspect (provisioning, nodeclaim/lifecycle, termination, ...).
package controllers

import (
	"fmt"
	"time"

	"k8s.io/utils/clock"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/disruption/emptiness"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/interruption"
	nodetermination "github.com/karpenter-tools/kubectl-karpenter/agent/controllers/node/termination"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/garbagecollection"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/lifecycle"
	nctermination "github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/termination"
	nodeclassstatus "github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclass/status"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodepool/status"
	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/provisioning"
	"github.com/karpenter-tools/kubectl-karpenter/agent/nominations"
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

// registrar is what every controller package's Controller implements.
type registrar interface {
	Register(mgr manager.Manager) error
}

// Register adds every controller to the manager.
func Register(mgr manager.Manager, deps Deps) error {
	kube := mgr.GetClient()
	// The provisioner's promises to pending pods, which disruption must not break.
	noms := nominations.New(deps.Clock, provisioning.NominationTTL(deps.BatchMaxDuration))
	all := map[string]registrar{
		"provisioning": provisioning.NewController(kube, mgr.GetCache(), deps.CloudProvider, deps.Recorder, deps.Clock,
			provisioning.NewBatcher(deps.Clock, deps.BatchIdleDuration, deps.BatchMaxDuration), noms),
		"nodeclaim.lifecycle":         lifecycle.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
		"nodeclaim.termination":       nctermination.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
		"node.termination":            nodetermination.NewController(kube, deps.Recorder),
		"disruption.emptiness":        emptiness.NewController(kube, deps.Clock, deps.Recorder, noms),
		"nodepool.status":             status.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
		"interruption":                interruption.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
		"nodeclaim.garbagecollection": garbagecollection.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
		// Registers itself only for providers that implement cloudprovider.NodeClassResolver.
		"nodeclass.status": nodeclassstatus.NewController(kube, deps.CloudProvider, deps.Recorder, deps.Clock),
	}
	for name, r := range all {
		if err := r.Register(mgr); err != nil {
			return fmt.Errorf("registering the %s controller: %w", name, err)
		}
	}
	return nil
}
