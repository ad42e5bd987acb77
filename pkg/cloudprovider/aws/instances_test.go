package aws

import (
	"strings"
	"testing"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

func TestDeleteIsIdempotent(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	launched, err := e.p.Create(e.ctx, nodeClaim("default-del", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	if err := e.p.Delete(e.ctx, launched); err != nil {
		t.Fatalf("first delete: %v", err)
	}
	_, id, _ := ParseProviderID(launched.Status.ProviderID)
	if inst, _ := e.srv.Instance(id); inst.State != awstest.StateShuttingDown && inst.State != awstest.StateTerminated {
		t.Errorf("instance is %s after Delete", inst.State)
	}
	if err := e.p.Delete(e.ctx, launched); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("second delete: %v, want NodeClaimNotFoundError", err)
	}
	if _, err := e.p.Get(e.ctx, launched.Status.ProviderID); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("Get after delete: %v", err)
	}
	unknown := launched.DeepCopy()
	unknown.Status.ProviderID = "aws:///us-east-1a/i-00000000000000dead"
	if err := e.p.Delete(e.ctx, unknown); !cloudprovider.IsNodeClaimNotFound(err) {
		t.Errorf("delete of an unknown instance: %v", err)
	}
}

func TestListAndGetByTags(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	var launched []*karpv1.NodeClaim
	for _, name := range []string{"default-one", "default-two"} {
		nc, err := e.p.Create(e.ctx, nodeClaim(name, "default", smallAMD64...))
		if err != nil {
			t.Fatal(err)
		}
		launched = append(launched, nc)
	}
	// Neither another cluster's instance nor one without a NodeClaim tag is this agent's.
	e.srv.AddInstance(awstest.Instance{InstanceType: "m5.large", Zone: "us-east-1a", State: awstest.StateRunning,
		Tags: map[string]string{"kubernetes.io/cluster/other": "owned", "karpenter.sh/nodeclaim": "x"}})
	e.srv.AddInstance(awstest.Instance{InstanceType: "m5.large", Zone: "us-east-1a", State: awstest.StateRunning,
		Tags: map[string]string{"kubernetes.io/cluster/" + testCluster: "owned"}})
	if err := e.p.Delete(e.ctx, launched[1]); err != nil {
		t.Fatal(err)
	}

	list, err := e.p.List(e.ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].Name != "default-one" || list[0].Status.ProviderID != launched[0].Status.ProviderID {
		t.Fatalf("List = %+v, want only default-one", list)
	}
	got := list[0]
	if got.Labels[karpv1.NodePoolLabelKey] != "default" || got.Spec.NodeClassRef.Name != "default" || got.CreationTimestamp.IsZero() ||
		got.Status.ImageID != e.seed.AMIs["amd64"] {
		t.Errorf("listed NodeClaim %+v", got)
	}
	one, err := e.p.Get(e.ctx, launched[0].Status.ProviderID)
	if err != nil || one.Name != "default-one" {
		t.Errorf("Get = %v, %v", one, err)
	}

	e.srv.Throttle("DescribeInstances", 2)
	if list, err := e.p.List(e.ctx); err != nil || len(list) != 1 {
		t.Errorf("List through throttling: %d, %v", len(list), err)
	}
}

func TestDriftAgainstTheResolvedStatus(t *testing.T) {
	e := newEnv(t)
	nc := e.readyNodeClass(t, discoveryNodeClass("default"))
	launched, err := e.p.Create(e.ctx, nodeClaim("default-drift", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	if reason, err := e.p.IsDrifted(e.ctx, launched); err != nil || reason != "" {
		t.Fatalf("fresh node drifted: %q, %v", reason, err)
	}

	// A new AMI release: the alias's parameter names a new image.
	img := e.srv.AddImage(awstest.Image{Name: "amazon-eks-node-al2023-x86_64-standard-1.37-v20260201", Architecture: "x86_64", OwnerID: "amazon"})
	e.srv.SetParameter(awstest.AL2023Parameter("1.37", "x86_64"), img.ID)
	e.resolve(t, nc)
	reason, err := e.p.IsDrifted(e.ctx, launched)
	if err != nil || !strings.Contains(string(reason), DriftAMI) || !strings.Contains(string(reason), img.ID) {
		t.Errorf("after an AMI release: %q, %v", reason, err)
	}

	// A new security group tagged for discovery.
	e.srv.AddSecurityGroup(awstest.SecurityGroup{Name: "extra", VPCID: e.seed.VPCID, Tags: map[string]string{awstest.DiscoveryTag: testCluster}})
	e.resolve(t, nc)
	if reason, _ := e.p.IsDrifted(e.ctx, launched); !strings.Contains(string(reason), DriftSecurityGroup) {
		t.Errorf("after a security group was added: %q", reason)
	}

	// The node's subnet is no longer selected.
	zone, _, _ := ParseProviderID(launched.Status.ProviderID)
	var keep []ec2v1.SubnetSelectorTerm
	for z, id := range e.seed.SubnetIDs {
		if z != zone {
			keep = append(keep, ec2v1.SubnetSelectorTerm{ID: id})
		}
	}
	nc.Spec.SubnetSelectorTerms = keep
	if err := e.kube.Update(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	e.resolve(t, nc)
	if reason, _ := e.p.IsDrifted(e.ctx, launched); !strings.Contains(string(reason), DriftSubnet) {
		t.Errorf("after its subnet was deselected: %q", reason)
	}
}
