package aws

import (
	"slices"
	"strings"
	"testing"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

func TestResolveDiscoveryNodeClass(t *testing.T) {
	e := newEnv(t)
	nc := discoveryNodeClass("default")
	res, err := e.p.ResolveNodeClass(e.ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unresolved) != 0 {
		t.Fatalf("unresolved: %v", res.Unresolved)
	}
	var zones []string
	for _, s := range res.Subnets {
		zones = append(zones, s.Zone)
		if s.ID != e.seed.SubnetIDs[s.Zone] {
			t.Errorf("subnet of %s is %s, seeded %s", s.Zone, s.ID, e.seed.SubnetIDs[s.Zone])
		}
	}
	if !slices.Equal(zones, awstest.DefaultZones) {
		t.Errorf("zones %v", zones)
	}
	if len(res.SecurityGroups) != 1 || res.SecurityGroups[0].ID != e.seed.SecurityGroupID || res.SecurityGroups[0].Name != testCluster+"-node" {
		t.Errorf("security groups %+v", res.SecurityGroups)
	}
	if len(res.AMIs) != 2 || res.AMIs[0].ID != e.seed.AMIs["amd64"] || res.AMIs[1].ID != e.seed.AMIs["arm64"] {
		t.Errorf("AMIs %+v, seeded %v", res.AMIs, e.seed.AMIs)
	}
	want := InstanceProfileName(awstest.Region, testCluster, "default")
	if res.InstanceProfile != want {
		t.Errorf("instance profile %q, want %q", res.InstanceProfile, want)
	}
	profiles := e.srv.InstanceProfiles()
	if len(profiles) != 1 || profiles[0].Name != want || !slices.Equal(profiles[0].Roles, []string{e.seed.RoleName}) ||
		profiles[0].Tags["kubernetes.io/cluster/"+testCluster] != "owned" {
		t.Errorf("IAM holds %+v", profiles)
	}

	// Resolving again reuses the profile.
	if _, err := e.p.ResolveNodeClass(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	if n := len(e.srv.InstanceProfiles()); n != 1 {
		t.Errorf("%d instance profiles after a second resolution", n)
	}
}

func TestResolveByIDNameAndImageQuery(t *testing.T) {
	e := newEnv(t)
	nc := discoveryNodeClass("ids")
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{ID: e.seed.SubnetIDs["us-east-1b"]}, {CIDR: "192.0.2.0/24"}}
	nc.Spec.SecurityGroupSelectorTerms = []ec2v1.SecurityGroupSelectorTerm{{Name: testCluster + "-node"}}
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Name: "amazon-eks-node-al2023-arm64-*", Owner: "amazon"}}
	nc.Spec.Role, nc.Spec.InstanceProfile = "", new(string)
	*nc.Spec.InstanceProfile = "missing-profile"
	res, err := e.p.ResolveNodeClass(e.ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Subnets) != 1 || res.Subnets[0].Zone != "us-east-1b" || len(res.SecurityGroups) != 1 || len(res.AMIs) != 1 || res.AMIs[0].ID != e.seed.AMIs["arm64"] {
		t.Errorf("resolved %+v", res)
	}
	if res.AMIs[0].RootDeviceName != "/dev/xvda" {
		t.Errorf("AMI root device %q", res.AMIs[0].RootDeviceName)
	}

	// A subnet selected by its CIDR block (and tags).
	cidr := e.srv.AddSubnet(awstest.Subnet{VPCID: e.seed.VPCID, Zone: "us-east-1c", CIDR: "10.9.8.0/24", Tags: map[string]string{"tier": "private"}})
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{CIDR: "10.9.8.0/24", Tags: map[string]string{"tier": "*"}}}
	res, err = e.p.ResolveNodeClass(e.ctx, nc)
	if err != nil || len(res.Subnets) != 1 || res.Subnets[0].ID != cidr.ID {
		t.Errorf("by CIDR: %+v, %v", res.Subnets, err)
	}
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{CIDR: "10.9.9.0/24"}}
	if res, _ := e.p.ResolveNodeClass(e.ctx, nc); !strings.Contains(res.Unresolved[ec2v1.ConditionTypeSubnetsReady], "cidr 10.9.9.0/24") {
		t.Errorf("an unmatched CIDR says %q", res.Unresolved[ec2v1.ConditionTypeSubnetsReady])
	}
	if msg := res.Unresolved[ec2v1.ConditionTypeInstanceProfileReady]; !strings.Contains(msg, "missing-profile") {
		t.Errorf("a missing spec.instanceProfile says %q", msg)
	}
}

func TestResolveSaysWhatMatchedNothing(t *testing.T) {
	e := newEnv(t)
	nc := discoveryNodeClass("broken")
	nc.Spec.SubnetSelectorTerms = []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{awstest.DiscoveryTag: "other-cluster"}}, {ID: "subnet-0000000000000dead"}}
	nc.Spec.SecurityGroupSelectorTerms = []ec2v1.SecurityGroupSelectorTerm{{ID: "sg-0000000000000dead"}}
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Tags: map[string]string{"release": "never"}}}
	nc.Spec.Role = "NoSuchRole"
	res, err := e.p.ResolveNodeClass(e.ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	for cond, want := range map[string][]string{
		ec2v1.ConditionTypeSubnetsReady:         {"subnetSelectorTerms[0] (tags {karpenter.sh/discovery: other-cluster})", "subnetSelectorTerms[1] (id subnet-0000000000000dead)"},
		ec2v1.ConditionTypeSecurityGroupsReady:  {"securityGroupSelectorTerms[0] (id sg-0000000000000dead)"},
		ec2v1.ConditionTypeAMIsReady:            {"amiSelectorTerms[0] (tags {release: never})"},
		ec2v1.ConditionTypeInstanceProfileReady: {"spec.role NoSuchRole does not exist"},
	} {
		for _, w := range want {
			if !strings.Contains(res.Unresolved[cond], w) {
				t.Errorf("%s: %q does not say %q", cond, res.Unresolved[cond], w)
			}
		}
	}

	// The provider refuses to launch from a node class whose status is not resolved.
	if err := e.kube.Create(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	_, err = e.p.GetInstanceTypes(e.ctx, nodePool("default", nc.Name))
	if !cloudprovider.IsNodeClassNotReady(err) || !strings.Contains(err.Error(), "status.subnets") {
		t.Errorf("GetInstanceTypes of an unresolved node class: %v", err)
	}
}

func TestResolveRecoversFromThrottling(t *testing.T) {
	e := newEnv(t)
	e.srv.Throttle("DescribeSubnets", 2)
	e.srv.Throttle("GetParameters", 1)
	res, err := e.p.ResolveNodeClass(e.ctx, discoveryNodeClass("default"))
	if err != nil || len(res.Unresolved) != 0 {
		t.Fatalf("throttled resolution: %v %v", err, res)
	}
	if n := e.srv.Calls("DescribeSubnets"); n != 3 {
		t.Errorf("DescribeSubnets called %d times, want 3 (2 throttled, 1 answered)", n)
	}
}
