package lifecycle

import (
	"context"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// ephemeralTaints are put on a node by Kubernetes itself while it is not usable yet; a node is
// not initialized while it has any (upstream Karpenter waits for the same ones).
var ephemeralTaints = []corev1.Taint{
	{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
	{Key: "node.cloudprovider.kubernetes.io/uninitialized", Effect: corev1.TaintEffectNoSchedule},
	karpv1.UnregisteredNoExecuteTaint,
}

// initialize marks the NodeClaim Initialized (and so Ready) once its node can run the pods it
// was made for: the node is Ready, no startup or ephemeral taint is left, and every extended
// resource the NodeClaim requested is in its allocatable. It labels the node
// karpenter.sh/initialized=true.
func (c *Controller) initialize(ctx context.Context, nc *karpv1.NodeClaim) (reconcile.Result, error) {
	if !isTrue(nc, karpv1.ConditionTypeRegistered) || isTrue(nc, karpv1.ConditionTypeInitialized) {
		return reconcile.Result{}, nil
	}
	stored := nc.DeepCopy()
	node := &corev1.Node{}
	if err := c.kube.Get(ctx, client.ObjectKey{Name: nc.Status.NodeName}, node); err != nil {
		if !apierrors.IsNotFound(err) {
			return reconcile.Result{}, fmt.Errorf("getting node %s: %w", nc.Status.NodeName, err)
		}
		c.setCondition(nc, karpv1.ConditionTypeInitialized, metav1.ConditionUnknown, ReasonNodeNotFound,
			fmt.Sprintf("Node %s is not in the cluster", nc.Status.NodeName))
		return reconcile.Result{}, c.patchStatus(ctx, nc, stored)
	}
	if reason, message, ok := nodeInitialized(nc, node); !ok {
		c.setCondition(nc, karpv1.ConditionTypeInitialized, metav1.ConditionUnknown, reason, message)
		return reconcile.Result{}, c.patchStatus(ctx, nc, stored)
	}

	if node.Labels[karpv1.NodeInitializedLabelKey] != "true" {
		storedNode := node.DeepCopy()
		node.Labels = merged(node.Labels, map[string]string{karpv1.NodeInitializedLabelKey: "true"})
		if err := c.kube.Patch(ctx, node, client.MergeFrom(storedNode)); err != nil {
			return reconcile.Result{}, fmt.Errorf("labelling node %s initialized: %w", node.Name, err)
		}
	}
	c.setCondition(nc, karpv1.ConditionTypeInitialized, metav1.ConditionTrue, ReasonInitialized,
		fmt.Sprintf("Node %s is ready for pods", node.Name))
	if err := c.patchStatus(ctx, nc, stored); err != nil {
		return reconcile.Result{}, err
	}

	sinceLaunch := c.clock.Since(nc.CreationTimestamp.Time)
	for _, cond := range nc.Status.Conditions {
		if cond.Type == karpv1.ConditionTypeLaunched {
			sinceLaunch = c.clock.Since(cond.LastTransitionTime.Time)
		}
	}
	c.recorder.Publish(decisions.Initialized(nc, node.Name, sinceLaunch))
	nodePool := nc.Labels[karpv1.NodePoolLabelKey]
	metrics.NodeClaimsInitialized.WithLabelValues(nodePool).Inc()
	metrics.InitializationDuration.WithLabelValues(nodePool).Observe(c.clock.Since(nc.CreationTimestamp.Time).Seconds())
	return reconcile.Result{}, nil
}

// nodeInitialized says whether the node is ready for the NodeClaim's pods and, when not, why, in
// words a person can act on.
func nodeInitialized(nc *karpv1.NodeClaim, node *corev1.Node) (reason, message string, ok bool) {
	ready := false
	readyMessage := "the kubelet has not reported a Ready condition"
	for _, cond := range node.Status.Conditions {
		if cond.Type == corev1.NodeReady {
			ready = cond.Status == corev1.ConditionTrue
			readyMessage = fmt.Sprintf("Ready is %s (%s: %s)", cond.Status, cond.Reason, cond.Message)
		}
	}
	if !ready {
		return ReasonNodeNotReady, fmt.Sprintf("Node %s is not ready: %s", node.Name, readyMessage), false
	}
	for _, t := range ephemeralTaints {
		if hasTaint(node.Spec.Taints, t) {
			return ReasonTaintsExist, fmt.Sprintf("Node %s still has taint %s:%s, which Kubernetes removes once the node is usable", node.Name, t.Key, t.Effect), false
		}
	}
	for _, t := range nc.Spec.StartupTaints {
		if hasTaint(node.Spec.Taints, t) {
			return ReasonTaintsExist, fmt.Sprintf("Node %s still has startup taint %s:%s; the agent that owns it (a CNI, a device plugin...) has not removed it yet", node.Name, t.Key, t.Effect), false
		}
	}
	for name, q := range nc.Spec.Resources.Requests {
		if !isExtendedResource(name) || q.IsZero() {
			continue
		}
		if have, found := node.Status.Allocatable[name]; !found || have.IsZero() {
			return ReasonResourceNotRegistered, fmt.Sprintf("Node %s has no allocatable %s yet; its device plugin has not registered it", node.Name, name), false
		}
	}
	return "", "", true
}

// isExtendedResource reports whether the resource is an extended one (nvidia.com/gpu, ...),
// which a device plugin adds after the node starts: a domain-prefixed name outside
// kubernetes.io, as Kubernetes defines it.
func isExtendedResource(name corev1.ResourceName) bool {
	s := string(name)
	i := strings.Index(s, "/")
	if i < 0 || strings.HasPrefix(s, corev1.DefaultResourceRequestsPrefix) {
		return false
	}
	domain := s[:i]
	return domain != "kubernetes.io" && !strings.HasSuffix(domain, ".kubernetes.io")
}
