package termination

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/index"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// stuckTerminatingAfter is how long past its deletion timestamp (which already includes its
// grace period) a terminating pod is waited for. A pod still there is taken for stuck, on a
// kubelet that is gone, and no longer holds up the node, as upstream Karpenter does.
const stuckTerminatingAfter = time.Minute

// mirrorPodAnnotation marks the API server's copy of a static pod.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// Reasons of the Drained condition.
const (
	ReasonDrained  = "Drained"
	ReasonDraining = "Draining"
)

// drain evicts the pods that must leave the node and reports whether none is left to wait for.
// It evicts through the Eviction API, so PodDisruptionBudgets hold; once the NodeClaim's
// terminationGracePeriod has run out it deletes the pods instead, regardless of budgets and of
// karpenter.sh/do-not-disrupt.
func (c *Controller) drain(ctx context.Context, nc *karpv1.NodeClaim, node *corev1.Node) (reconcile.Result, bool, error) {
	pods, err := index.PodsOnNode(ctx, c.kube, node.Name)
	if err != nil {
		return reconcile.Result{}, false, err
	}
	now := c.clock.Now()
	deadline, hasDeadline := graceDeadline(nc)
	expired := hasDeadline && !now.Before(deadline)

	var (
		result               reconcile.Result
		waiting              int
		blocked, failed, dnd []string
	)
	for _, p := range pods {
		switch classify(ctx, p, now) {
		case podIgnored:
			continue
		case podTerminating:
			waiting++
			result = earliest(result, reconcile.Result{RequeueAfter: p.DeletionTimestamp.Add(stuckTerminatingAfter).Sub(now) + time.Second})
			continue
		case podDoNotDisrupt:
			if !expired {
				waiting++
				dnd = append(dnd, client.ObjectKeyFromObject(p).String())
				continue
			}
		}
		waiting++
		if expired {
			if err := c.kube.Delete(ctx, p, client.Preconditions{UID: &p.UID}); err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
				failed = append(failed, fmt.Sprintf("deleting pod %s: %v", client.ObjectKeyFromObject(p), err))
			}
			continue
		}
		why, err := c.evict(ctx, p)
		switch {
		case err != nil:
			failed = append(failed, err.Error())
		case why != "":
			blocked = append(blocked, why)
		default:
			c.recorder.Publish(decisions.Evicted(p, node.Name))
		}
	}
	if waiting == 0 {
		return reconcile.Result{}, true, nil
	}

	if len(blocked) > 0 || len(failed) > 0 {
		why := strings.Join(append(blocked, failed...), "; ")
		c.recorder.Publish(decisions.FailedDraining(nc, why), decisions.FailedDraining(node, why))
		result = earliest(result, reconcile.Result{RequeueAfter: c.backoff.When(nc.Name)})
	}
	if len(dnd) > 0 {
		why := fmt.Sprintf("pod(s) %s on node %s have %s=true and are not evicted", strings.Join(dnd, ", "), node.Name, karpv1.DoNotDisruptAnnotationKey)
		if hasDeadline {
			why += fmt.Sprintf(" until the NodeClaim's terminationGracePeriod ends at %s", deadline.UTC().Format(time.RFC3339))
		} else {
			why += "; the node waits until they finish (set spec.terminationGracePeriod on the NodePool to bound the wait)"
		}
		c.recorder.Publish(decisions.DisruptionBlocked(nc, why))
	}
	// When the terminationGracePeriod ends, whatever is left is deleted.
	if hasDeadline && !expired {
		result = earliest(result, reconcile.Result{RequeueAfter: deadline.Sub(now)})
	}

	stored := nc.DeepCopy()
	c.setCondition(nc, karpv1.ConditionTypeDrained, metav1.ConditionFalse, ReasonDraining, drainingMessage(node.Name, waiting, blocked, dnd))
	if err := c.patchStatus(ctx, nc, stored); err != nil {
		return reconcile.Result{}, false, err
	}
	if len(failed) > 0 {
		log.FromContext(ctx).Info("drain incomplete", "node", node.Name, "errors", failed)
	}
	return result, false, nil
}

func drainingMessage(node string, waiting int, blocked, dnd []string) string {
	msg := fmt.Sprintf("Draining node %s: %d pod(s) still to leave", node, waiting)
	if len(blocked) > 0 {
		msg += fmt.Sprintf(", %d blocked by a PodDisruptionBudget", len(blocked))
	}
	if len(dnd) > 0 {
		msg += fmt.Sprintf(", %d with %s", len(dnd), karpv1.DoNotDisruptAnnotationKey)
	}
	return msg
}

