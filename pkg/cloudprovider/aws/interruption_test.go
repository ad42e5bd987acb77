package aws

import (
	"context"
	"testing"
	"time"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

func spotWarning(instanceID string) map[string]any {
	return map[string]any{
		"version":     "0",
		"id":          "1e5527d7-bb36-4607-3370-4164db56a40e",
		"detail-type": "EC2 Spot Instance Interruption Warning",
		"source":      "aws.ec2",
		"account":     awstest.AccountID,
		"time":        time.Now().UTC().Format(time.RFC3339),
		"region":      awstest.Region,
		"resources":   []string{"arn:aws:ec2:us-east-1:" + awstest.AccountID + ":instance/" + instanceID},
		"detail":      map[string]any{"instance-id": instanceID, "instance-action": "terminate"},
	}
}

func TestSpotInterruptionIsDeliveredAndMarksTheOffering(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	launched, err := e.p.Create(e.ctx, nodeClaim("default-spot", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	zone, id, _ := ParseProviderID(launched.Status.ProviderID)
	if launched.Labels[karpv1.CapacityTypeLabelKey] != "spot" {
		t.Fatalf("launched %s", launched.Labels[karpv1.CapacityTypeLabelKey])
	}

	ctx, cancel := context.WithCancel(e.ctx)
	notices := e.p.Interruptions(ctx)
	if _, err := e.srv.SendMessage(testCluster, spotWarning("i-00000000000000bad")); err != nil { // another cluster's
		t.Fatal(err)
	}
	if _, err := e.srv.SendMessage(testCluster, spotWarning(id)); err != nil {
		t.Fatal(err)
	}
	select {
	case n := <-notices:
		if n.ProviderID != launched.Status.ProviderID || n.Kind != cloudprovider.InterruptionSpot {
			t.Errorf("notice %+v", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no interruption notice within 30s")
	}
	key := cloudprovider.OfferingKey{InstanceType: launched.Labels["node.kubernetes.io/instance-type"], Zone: zone, CapacityType: "spot"}
	if !e.p.UnavailableOfferings().IsUnavailable(key) {
		t.Errorf("%s still offered after its spot interruption", key)
	}
	cancel()
	// The source closes the channel once ctx ends.
	for range notices {
	}
}

func TestNoQueueMeansNoNotices(t *testing.T) {
	e := newEnv(t)
	p, err := New(e.srv.Config(), e.kube, e.clk, Options{ClusterName: testCluster})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(e.ctx)
	notices := p.Interruptions(ctx)
	cancel()
	if _, open := <-notices; open {
		t.Error("a notice without a queue")
	}
	if n := e.srv.Calls("ReceiveMessage"); n != 0 {
		t.Errorf("%d receives without a queue", n)
	}
}
