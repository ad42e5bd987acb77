package awstest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/pricing"
	"github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/aws/aws-sdk-go-v2/service/ssm"
	"github.com/aws/smithy-go"
)

type clients struct {
	ec2     *ec2.Client
	ssm     *ssm.Client
	pricing *pricing.Client
	sqs     *sqs.Client
	iam     *iam.Client
}

func newServer(t *testing.T) (*Server, clients, context.Context) {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	cfg := s.Config()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return s, clients{
		ec2:     ec2.NewFromConfig(cfg),
		ssm:     ssm.NewFromConfig(cfg),
		pricing: pricing.NewFromConfig(cfg),
		sqs:     sqs.NewFromConfig(cfg),
		iam:     iam.NewFromConfig(cfg),
	}, ctx
}

// errorCode returns the API error code the SDK surfaced, or fails the test.
func errorCode(t *testing.T, err error) string {
	t.Helper()
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("want an API error, got %v", err)
	}
	return ae.ErrorCode()
}
