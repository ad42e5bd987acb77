package lifecycle

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/agent/controllers/nodeclaim/internal/testenv"
	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func TestThePriceAnnotationIsTheOneTheFakeProviderSets(t *testing.T) {
	if PriceAnnotationKey != fake.PriceAnnotationKey {
		t.Fatalf("lifecycle reads %s, the fake provider writes %s", PriceAnnotationKey, fake.PriceAnnotationKey)
	}
}

func TestLaunchRecordsTheInstanceOnTheNodeClaim(t *testing.T) {
	h := running(t)
	launchedBefore := testutil.ToFloat64(metrics.NodeClaimsLaunched.WithLabelValues("default", "spot", "medium", "test-zone-a"))
	nc := testenv.NodeClaim(testenv.Requirement(corev1.LabelInstanceTypeStable, "medium"), func(nc *karpv1.NodeClaim) {
		nc.Annotations = map[string]string{PodCountAnnotationKey: "3"}
	})
	testenv.Create(t, h.kube, nc)

	testenv.Eventually(t, "Launched=True", func(ctx context.Context) error {
		return testenv.ConditionIs(ctx, h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, ReasonLaunched)
	})
	if nc.Status.ProviderID == "" || !strings.HasPrefix(nc.Status.ProviderID, fake.ProviderIDPrefix) || nc.Status.ImageID != fake.ImageID {
		t.Errorf("status: providerID %q, imageID %q", nc.Status.ProviderID, nc.Status.ImageID)
	}
	if got := nc.Status.Allocatable.Cpu().String(); got != "3900m" {
		t.Errorf("allocatable cpu = %s, want 3900m", got)
	}
	if got := nc.Status.Capacity.Memory().String(); got != "16Gi" {
		t.Errorf("capacity memory = %s, want 16Gi", got)
	}
	for k, want := range map[string]string{
		corev1.LabelInstanceTypeStable: "medium",
		corev1.LabelTopologyZone:       "test-zone-a",
		karpv1.CapacityTypeLabelKey:    "spot",
		corev1.LabelArchStable:         "amd64",
		karpv1.NodePoolLabelKey:        "default",
	} {
		if nc.Labels[k] != want {
			t.Errorf("label %s = %q, want %q", k, nc.Labels[k], want)
		}
	}
	if nc.Annotations[PriceAnnotationKey] != "0.08" {
		t.Errorf("price annotation = %q, want 0.08", nc.Annotations[PriceAnnotationKey])
	}
	if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeReady, metav1.ConditionUnknown, ""); err != nil {
		t.Errorf("Ready summarizes the next stage: %v", err)
	}

	d, err := h.rec.Find(decisions.ReasonLaunched, nc.Name)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := decisions.ParseLaunched(d.Message)
	want := decisions.Launch{InstanceType: "medium", CapacityType: "spot", Zone: "test-zone-a", PricePerHour: 0.08, Pods: 3}
	if !ok || got != want {
		t.Errorf("Launched event %q parses to %+v, want %+v", d.Message, got, want)
	}
	if after := testutil.ToFloat64(metrics.NodeClaimsLaunched.WithLabelValues("default", "spot", "medium", "test-zone-a")); after != launchedBefore+1 {
		t.Errorf("launched counter went from %v to %v", launchedBefore, after)
	}
	if calls := h.cloud.Calls(); len(calls.Create) != 1 {
		t.Errorf("Create called %d times", len(calls.Create))
	}
}

// noPrice is a provider that does not annotate the price, as a third-party one might not.
type noPrice struct{ *fake.CloudProvider }

func (p noPrice) Create(ctx context.Context, nc *karpv1.NodeClaim) (*karpv1.NodeClaim, error) {
	out, err := p.CloudProvider.Create(ctx, nc)
	if out != nil {
		delete(out.Annotations, fake.PriceAnnotationKey)
	}
	return out, err
}

