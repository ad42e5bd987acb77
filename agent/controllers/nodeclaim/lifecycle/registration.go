package lifecycle

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// lastAppliedAnnotation is kubectl's bookkeeping; it describes the NodeClaim, not the node.
const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

// register adopts the Node that joined with the NodeClaim's provider ID: it syncs the
// NodeClaim's labels, annotations and taints onto it, makes the NodeClaim its owner, puts the
// termination finalizer on it and lifts the karpenter.sh/unregistered taint. No Node yet is not
// an error: the Node watch brings the NodeClaim back, and liveness bounds the wait.
func (c *Controller) register(ctx context.Context, nc *karpv1.NodeClaim) (reconcile.Result, error) {
	if !isTrue(nc, karpv1.ConditionTypeLaunched) || isTrue(nc, karpv1.ConditionTypeRegistered) {
		return reconcile.Result{}, nil
	}
	nodes, err := index.NodesForNodeClaim(ctx, c.kube, nc)
	if err != nil {
		return reconcile.Result{}, err
	}
	stored := nc.DeepCopy()
	switch {
	case len(nodes) == 0:
		c.setCondition(nc, karpv1.ConditionTypeRegistered, metav1.ConditionUnknown, ReasonNodeNotFound,
			fmt.Sprintf("Waiting for a node with provider ID %s to join the cluster", nc.Status.ProviderID))
		return reconcile.Result{}, c.patchStatus(ctx, nc, stored)
	case len(nodes) > 1:
		c.setCondition(nc, karpv1.ConditionTypeRegistered, metav1.ConditionFalse, ReasonMultipleNodesFound,
			fmt.Sprintf("%d nodes have provider ID %s; delete the ones that do not belong to this instance", len(nodes), nc.Status.ProviderID))
		if err := c.patchStatus(ctx, nc, stored); err != nil {
			return reconcile.Result{}, err
		}
		return reconcile.Result{}, fmt.Errorf("registering NodeClaim %s: %d nodes have provider ID %s", nc.Name, len(nodes), nc.Status.ProviderID)
	case !nodes[0].DeletionTimestamp.IsZero():
		c.setCondition(nc, karpv1.ConditionTypeRegistered, metav1.ConditionUnknown, ReasonNodeDeleting,
			fmt.Sprintf("Node %s is being deleted", nodes[0].Name))
		return reconcile.Result{}, c.patchStatus(ctx, nc, stored)
	}
	node := nodes[0]
	if err := c.syncNode(ctx, nc, node); err != nil {
		return reconcile.Result{}, err
	}

	nc.Status.NodeName = node.Name
	c.setCondition(nc, karpv1.ConditionTypeRegistered, metav1.ConditionTrue, ReasonRegistered,
		fmt.Sprintf("Node %s registered", node.Name))
	if err := c.patchStatus(ctx, nc, stored); err != nil {
		return reconcile.Result{}, err
	}
	c.recorder.Publish(decisions.Registered(nc, node.Name))
	nodePool := nc.Labels[karpv1.NodePoolLabelKey]
	metrics.NodeClaimsRegistered.WithLabelValues(nodePool).Inc()
	metrics.RegistrationDuration.WithLabelValues(nodePool).Observe(c.clock.Since(nc.CreationTimestamp.Time).Seconds())
	return reconcile.Result{}, nil
}

// syncNode brings the Node in line with its NodeClaim in one patch, merging with what the node
// has of its own. The NodeClaim's taints and startup taints are added only on the first sync
// (before karpenter.sh/registered is on the node): a startup taint that its owner removed later
// must not come back. The patch is optimistically locked because taints, owner references and
// finalizers are lists, which a merge patch replaces whole.
func (c *Controller) syncNode(ctx context.Context, nc *karpv1.NodeClaim, node *corev1.Node) error {
	stored := node.DeepCopy()
	firstSync := node.Labels[karpv1.NodeRegisteredLabelKey] != "true"

	node.Labels = merged(node.Labels, nc.Labels)
	node.Labels[karpv1.NodeRegisteredLabelKey] = "true"
	for k, v := range nc.Annotations {
		if k == lastAppliedAnnotation {
			continue
		}
		if node.Annotations == nil {
			node.Annotations = map[string]string{}
		}
		node.Annotations[k] = v
	}
	if firstSync {
		for _, t := range append(append([]corev1.Taint{}, nc.Spec.Taints...), nc.Spec.StartupTaints...) {
			if !hasTaint(node.Spec.Taints, t) {
				node.Spec.Taints = append(node.Spec.Taints, t)
			}
		}
	}
	node.Spec.Taints = withoutTaint(node.Spec.Taints, karpv1.UnregisteredNoExecuteTaint)
	if err := controllerutil.SetOwnerReference(nc, node, c.kube.Scheme()); err != nil {
		return fmt.Errorf("making NodeClaim %s the owner of node %s: %w", nc.Name, node.Name, err)
	}
	controllerutil.AddFinalizer(node, karpv1.TerminationFinalizer)

	if equality.Semantic.DeepEqual(stored, node) {
		return nil
	}
	if err := c.kube.Patch(ctx, node, client.MergeFromWithOptions(stored, client.MergeFromWithOptimisticLock{})); err != nil {
		return fmt.Errorf("syncing node %s with NodeClaim %s: %w", node.Name, nc.Name, err)
	}
	return nil
}

// hasTaint reports whether a taint with the same key and effect is in taints.
func hasTaint(taints []corev1.Taint, t corev1.Taint) bool {
	for i := range taints {
		if taints[i].MatchTaint(&t) {
			return true
		}
	}
	return false
}

// withoutTaint returns taints without those matching t by key and effect.
func withoutTaint(taints []corev1.Taint, t corev1.Taint) []corev1.Taint {
	out := taints[:0:0]
	for _, have := range taints {
		if !have.MatchTaint(&t) {
			out = append(out, have)
		}
	}
	return out
}
