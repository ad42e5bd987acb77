package awstest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func TestDescribeSubnetsByTagAndID(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	s.AddSubnet(Subnet{Zone: "us-east-1a", Tags: map[string]string{DiscoveryTag: "other"}})

	out, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("tag:" + DiscoveryTag), Values: []string{"demo"}}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Subnets) != 3 {
		t.Fatalf("got %d subnets, want the cluster's 3", len(out.Subnets))
	}
	byZone := map[string]string{}
	for _, sn := range out.Subnets {
		byZone[aws.ToString(sn.AvailabilityZone)] = aws.ToString(sn.SubnetId)
		if aws.ToInt32(sn.AvailableIpAddressCount) == 0 || aws.ToString(sn.VpcId) != seed.VPCID || len(sn.Tags) != 2 {
			t.Errorf("subnet %+v lacks its address count, VPC or tags", sn)
		}
	}
	for z, id := range seed.SubnetIDs {
		if byZone[z] != id {
			t.Errorf("zone %s: got subnet %q, want %q", z, byZone[z], id)
		}
	}

	one, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{seed.SubnetIDs["us-east-1b"]}})
	if err != nil || len(one.Subnets) != 1 || aws.ToString(one.Subnets[0].AvailabilityZone) != "us-east-1b" {
		t.Fatalf("by ID: %+v, %v", one, err)
	}
	_, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{SubnetIds: []string{"subnet-missing"}})
	if code := errorCode(t, err); code != "InvalidSubnetID.NotFound" {
		t.Errorf("missing subnet: code %q", code)
	}
	_, err = c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{Filters: []ec2types.Filter{{Name: aws.String("no-such-filter"), Values: []string{"x"}}}})
	if code := errorCode(t, err); code != "InvalidParameterValue" {
		t.Errorf("unknown filter: code %q", code)
	}
}

func TestDescribeSecurityGroupsByTagNameAndWildcard(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	other := s.AddSecurityGroup(SecurityGroup{Name: "bastion"})

	for name, in := range map[string]*ec2.DescribeSecurityGroupsInput{
		"tag":      {Filters: []ec2types.Filter{{Name: aws.String("tag:" + DiscoveryTag), Values: []string{"demo"}}}},
		"name":     {Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"demo-node"}}}},
		"wildcard": {Filters: []ec2types.Filter{{Name: aws.String("group-name"), Values: []string{"demo-*"}}}},
		"id":       {GroupIds: []string{seed.SecurityGroupID}},
	} {
		out, err := c.ec2.DescribeSecurityGroups(ctx, in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(out.SecurityGroups) != 1 || aws.ToString(out.SecurityGroups[0].GroupId) != seed.SecurityGroupID {
			t.Errorf("%s: got %+v, want only %s", name, out.SecurityGroups, seed.SecurityGroupID)
		}
	}
	all, err := c.ec2.DescribeSecurityGroups(ctx, &ec2.DescribeSecurityGroupsInput{})
	if err != nil || len(all.SecurityGroups) != 2 {
		t.Fatalf("all groups: %+v, %v; want demo-node and %s", all, err, other.ID)
	}
}

func TestDescribeImagesFilters(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	own := s.AddImage(Image{Name: "custom-arm", Architecture: "arm64", Tags: map[string]string{"team": "a"}})

	cases := map[string]struct {
		in   *ec2.DescribeImagesInput
		want []string
	}{
		"by id":            {&ec2.DescribeImagesInput{ImageIds: []string{own.ID}}, []string{own.ID}},
		"by tag":           {&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:team"), Values: []string{"a"}}}}, []string{own.ID}},
		"by owner amazon":  {&ec2.DescribeImagesInput{Owners: []string{"amazon"}, Filters: []ec2types.Filter{{Name: aws.String("architecture"), Values: []string{"arm64"}}}}, []string{seed.AMIs["arm64"]}},
		"by owner self":    {&ec2.DescribeImagesInput{Owners: []string{"self"}}, []string{own.ID}},
		"by owner-id":      {&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("owner-id"), Values: []string{AccountID}}}}, []string{own.ID}},
		"by name wildcard": {&ec2.DescribeImagesInput{Filters: []ec2types.Filter{{Name: aws.String("name"), Values: []string{"amazon-eks-node-al2023-x86_64-*"}}}}, []string{seed.AMIs["amd64"]}},
	}
	for name, tc := range cases {
		out, err := c.ec2.DescribeImages(ctx, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var got []string
		for _, img := range out.Images {
			got = append(got, aws.ToString(img.ImageId))
			if aws.ToString(img.CreationDate) == "" || img.Architecture == "" || img.State != ec2types.ImageStateAvailable {
				t.Errorf("%s: image %s lacks its creation date, architecture or state", name, aws.ToString(img.ImageId))
			}
		}
		if len(got) != len(tc.want) || len(got) > 0 && got[0] != tc.want[0] {
			t.Errorf("%s: got %v, want %v", name, got, tc.want)
		}
	}
	_, err := c.ec2.DescribeImages(ctx, &ec2.DescribeImagesInput{ImageIds: []string{"ami-missing"}})
	if code := errorCode(t, err); code != "InvalidAMIID.NotFound" {
		t.Errorf("missing image: code %q", code)
	}
}
