package lifecycle

import (
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestReadySummarizesTheFirstStageNotDone(t *testing.T) {
	c := &Controller{clock: clocktesting.NewFakeClock(time.Now())}
	nc := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{Generation: 3}}

	c.summarize(nc)
	for _, typ := range []string{karpv1.ConditionTypeLaunched, karpv1.ConditionTypeRegistered, karpv1.ConditionTypeInitialized} {
		if cond := meta.FindStatusCondition(nc.Status.Conditions, typ); cond == nil || cond.Status != metav1.ConditionUnknown || cond.ObservedGeneration != 3 {
			t.Errorf("%s = %+v, want Unknown at generation 3", typ, cond)
		}
	}
	ready := meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeReady)
	if ready.Status != metav1.ConditionUnknown || ready.Reason != ReasonAwaitingLaunch {
		t.Errorf("Ready = %+v, want Unknown awaiting launch", ready)
	}

	c.setCondition(nc, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, ReasonLaunchFailed, "boom; retrying")
	c.summarize(nc)
	ready = meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeReady)
	if ready.Status != metav1.ConditionFalse || ready.Reason != ReasonLaunchFailed || ready.Message != "Launched: boom; retrying" {
		t.Errorf("Ready = %+v, want False with the launch failure", ready)
	}

	for _, typ := range []string{karpv1.ConditionTypeLaunched, karpv1.ConditionTypeRegistered, karpv1.ConditionTypeInitialized} {
		c.setCondition(nc, typ, metav1.ConditionTrue, typ, typ)
	}
	c.summarize(nc)
	if !isTrue(nc, karpv1.ConditionTypeReady) {
		t.Errorf("Ready = %+v, want True", meta.FindStatusCondition(nc.Status.Conditions, karpv1.ConditionTypeReady))
	}
}

func TestPodCount(t *testing.T) {
	for value, want := range map[string]int{"": 0, "7": 7, "-1": 0, "many": 0} {
		nc := &karpv1.NodeClaim{}
		if value != "" {
			nc.Annotations = map[string]string{PodCountAnnotationKey: value}
		}
		if got := podCount(t.Context(), nc); got != want {
			t.Errorf("podCount(%q) = %d, want %d", value, got, want)
		}
	}
}
