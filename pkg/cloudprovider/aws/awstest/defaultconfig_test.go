package awstest

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
)

// The agent binary resolves its configuration with config.LoadDefaultConfig; pointing it at the
// server through the standard environment, as an end-to-end run does, must reach every service.
func TestDefaultConfigFromTheEnvironmentReachesTheServer(t *testing.T) {
	s, _, ctx := newServer(t)
	s.SeedCluster(Cluster{Name: "demo"})
	for k, v := range map[string]string{
		"AWS_ENDPOINT_URL": s.URL(), "AWS_REGION": Region, "AWS_ACCESS_KEY_ID": "AKIDTEST", "AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_CONFIG_FILE": "/dev/null", "AWS_SHARED_CREDENTIALS_FILE": "/dev/null", "AWS_EC2_METADATA_DISABLED": "true",
	} {
		t.Setenv(k, v)
	}
	cfg, err := config.LoadDefaultConfig(ctx)
	if err != nil {
		t.Fatal(err)
	}
	subnets, err := ec2.NewFromConfig(cfg).DescribeSubnets(ctx, &ec2.DescribeSubnetsInput{})
	if err != nil || len(subnets.Subnets) != 3 {
		t.Fatalf("EC2: %d subnets, %v", len(subnets.Subnets), err)
	}
	if _, err := sqs.NewFromConfig(cfg).GetQueueUrl(ctx, &sqs.GetQueueUrlInput{QueueName: aws.String("demo")}); err != nil {
		t.Fatalf("SQS: %v", err)
	}
	if _, err := pricing.NewFromConfig(cfg).GetProducts(ctx, &pricing.GetProductsInput{ServiceCode: aws.String("AmazonEC2"), MaxResults: aws.Int32(1)}); err != nil {
		t.Fatalf("Pricing: %v", err)
	}
}