// graceDeadline is when the NodeClaim's terminationGracePeriod, counted from its deletion, ends.
func graceDeadline(nc *karpv1.NodeClaim) (time.Time, bool) {
	if nc.Spec.TerminationGracePeriod == nil || nc.DeletionTimestamp.IsZero() {
		return time.Time{}, false
	}
	return nc.DeletionTimestamp.Add(nc.Spec.TerminationGracePeriod.Duration), true
}

type podClass int

const (
	podEvictable podClass = iota
	// podIgnored pods neither need evicting nor hold up the node.
	podIgnored
	// podTerminating pods are on their way out; the node waits for them.
	podTerminating
	// podDoNotDisrupt pods are evicted only once the terminationGracePeriod ends.
	podDoNotDisrupt
)

// classify decides what the drain does with a pod. Ignored: finished pods; mirror pods of static
// pods and other pods owned by the node (the kubelet runs them); DaemonSet pods (their
// controller would put them straight back, and they go with the node); pods that tolerate the
// disrupted taint (they would reschedule onto the same node); pods stuck terminating.
func classify(ctx context.Context, p *corev1.Pod, now time.Time) podClass {
	switch {
	case p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed:
		return podIgnored
	case p.Annotations[mirrorPodAnnotation] != "" || ownedBy(p, "Node"):
		return podIgnored
	case ownedBy(p, "DaemonSet"):
		return podIgnored
	case toleratesDisrupted(ctx, p):
		return podIgnored
	case !p.DeletionTimestamp.IsZero():
		if now.After(p.DeletionTimestamp.Add(stuckTerminatingAfter)) {
			return podIgnored
		}
		return podTerminating
	case p.Annotations[karpv1.DoNotDisruptAnnotationKey] == "true":
		return podDoNotDisrupt
	}
	return podEvictable
}

func ownedBy(p *corev1.Pod, kind string) bool {
	for _, ref := range p.OwnerReferences {
		if ref.Kind == kind {
			return true
		}
	}
	return false
}

func toleratesDisrupted(ctx context.Context, p *corev1.Pod) bool {
	taint := karpv1.DisruptedNoScheduleTaint
	for i := range p.Spec.Tolerations {
		if p.Spec.Tolerations[i].ToleratesTaint(log.FromContext(ctx), &taint, false) {
			return true
		}
	}
	return false
}

// evict asks the API server to evict the pod. A refusal because of a PodDisruptionBudget is not
// an error: it returns why, naming the budget. A pod already gone, or replaced by another of the
// same name, counts as evicted.
func (c *Controller) evict(ctx context.Context, p *corev1.Pod) (blocked string, err error) {
	eviction := &policyv1.Eviction{
		ObjectMeta:    metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace},
		DeleteOptions: &metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &p.UID}},
	}
	err = c.kube.SubResource("eviction").Create(ctx, p, eviction)
	switch {
	case err == nil, apierrors.IsNotFound(err), apierrors.IsConflict(err):
		return "", nil
	case apierrors.IsTooManyRequests(err):
		return fmt.Sprintf("pod %s: %s", client.ObjectKeyFromObject(p), budgetOf(p.Namespace, err)), nil
	}
	return "", fmt.Errorf("evicting pod %s: %w", client.ObjectKeyFromObject(p), err)
}

var budgetName = regexp.MustCompile(`disruption budget (\S+)`)

// budgetOf names the PodDisruptionBudget behind an eviction's 429 from the causes the API server
// attaches ("The disruption budget web needs 2 healthy pods and has 2 currently").
func budgetOf(namespace string, err error) string {
	var status apierrors.APIStatus
	if errors.As(err, &status) && status.Status().Details != nil {
		var causes []string
		for _, cause := range status.Status().Details.Causes {
			if cause.Type != policyv1.DisruptionBudgetCause {
				continue
			}
			if m := budgetName.FindStringSubmatch(cause.Message); m != nil {
				causes = append(causes, fmt.Sprintf("blocked by PodDisruptionBudget %s/%s (%s)", namespace, m[1], cause.Message))
			} else {
				causes = append(causes, "blocked by a PodDisruptionBudget ("+cause.Message+")")
			}
		}
		if len(causes) > 0 {
			sort.Strings(causes)
			return strings.Join(causes, ", ")
		}
	}
	return "eviction refused: " + err.Error()
}
