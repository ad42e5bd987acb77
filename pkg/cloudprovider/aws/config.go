package aws

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/config"
)

// Retry bounds for every AWS call. The standard retryer retries throttling, 5xx and transient
// network errors with jittered exponential backoff; a launch that is throttled for longer than
// this fails and the agent's workqueue backs off further.
const (
	MaxAttempts = 8
	MaxBackoff  = 20 * time.Second
)

// LoadConfig resolves region and credentials the standard way (environment, shared config and
// credentials files, IRSA or Pod Identity web identity, instance metadata). region, when set,
// wins over the environment; endpoint, when set, sends every service to it (for tests against a
// local emulator; AWS_ENDPOINT_URL does the same without a flag).
func LoadConfig(ctx context.Context, region, endpoint string) (aws.Config, error) {
	opts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.MaxAttempts = MaxAttempts
				o.MaxBackoff = MaxBackoff
			})
		}),
	}
	if region != "" {
		opts = append(opts, config.WithRegion(region))
	}
	if endpoint != "" {
		opts = append(opts, config.WithBaseEndpoint(endpoint))
	}
	cfg, err := config.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return aws.Config{}, fmt.Errorf("loading the AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		return aws.Config{}, errors.New("loading the AWS configuration: no region; set --aws-region or AWS_REGION")
	}
	return cfg, nil
}

// pricingRegion is where the Pricing API is served from: it has endpoints in a few regions
// only, and us-east-1 answers for every commercial region.
func pricingRegion(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "cn-northwest-1"
	}
	return "us-east-1"
}
