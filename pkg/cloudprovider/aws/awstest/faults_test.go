package awstest

import (
	"net/http"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
)

func TestThrottlingIsRetriedBySDK(t *testing.T) {
	s, c, ctx := newServer(t)
	s.SeedCluster(Cluster{Name: "demo"})

	s.Throttle("DescribeSubnets", 2)
	if _, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{}); err != nil {
		t.Fatalf("EC2 throttled twice then fine: %v", err)
	}
	if n := s.Calls("DescribeSubnets"); n != 3 {
		t.Errorf("DescribeSubnets calls = %d, want 2 throttled + 1", n)
	}
	s.Throttle("GetParameter", 2)
	if _, err := c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String(AL2023Parameter("1.37", "x86_64"))}); err != nil {
		t.Fatalf("SSM throttled twice then fine: %v", err)
	}
	s.Throttle("GetRole", 1)
	if _, err := c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("KarpenterNodeRole-demo")}); err != nil {
		t.Fatalf("IAM throttled once then fine: %v", err)
	}
	s.Throttle("", 1) // any action
	if _, err := c.sqs.GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("demo")}); err != nil {
		t.Fatalf("SQS throttled once then fine: %v", err)
	}
	if n := s.Calls("GetQueueUrl"); n != 2 {
		t.Errorf("GetQueueUrl calls = %d, want 2", n)
	}
}

func TestPersistentThrottlingSurfacesTheServiceCode(t *testing.T) {
	s, c, ctx := newServer(t)
	s.SeedCluster(Cluster{Name: "demo"})
	s.Throttle("", 100)
	_, err := c.ec2.DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if code := errorCode(t, err); code != "RequestLimitExceeded" {
		t.Errorf("EC2: %q", code)
	}
	_, err = c.sqs.ReceiveMessage(ctx, &sqs.ReceiveMessageInput{QueueUrl: aws.String(s.CreateQueue("demo"))})
	if code := errorCode(t, err); code != "ThrottlingException" {
		t.Errorf("SQS: %q", code)
	}
	_, err = c.iam.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String("KarpenterNodeRole-demo")})
	if code := errorCode(t, err); code != "Throttling" {
		t.Errorf("IAM: %q", code)
	}
}

func TestServerErrorsAreRetriedAndSurface(t *testing.T) {
	s, c, ctx := newServer(t)
	s.FailWith("GetProducts", http.StatusServiceUnavailable, 2)
	if _, err := c.pricing.GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("503 twice then fine: %v", err)
	}
	if n := s.Calls("GetProducts"); n != 3 {
		t.Errorf("GetProducts calls = %d", n)
	}
	s.FailWith("DescribeInstanceTypes", http.StatusInternalServerError, 100)
	_, err := c.ec2.DescribeInstanceTypes(ctx, &ec2.DescribeInstanceTypesInput{})
	if code := errorCode(t, err); code != "InternalError" {
		t.Errorf("EC2 500: %q", code)
	}
	s.FailWith("GetParameter", http.StatusServiceUnavailable, 100)
	_, err = c.ssm.GetParameter(ctx, &ssm.GetParameterInput{Name: aws.String("/x")})
	if code := errorCode(t, err); code != "ServiceUnavailableException" {
		t.Errorf("SSM 503: %q", code)
	}
}
