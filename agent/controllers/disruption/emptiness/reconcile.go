package emptiness

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// candidate is an empty NodeClaim whose consolidateAfter has elapsed and that nothing blocks.
type candidate struct {
	nodeClaim *karpv1.NodeClaim // a private copy, kept current by the patches made to it
	node      *corev1.Node      // from the cache: read only
	// since is when the last pod event happened; the node has been empty at least since then.
	since time.Time
}

// poolState is what one pass over a NodePool's NodeClaims found.
type poolState struct {
	candidates []candidate
	// initialized counts the pool's initialized NodeClaims, deleting ones included: the
	// node count budget percentages are taken of.
	initialized int
	// inProgress counts the initialized NodeClaims being deleted, which use up budget.
	inProgress int
	// live counts the NodeClaims not being deleted, which minNodes keeps.
	live int
	// next is when the earliest NodeClaim not yet consolidatable becomes so; zero when none.
	next time.Time
}

// Reconcile evaluates one NodePool: the request names it.
func (c *Controller) Reconcile(ctx context.Context, req reconcile.Request) (reconcile.Result, error) {
	pool := &karpv1.NodePool{}
	if err := c.kubeClient.Get(ctx, req.NamespacedName, pool); err != nil {
		if apierrors.IsNotFound(err) {
			return reconcile.Result{}, nil
		}
		return reconcile.Result{}, fmt.Errorf("getting nodepool %s: %w", req.Name, err)
	}
	if pool.DeletionTimestamp != nil {
		// Its NodeClaims go with it.
		return reconcile.Result{}, nil
	}
	var list karpv1.NodeClaimList
	if err := c.kubeClient.List(ctx, &list, client.MatchingLabels{karpv1.NodePoolLabelKey: pool.Name}, client.UnsafeDisableDeepCopy); err != nil {
		return reconcile.Result{}, fmt.Errorf("listing the nodeclaims of nodepool %s: %w", pool.Name, err)
	}
	c.forgetSettled(list.Items, pool.Name)

	now := c.clock.Now()
	var out outcome
	st := c.survey(ctx, pool, list.Items, now, &out)
	next := st.next
	if len(st.candidates) > 0 {
		if wait := c.disruptWithinBudget(ctx, pool, st, now, &out); !wait.IsZero() && (next.IsZero() || wait.Before(next)) {
			next = wait
		}
	}
	if len(out.errs) > 0 {
		return reconcile.Result{}, errors.Join(out.errs...)
	}
	var after time.Duration
	if !next.IsZero() {
		after = next.Sub(now)
	}
	if out.stale && (after == 0 || retryAfter < after) {
		after = retryAfter
	}
	return reconcile.Result{RequeueAfter: after}, nil
}

// outcome gathers the errors of one pass; a lost status race is not an error but a retry.
type outcome struct {
	errs  []error
	stale bool
}

func (o *outcome) add(err error) {
	var s errStale
	switch {
	case err == nil:
	case errors.As(err, &s):
		o.stale = true
	default:
		o.errs = append(o.errs, err)
	}
}

// survey keeps each NodeClaim's Consolidatable condition current and collects the candidates.
func (c *Controller) survey(ctx context.Context, pool *karpv1.NodePool, items []karpv1.NodeClaim, now time.Time, out *outcome) poolState {
	var st poolState
	consolidateAfter := pool.Spec.Disruption.ConsolidateAfter.Duration
	for i := range items {
		cached := &items[i]
		deleting := cached.DeletionTimestamp != nil || c.isDeleting(cached.UID)
		if !deleting {
			st.live++
		}
		init := meta.FindStatusCondition(cached.Status.Conditions, karpv1.ConditionTypeInitialized)
		if init == nil || init.Status != "True" {
			continue
		}
		st.initialized++
		if deleting {
			st.inProgress++
			continue
		}
		if consolidateAfter == nil {
			// consolidateAfter: Never.
			out.add(c.clearConsolidatable(ctx, cached))
			continue
		}
		node, err := nodeFor(ctx, c.kubeClient, cached)
		if err != nil {
			out.add(err)
			continue
		}
		since := init.LastTransitionTime.Time
		if t := cached.Status.LastPodEventTime.Time; t.After(since) {
			since = t
		}
		if node != nil {
			if t := c.pendingPodEvent(node.Name); t.After(since) {
				since = t
			}
		}
		eligibleAt := since.Add(*consolidateAfter)
		nodeName := ""
		if node != nil {
			nodeName = node.Name
		}
		if t := c.nominations.Until(cached.Name, nodeName); t.After(eligibleAt) {
			eligibleAt = t
		}
		if now.Before(eligibleAt) {
			out.add(c.clearConsolidatable(ctx, cached))
			if st.next.IsZero() || eligibleAt.Before(st.next) {
				st.next = eligibleAt
			}
			continue
		}
		nc, err := c.markConsolidatable(ctx, cached, now,
			fmt.Sprintf("No pod bound to or left the node for consolidateAfter (%s)", pool.Spec.Disruption.ConsolidateAfter))
		if err != nil || nc == nil || node == nil {
			out.add(err)
			// Lost a race (retried shortly), gone, or registered no node to empty.
			continue
		}
		ok, err := c.emptyAndUnblocked(ctx, nc, node)
		if err != nil {
			out.add(err)
			continue
		}
		if ok {
			st.candidates = append(st.candidates, candidate{nodeClaim: nc, node: node, since: since})
		}
	}
	return st
}

