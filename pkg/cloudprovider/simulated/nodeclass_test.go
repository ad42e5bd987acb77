package simulated

import (
	"context"
	"strings"
	"testing"

	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

func TestDriftWhenTheZoneLeavesTheNodeClass(t *testing.T) {
	nodeClass := testNodeClass("default")
	c := newFakeClient(t, nodeClass)
	p, _ := newTestProvider(t, c, Options{})
	ctx := context.Background()
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	if reason, err := p.IsDrifted(ctx, nc); err != nil || reason != "" {
		t.Fatalf("IsDrifted right after launch: %q, %v", reason, err)
	}
	zone := nc.Labels["topology.kubernetes.io/zone"]
	var others []ec2v1.SubnetSelectorTerm
	for _, s := range p.Subnets() {
		if s.Zone != zone {
			others = append(others, ec2v1.SubnetSelectorTerm{ID: s.ID})
		}
	}
	if err := c.Get(ctx, client.ObjectKeyFromObject(nodeClass), nodeClass); err != nil {
		t.Fatal(err)
	}
	nodeClass.Spec.SubnetSelectorTerms = others
	if err := c.Update(ctx, nodeClass); err != nil {
		t.Fatal(err)
	}
	reason, err := p.IsDrifted(ctx, nc)
	if err != nil || !strings.HasPrefix(string(reason), "SubnetDrift: zone "+zone) {
		t.Fatalf("IsDrifted after removing %s: %q, %v", zone, reason, err)
	}
	// Without labels the zone comes from the provider ID.
	nc.Labels = nil
	if reason, _ := p.IsDrifted(ctx, nc); reason == "" {
		t.Error("no drift found from the provider ID's zone")
	}
}

func TestNodeClassNotReady(t *testing.T) {
	c := newFakeClient(t, testNodeClass("other-cluster", func(nc *ec2v1.EC2NodeClass) {
		nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: "prod"}}}
	}))
	p, _ := newTestProvider(t, c, Options{})
	for _, tc := range []struct {
		nodeClass string
		wantIn    string
	}{
		{"missing", "does not exist"},
		{"other-cluster", "select none of the simulated subnets"},
	} {
		_, err := p.GetInstanceTypes(context.Background(), testNodePool("default", tc.nodeClass))
		if !cloudprovider.IsNodeClassNotReady(err) || !strings.Contains(err.Error(), tc.wantIn) {
			t.Errorf("node class %s: error %v, want a NodeClassNotReadyError saying %q", tc.nodeClass, err, tc.wantIn)
		}
	}
	np := testNodePool("default", "x")
	np.Spec.Template.Spec.NodeClassRef = nil
	if _, err := p.GetInstanceTypes(context.Background(), np); !cloudprovider.IsNodeClassNotReady(err) {
		t.Errorf("no nodeClassRef: %v", err)
	}
}