func TestLaunchedPriceFallsBackToTheNodePoolsOfferings(t *testing.T) {
	h := newHarness(t)
	h = running(t, noPrice{h.cloud})
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				Requirements: []karpv1.NodeSelectorRequirementWithMinValues{},
				NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			}},
			Disruption: karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("30s")},
		},
	}
	testenv.Create(t, h.kube, np)
	t.Cleanup(func() { _ = h.kube.Delete(context.Background(), np) })
	nc := testenv.NodeClaim(testenv.Requirement(corev1.LabelInstanceTypeStable, "large"), testenv.Requirement(karpv1.CapacityTypeLabelKey, "on-demand"))
	testenv.Create(t, h.kube, nc)

	testenv.Eventually(t, "the Launched event", func(context.Context) error {
		_, err := h.rec.Find(decisions.ReasonLaunched, nc.Name)
		return err
	})
	d, _ := h.rec.Find(decisions.ReasonLaunched, nc.Name)
	if l, ok := decisions.ParseLaunched(d.Message); !ok || l.PricePerHour != 0.4 || l.Pods != 0 {
		t.Errorf("Launched event %q: want $0.4/h from the NodePool's offerings and 0 pods", d.Message)
	}
	if err := testenv.Get(context.Background(), h.kube, nc); err != nil {
		t.Fatal(err)
	}
	if nc.Annotations[PriceAnnotationKey] != "0.4" {
		t.Errorf("price annotation = %q, want the looked-up 0.4 recorded for the plugin and the cost metrics", nc.Annotations[PriceAnnotationKey])
	}
}

func TestInsufficientCapacityDeletesTheNodeClaim(t *testing.T) {
	h := running(t)
	spot := cloudprovider.OfferingKey{InstanceType: "small", Zone: "test-zone-b", CapacityType: "spot"}
	onDemand := cloudprovider.OfferingKey{InstanceType: "small", Zone: "test-zone-b", CapacityType: "on-demand"}
	h.cloud.InsufficientCapacity(spot, onDemand)
	nc := testenv.NodeClaim(testenv.Requirement(corev1.LabelInstanceTypeStable, "small"), testenv.Requirement(corev1.LabelTopologyZone, "test-zone-b"))
	testenv.Create(t, h.kube, nc)

	testenv.Eventually(t, "the NodeClaim deleted", func(ctx context.Context) error {
		return testenv.Gone(ctx, h.kube, nc, true)
	})
	d, err := h.rec.Find(decisions.ReasonInsufficientCapacity, nc.Name)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(d.Message, spot.String()) || !strings.Contains(d.Message, onDemand.String()) || d.Type != decisions.Warning {
		t.Errorf("event %q does not name both offerings", d.Message)
	}
	if !h.cloud.IsUnavailable(spot) || !h.cloud.IsUnavailable(onDemand) {
		t.Error("the offerings are not marked unavailable, so the provisioner would pick them again")
	}
	if len(h.cloud.Instances()) != 0 {
		t.Error("an instance was launched")
	}
}

func TestLaunchErrorsAreRecordedAndRetried(t *testing.T) {
	for _, tc := range []struct {
		name   string
		err    error
		reason string
	}{
		{"node class not ready", &cloudprovider.NodeClassNotReadyError{Name: "default", Reason: "no subnet matches the selector"}, ReasonNodeClassNotReady},
		{"other error", errors.New("RequestLimitExceeded"), ReasonLaunchFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := stepped(t)
			h.cloud.FailNext(fake.MethodCreate, tc.err)
			nc := testenv.NodeClaim()
			testenv.Create(t, h.kube, nc)

			if _, err := h.reconcile(t, nc, nil); err == nil || !strings.Contains(err.Error(), tc.err.Error()) {
				t.Fatalf("reconcile = %v, want the launch error for the workqueue's backoff", err)
			}
			if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionFalse, tc.reason); err != nil {
				t.Fatal(err)
			}
			cond := findCondition(nc, karpv1.ConditionTypeLaunched)
			if !strings.Contains(cond.Message, tc.err.Error()) || cond.ObservedGeneration != nc.Generation {
				t.Errorf("condition %+v does not carry the error and generation %d", cond, nc.Generation)
			}
			if d, err := h.rec.Find(decisions.ReasonLaunchFailed, nc.Name); err != nil || !strings.Contains(d.Message, tc.err.Error()) {
				t.Errorf("LaunchFailed event: %v %q", err, d.Message)
			}

			if _, err := h.reconcile(t, nc, func(cached *karpv1.NodeClaim) error {
				if findCondition(cached, karpv1.ConditionTypeLaunched) == nil {
					return fmt.Errorf("no Launched condition in the cache yet")
				}
				return nil
			}); err != nil {
				t.Fatalf("retry: %v", err)
			}
			if err := testenv.ConditionIs(context.Background(), h.kube, nc, karpv1.ConditionTypeLaunched, metav1.ConditionTrue, ReasonLaunched); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func findCondition(nc *karpv1.NodeClaim, typ string) *metav1.Condition {
	for i := range nc.Status.Conditions {
		if nc.Status.Conditions[i].Type == typ {
			return &nc.Status.Conditions[i]
		}
	}
	return nil
}
