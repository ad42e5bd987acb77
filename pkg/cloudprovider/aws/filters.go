package aws

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/smithy-go"
)

// tagFilters turns selector tags into EC2 filters: a value of "*" only requires the key, as
// Karpenter's selectors define it.
func tagFilters(tags map[string]string) []ec2types.Filter {
	keys := slices.Sorted(maps.Keys(tags))
	out := make([]ec2types.Filter, 0, len(keys))
	for _, k := range keys {
		if v := tags[k]; v == "*" {
			out = append(out, ec2types.Filter{Name: aws.String("tag-key"), Values: []string{k}})
		} else {
			out = append(out, ec2types.Filter{Name: aws.String("tag:" + k), Values: []string{v}})
		}
	}
	return out
}

func filter(name string, values ...string) ec2types.Filter {
	return ec2types.Filter{Name: aws.String(name), Values: values}
}

// describeTags renders selector tags for messages: {k1: v1, k2: *}.
func describeTags(tags map[string]string) string {
	keys := slices.Sorted(maps.Keys(tags))
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+tags[k])
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// tagMap turns EC2 tags into a map.
func tagMap(tags []ec2types.Tag) map[string]string {
	out := make(map[string]string, len(tags))
	for _, t := range tags {
		out[aws.ToString(t.Key)] = aws.ToString(t.Value)
	}
	return out
}

// errorCode returns the AWS error code of err, "" when it carries none.
func errorCode(err error) string {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode()
	}
	return ""
}

// isNotFound reports the error codes EC2 and IAM use for ids and names that do not exist.
func isNotFound(err error) bool {
	code := errorCode(err)
	return strings.HasSuffix(code, ".NotFound") || strings.HasSuffix(code, ".Malformed") || code == "NoSuchEntity"
}

// wrap adds what the provider was doing to an AWS error.
func wrap(err error, format string, args ...any) error {
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// termQuery is the Describe filter one selector term stands for, and how messages name it
// ("id sg-1", "tags team=a").
type termQuery struct {
	filters []ec2types.Filter
	what    string
}

// ec2Pager is an EC2 Describe paginator.
type ec2Pager[O any] interface {
	HasMorePages() bool
	NextPage(ctx context.Context, optFns ...func(*ec2.Options)) (O, error)
}

// resolveTerms runs a Describe for each selector term (a nil query selects nothing) and returns
// what they found by id, and the terms that found nothing as field[i] (what). A not-found error
// ends a term's pages without failing; noun names the resources in other errors.
func resolveTerms[O, T any](ctx context.Context, field, noun string, queries []*termQuery,
	describe func([]ec2types.Filter) ec2Pager[O], items func(O) []T, id func(T) string) (map[string]T, []string, error) {
	seen := map[string]T{}
	var empty []string
	for i, q := range queries {
		if q == nil {
			continue
		}
		found := 0
		pager := describe(q.filters)
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				if isNotFound(err) {
					break
				}
				return nil, nil, wrap(err, "describing %s with %s", noun, q.what)
			}
			for _, it := range items(page) {
				seen[id(it)] = it
				found++
			}
		}
		if found == 0 {
			empty = append(empty, fmt.Sprintf("%s[%d] (%s)", field, i, q.what))
		}
	}
	return seen, empty, nil
}
