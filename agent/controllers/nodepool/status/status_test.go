package status

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	"github.com/karpenter-tools/kubectl-karpenter/agent/metrics"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

func capacity(cpu, memory string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(memory)}
}

func TestStatusSumsResourcesAndCountsNodes(t *testing.T) {
	e, _, _ := setup(t, fake.New(nil))
	pool := unique(t)
	e.newNodeClass(t, pool)
	e.newNodePool(t, pool, pool, func(np *karpv1.NodePool) {
		np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("100")}
	})
	e.newNodeClaim(t, pool, pool+"-a", "small", "test-zone-a", "spot", capacity("2", "4Gi"))
	b := e.newNodeClaim(t, pool, pool+"-b", "medium", "test-zone-b", "on-demand", capacity("4", "16Gi"))
	e.newNodeClaim(t, pool, pool+"-c", "", "", "", nil) // still launching

	wantStatus := func(cpu, memory string, nodes int64) func() string {
		return func() string {
			np := e.nodePool(t, pool)
			r := np.Status.Resources
			got := fmt.Sprintf("cpu=%s memory=%s nodes=%s status.nodes=%v", r.Cpu(), r.Memory(), ptrString(r, "nodes"), deref(np.Status.Nodes))
			if want := fmt.Sprintf("cpu=%s memory=%s nodes=%d status.nodes=%d", cpu, memory, nodes, nodes); got != want {
				return got + ", want " + want
			}
			return ""
		}
	}
	eventually(t, "the status to sum the nodeclaims", wantStatus("6", "20Gi", 3))
	np := e.nodePool(t, pool)
	for _, c := range []string{karpv1.ConditionTypeValidationSucceeded, karpv1.ConditionTypeNodeClassReady, conditionTypeReady} {
		if got := condition(np, c); !strings.HasPrefix(got, "True ") {
			t.Errorf("%s = %s, want True", c, got)
		}
	}

	eventually(t, "the metrics", func() string {
		got := fmt.Sprintf("usage cpu=%g nodes=%g limit cpu=%g cost spot=%g on-demand=%g",
			testutil.ToFloat64(metrics.NodePoolUsage.WithLabelValues(pool, "cpu")),
			testutil.ToFloat64(metrics.NodePoolUsage.WithLabelValues(pool, "nodes")),
			testutil.ToFloat64(metrics.NodePoolLimit.WithLabelValues(pool, "cpu")),
			testutil.ToFloat64(metrics.NodePoolCost.WithLabelValues(pool, "spot")),
			testutil.ToFloat64(metrics.NodePoolCost.WithLabelValues(pool, "on-demand")))
		// Prices of the fake's catalog: small spot 0.04, medium on-demand 0.2.
		if want := "usage cpu=6 nodes=3 limit cpu=100 cost spot=0.04 on-demand=0.2"; got != want {
			return got + ", want " + want
		}
		return ""
	})

	if err := e.direct.Delete(e.ctx, b); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the status to drop the deleted nodeclaim", wantStatus("2", "4Gi", 2))
}

func ptrString(r corev1.ResourceList, name corev1.ResourceName) string {
	q, ok := r[name]
	if !ok {
		return "<none>"
	}
	return q.String()
}

func deref(p *int64) any {
	if p == nil {
		return "<nil>"
	}
	return *p
}

func TestMissingNodeClassIsNotReadyUntilCreated(t *testing.T) {
	e, _, rec := setup(t, fake.New(nil))
	pool := unique(t)
	e.newNodePool(t, pool, pool+"-class", nil)

	want := fmt.Sprintf(`False NodeClassNotFound: EC2NodeClass "%s-class", named by spec.template.spec.nodeClassRef, does not exist`, pool)
	eventually(t, "NodeClassReady to be False", func() string {
		if got := condition(e.nodePool(t, pool), karpv1.ConditionTypeNodeClassReady); !strings.HasPrefix(got, want) {
			return got
		}
		return ""
	})
	if got := condition(e.nodePool(t, pool), conditionTypeReady); !strings.HasPrefix(got, "False NodeClassNotFound: ") {
		t.Errorf("Ready = %s, want False naming the node class", got)
	}
	eventually(t, "a NodeClassNotReady Event naming the class", func() string {
		ms := rec.messages(decisions.ReasonNodeClassNotReady, pool)
		if len(ms) != 1 || !strings.Contains(ms[0], pool+"-class") {
			return fmt.Sprintf("%q", ms)
		}
		return ""
	})

	e.newNodeClass(t, pool+"-class")
	eventually(t, "NodeClassReady to be True once the class exists", func() string {
		np := e.nodePool(t, pool)
		if got := condition(np, karpv1.ConditionTypeNodeClassReady) + " / " + condition(np, conditionTypeReady); got != "True NodeClassReady:  / True Ready: " {
			return got
		}
		return ""
	})
}