// emptyAndUnblocked reports whether the node runs no pod that would have to move and nothing
// forbids disrupting it. A do-not-disrupt annotation on an empty node, its NodeClaim or one of
// its remaining pods is reported once per dedupe window on the NodeClaim and the Node.
func (c *Controller) emptyAndUnblocked(ctx context.Context, nc *karpv1.NodeClaim, node *corev1.Node) (bool, error) {
	pods, err := podsOn(ctx, c.kubeClient, node.Name)
	if err != nil {
		return false, err
	}
	s := summarizePods(pods)
	if s.Workload != "" {
		return false, nil
	}
	var why string
	switch {
	case doNotDisrupt(node.Annotations):
		why = fmt.Sprintf("node %s is empty but annotated %s=true", node.Name, karpv1.DoNotDisruptAnnotationKey)
	case doNotDisrupt(nc.Annotations):
		why = fmt.Sprintf("nodeclaim %s is empty but annotated %s=true", nc.Name, karpv1.DoNotDisruptAnnotationKey)
	case s.Blocker != "":
		why = fmt.Sprintf("pod %s is annotated %s=true", s.Blocker, karpv1.DoNotDisruptAnnotationKey)
	default:
		return true, nil
	}
	c.recorder.Publish(blocked(nc, why, "do-not-disrupt"), blocked(node, why, "do-not-disrupt"))
	return false, nil
}

// blocked is a DisruptionBlocked decision de-duplicated under key, since every pass over the
// pool would otherwise repeat it.
func blocked(obj client.Object, why, key string) decisions.Decision {
	d := decisions.DisruptionBlocked(obj, why)
	d.DedupeKey = decisions.ReasonDisruptionBlocked + "/" + key
	return d
}

// disruptWithinBudget deletes as many candidates as the budgets and minNodes allow, those empty
// longest first. It returns when a scheduled budget next changes if it held candidates back.
func (c *Controller) disruptWithinBudget(ctx context.Context, pool *karpv1.NodePool, st poolState, now time.Time, out *outcome) time.Time {
	logger := log.FromContext(ctx)
	budget, err := allowedDisruptions(pool.Spec.Disruption.Budgets, karpv1.DisruptionReasonEmpty, st.initialized, now)
	if err != nil {
		// The CRD rejects such budgets: a version skew. Disrupt nothing rather than guess.
		logger.Error(err, "reading the disruption budgets; disrupting nothing", "nodepool", pool.Name)
	}
	allowed := remaining(budget, st.inProgress)
	why := fmt.Sprintf("the disruption budget for reason %s allows %d of the NodePool's %d node(s) at once and %d are being disrupted",
		karpv1.DisruptionReasonEmpty, budget, st.initialized, st.inProgress)
	minNodes, policy, err := c.minNodes(ctx, pool.Name)
	if err != nil {
		out.add(err)
		return time.Time{}
	}
	if policy != "" {
		if keep := max(st.live-minNodes, 0); keep < allowed {
			allowed = keep
			why = fmt.Sprintf("KarpenterScalingPolicy %s keeps at least %d node(s) and the NodePool has %d", policy, minNodes, st.live)
		}
	}

	slices.SortFunc(st.candidates, func(a, b candidate) int {
		return cmp.Or(a.since.Compare(b.since), cmp.Compare(a.nodeClaim.Name, b.nodeClaim.Name))
	})
	for i, cand := range st.candidates {
		if i >= allowed {
			break
		}
		out.add(c.disrupt(ctx, cand, now))
	}
	if waiting := len(st.candidates) - allowed; waiting > 0 {
		c.recorder.Publish(blocked(pool, fmt.Sprintf("%d empty node(s) wait: %s", waiting, why), "budget"))
		// Deletions finishing wake the pool through the NodeClaim watch; only a scheduled budget
		// changing needs a timer.
		return nextBudgetChange(pool.Spec.Disruption.Budgets, karpv1.DisruptionReasonEmpty, now)
	}
	return time.Time{}
}

// disrupt records why the NodeClaim goes and deletes it; the termination path drains the node
// and terminates the instance.
func (c *Controller) disrupt(ctx context.Context, cand candidate, now time.Time) error {
	nc := cand.nodeClaim
	empty := now.Sub(cand.since).Round(time.Second)
	detail := fmt.Sprintf("node was empty for %s", empty)
	nc, err := c.setDisruptionReason(ctx, nc, now, detail)
	if err != nil || nc == nil || nc.DeletionTimestamp != nil {
		return err
	}
	pool := nc.Labels[karpv1.NodePoolLabelKey]
	c.markDeleting(nc.UID, pool)
	// The UID precondition keeps a NodeClaim recreated under the same name safe.
	if err := c.kubeClient.Delete(ctx, nc, client.Preconditions{UID: &nc.UID}); err != nil {
		if apierrors.IsNotFound(err) || apierrors.IsConflict(err) {
			c.unmarkDeleting(nc.UID)
			return nil
		}
		c.unmarkDeleting(nc.UID)
		return fmt.Errorf("deleting empty nodeclaim %s: %w", nc.Name, err)
	}
	reason := string(karpv1.DisruptionReasonEmpty)
	c.recorder.Publish(decisions.DisruptionTerminating(nc, reason, detail), decisions.DisruptionTerminating(cand.node, reason, detail))
	log.FromContext(ctx).Info("disrupting empty node", "nodepool", pool, "nodeclaim", nc.Name, "node", cand.node.Name, "emptyFor", empty.String())
	return nil
}
