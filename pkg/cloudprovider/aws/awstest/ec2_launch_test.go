package awstest

import (
	"context"

	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
)

func createTemplate(t *testing.T, c clients, ctx context.Context, name, image, sg string) string {
	t.Helper()
	out, err := c.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{
		LaunchTemplateName: aws.String(name),
		LaunchTemplateData: &ec2types.RequestLaunchTemplateData{
			ImageId:            aws.String(image),
			SecurityGroupIds:   []string{sg},
			UserData:           aws.String("IyEvYmluL2Jhc2g="),
			IamInstanceProfile: &ec2types.LaunchTemplateIamInstanceProfileSpecificationRequest{Name: aws.String("profile-a")},
			MetadataOptions: &ec2types.LaunchTemplateInstanceMetadataOptionsRequest{
				HttpTokens: ec2types.LaunchTemplateHttpTokensStateRequired, HttpPutResponseHopLimit: aws.Int32(1),
				HttpEndpoint: ec2types.LaunchTemplateInstanceMetadataEndpointStateEnabled,
			},
			BlockDeviceMappings: []ec2types.LaunchTemplateBlockDeviceMappingRequest{{
				DeviceName: aws.String("/dev/xvda"),
				Ebs:        &ec2types.LaunchTemplateEbsBlockDeviceRequest{VolumeSize: aws.Int32(20), VolumeType: ec2types.VolumeTypeGp3, Encrypted: aws.Bool(true), DeleteOnTermination: aws.Bool(true)},
			}},
			TagSpecifications: []ec2types.LaunchTemplateTagSpecificationRequest{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{{Key: aws.String("from-template"), Value: aws.String("yes")}}}},
		},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeLaunchTemplate, Tags: []ec2types.Tag{{Key: aws.String("karpenter.k8s.aws/cluster"), Value: aws.String("demo")}}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return aws.ToString(out.LaunchTemplate.LaunchTemplateId)
}

func TestLaunchTemplateLifecycle(t *testing.T) {
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	id := createTemplate(t, c, ctx, "karpenter-demo-1", seed.AMIs["amd64"], seed.SecurityGroupID)

	lts := s.LaunchTemplates()
	if len(lts) != 1 {
		t.Fatalf("got %d templates", len(lts))
	}
	lt := lts[0]
	if lt.ID != id || lt.MetadataOptions.HTTPTokens != "required" || lt.MetadataOptions.HTTPPutResponseHopLimit != 1 ||
		lt.ImageID != seed.AMIs["amd64"] || lt.InstanceProfile != "profile-a" || lt.UserData != "IyEvYmluL2Jhc2g=" ||
		len(lt.BlockDevices) != 1 || lt.BlockDevices[0].VolumeSizeGiB != 20 || !lt.BlockDevices[0].Encrypted ||
		lt.Tags["karpenter.k8s.aws/cluster"] != "demo" || lt.InstanceTags["from-template"] != "yes" {
		t.Errorf("recorded template = %+v", lt)
	}

	_, err := c.ec2.CreateLaunchTemplate(ctx, &ec2.CreateLaunchTemplateInput{LaunchTemplateName: aws.String("karpenter-demo-1"), LaunchTemplateData: &ec2types.RequestLaunchTemplateData{}})
	if code := errorCode(t, err); code != "InvalidLaunchTemplateName.AlreadyExistsException" {
		t.Errorf("duplicate name: code %q", code)
	}

	byTag, err := c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:karpenter.k8s.aws/cluster"), Values: []string{"demo"}}}})
	if err != nil || len(byTag.LaunchTemplates) != 1 || aws.ToString(byTag.LaunchTemplates[0].LaunchTemplateName) != "karpenter-demo-1" {
		t.Fatalf("by tag: %+v, %v", byTag, err)
	}
	_, err = c.ec2.DescribeLaunchTemplates(ctx, &ec2.DescribeLaunchTemplatesInput{LaunchTemplateNames: []string{"nope"}})
	if code := errorCode(t, err); code != "InvalidLaunchTemplateName.NotFoundException" {
		t.Errorf("missing name: code %q", code)
	}

	if _, err := c.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id)}); err != nil {
		t.Fatal(err)
	}
	if len(s.LaunchTemplates()) != 0 {
		t.Error("the template survived its deletion")
	}
	_, err = c.ec2.DeleteLaunchTemplate(ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(id)})
	if code := errorCode(t, err); code != "InvalidLaunchTemplateId.NotFound" {
		t.Errorf("deleting twice: code %q", code)
	}
}
