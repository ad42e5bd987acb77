package simulated

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func TestGetAndList(t *testing.T) {
	p, clk := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	ctx := context.Background()
	a := mustCreate(t, p, testNodeClaim("a", threeTypes))
	clk.Step(1)
	b := mustCreate(t, p, testNodeClaim("b", threeTypes))

	got, err := p.Get(ctx, b.Status.ProviderID)
	if err != nil || got.Name != "b" || got.Status.ProviderID != b.Status.ProviderID {
		t.Fatalf("Get: %+v, %v", got, err)
	}
	if got.Labels[corev1.LabelInstanceTypeStable] != b.Labels[corev1.LabelInstanceTypeStable] || got.Status.Allocatable.Cpu().Cmp(*b.Status.Allocatable.Cpu()) != 0 {
		t.Errorf("Get returned labels %v allocatable %v", got.Labels, got.Status.Allocatable)
	}
	if _, err := p.Get(ctx, "sim:///us-east-1a/i-00000000000000000"); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Get of an unknown instance: %v", err)
	}
	if _, err := p.Get(ctx, "aws:///us-east-1a/i-00000000000000000"); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Get of a foreign provider ID: %v", err)
	}

	list, err := p.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].Name != "a" || list[0].Status.ProviderID != a.Status.ProviderID || list[1].Name != "b" {
		t.Fatalf("List = %v", names(list))
	}
}

func names(ncs []*karpv1.NodeClaim) []string {
	out := make([]string, 0, len(ncs))
	for _, nc := range ncs {
		out = append(out, nc.Name+"="+nc.Status.ProviderID)
	}
	return out
}

func TestDeleteTwice(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, clk := newTestProvider(t, c, Options{})
	ctx := context.Background()
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	nodeName := nodeNameOf(nc)
	waitForWaiters(t, clk)
	clk.Step(DefaultLaunchDelay)
	eventually(t, 5*time.Second, "the Node", func() bool { _, ok := getNode(c, nodeName); return ok })

	if err := p.Delete(ctx, nc); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if _, ok := getNode(c, nodeName); ok {
		t.Error("the Node survived Delete")
	}
	cms := &corev1.ConfigMapList{}
	if err := c.List(ctx, cms, client.InNamespace(DefaultStateNamespace)); err != nil || len(cms.Items) != 0 {
		t.Errorf("records left after Delete: %d, %v", len(cms.Items), err)
	}
	if err := p.Delete(ctx, nc); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("second Delete: %v, want NodeClaimNotFoundError", err)
	}
	if _, err := p.Get(ctx, nc.Status.ProviderID); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Get after Delete: %v", err)
	}
}

// A NodeClaim whose launch was interrupted before it learned its provider ID still finds, and
// deletes, its instance: otherwise the instance would be orphaned.
func TestDeleteByNodeClaimNameWithoutProviderID(t *testing.T) {
	p, _ := newTestProvider(t, newFakeClient(t, testNodeClass("default")), Options{})
	ctx := context.Background()
	mustCreate(t, p, testNodeClaim("a", threeTypes))
	if err := p.Delete(ctx, testNodeClaim("a")); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if list, _ := p.List(ctx); len(list) != 0 {
		t.Errorf("List after Delete: %v", names(list))
	}
}

// A Delete that crashed after marking the instance terminated is finished by the next call,
// which reports the instance gone.
func TestDeleteFinishesACrashedDelete(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default"))
	p, _ := newTestProvider(t, c, Options{})
	ctx := context.Background()
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	if _, err := p.updateRecord(ctx, recordName("a"), func(in *instance) bool { in.State = StateTerminated; return true }); err != nil {
		t.Fatal(err)
	}
	if list, _ := p.List(ctx); len(list) != 0 {
		t.Errorf("List shows a terminated instance: %v", names(list))
	}
	if err := p.Delete(ctx, nc); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Delete: %v, want NodeClaimNotFoundError", err)
	}
	if in, _ := p.getRecord(ctx, recordName("a")); in != nil {
		t.Error("the terminated record was not removed")
	}
}