// refusingCloud refuses every NodePool's node class, as a provider does with an EC2NodeClass it
// cannot use.
type refusingCloud struct {
	*fake.CloudProvider
}

func (refusingCloud) GetInstanceTypes(context.Context, *karpv1.NodePool) ([]*cloudprovider.InstanceType, error) {
	return nil, &cloudprovider.NodeClassNotReadyError{Name: "default", Reason: "its subnetSelectorTerms select no subnet"}
}

func TestNodeClassTheCloudProviderRefusesIsNotReady(t *testing.T) {
	e, _, _ := setup(t, refusingCloud{fake.New(nil)})
	pool := unique(t)
	e.newNodeClass(t, pool)
	e.newNodePool(t, pool, pool, nil)
	eventually(t, "NodeClassReady to be False", func() string {
		if got := condition(e.nodePool(t, pool), karpv1.ConditionTypeNodeClassReady); got != `False NodeClassNotReady: node class "default" is not ready: its subnetSelectorTerms select no subnet` {
			return got
		}
		return ""
	})
}

func TestInvalidNodePoolIsAConditionAndOneEvent(t *testing.T) {
	e, c, rec := setup(t, fake.New(nil))
	pool := unique(t)
	e.newNodeClass(t, pool)
	e.newNodePool(t, pool, pool, func(np *karpv1.NodePool) {
		np.Spec.Template.Labels = map[string]string{"team": "c"}
		np.Spec.Template.Spec.Requirements = append(np.Spec.Template.Spec.Requirements,
			karpv1.NodeSelectorRequirementWithMinValues{Key: "team", Operator: corev1.NodeSelectorOpIn, Values: []string{"a", "b"}})
	})
	want := `False NodePoolValidationFailed: spec.template.spec.requirements[1] (team In [a b]) conflicts with spec.template.metadata.labels["team"]="c"`
	eventually(t, "ValidationSucceeded to be False", func() string {
		np := e.nodePool(t, pool)
		if got := condition(np, karpv1.ConditionTypeValidationSucceeded); got != want {
			return got
		}
		if got := condition(np, conditionTypeReady); !strings.HasPrefix(got, "False NodePoolValidationFailed") {
			return "Ready " + got
		}
		return ""
	})
	// Not an error to retry: the next reconcile succeeds and publishes nothing new.
	for range 3 {
		if _, err := c.Reconcile(e.ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: pool}}); err != nil {
			t.Fatalf("reconciling an invalid nodepool: %v", err)
		}
	}
	ms := rec.messages(decisions.ReasonInvalidNodePool, pool)
	if len(ms) != 1 || !strings.Contains(ms[0], `spec.template.metadata.labels["team"]`) {
		t.Errorf("InvalidNodePool Events = %q, want one naming the field", ms)
	}

	// Fixing it clears the condition.
	np := e.nodePool(t, pool)
	np.Spec.Template.Labels["team"] = "a"
	if err := e.direct.Update(e.ctx, np); err != nil {
		t.Fatal(err)
	}
	eventually(t, "ValidationSucceeded to be True once fixed", func() string {
		if got := condition(e.nodePool(t, pool), karpv1.ConditionTypeValidationSucceeded); !strings.HasPrefix(got, "True") {
			return got
		}
		return ""
	})
	if got := rec.messages(decisions.ReasonInvalidNodePool, pool); !slices.Equal(got, ms) {
		t.Errorf("InvalidNodePool Events after the fix = %q", got)
	}
}

func TestDeletedNodePoolDropsItsMetrics(t *testing.T) {
	e, _, _ := setup(t, fake.New(nil))
	pool := unique(t)
	e.newNodeClass(t, pool)
	np := e.newNodePool(t, pool, pool, nil)
	eventually(t, "the usage metric", func() string {
		if testutil.CollectAndCount(metrics.NodePoolUsage, "karpenter_nodepools_usage") == 0 {
			return "no series"
		}
		if testutil.ToFloat64(metrics.NodePoolUsage.WithLabelValues(pool, "nodes")) != 0 {
			return "nodes not 0"
		}
		return ""
	})
	if err := e.direct.Delete(e.ctx, np); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the pool's series to go", func() string {
		if metrics.NodePoolUsage.DeleteLabelValues(pool, "nodes") || metrics.NodePoolCost.DeleteLabelValues(pool, "spot") {
			return "still there"
		}
		return ""
	})
}
