package aws

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// resolveSecurityGroups returns the security groups the terms select, sorted by id, or a
// message saying which terms matched nothing.
func (p *Provider) resolveSecurityGroups(ctx context.Context, terms []ec2v1.SecurityGroupSelectorTerm) ([]ec2v1.SecurityGroup, string, error) {
	queries := make([]*termQuery, len(terms))
	for i, t := range terms {
		switch {
		case t.ID != "":
			queries[i] = &termQuery{filters: []ec2types.Filter{filter("group-id", t.ID)}, what: "id " + t.ID}
		case t.Name != "":
			queries[i] = &termQuery{filters: []ec2types.Filter{filter("group-name", t.Name)}, what: "name " + t.Name}
		case len(t.Tags) > 0:
			queries[i] = &termQuery{filters: tagFilters(t.Tags), what: "tags " + describeTags(t.Tags)}
		}
	}
	seen, empty, err := resolveTerms(ctx, "securityGroupSelectorTerms", "security groups", queries,
		func(f []ec2types.Filter) ec2Pager[*ec2.DescribeSecurityGroupsOutput] {
			return ec2.NewDescribeSecurityGroupsPaginator(p.ec2, &ec2.DescribeSecurityGroupsInput{Filters: f})
		},
		func(o *ec2.DescribeSecurityGroupsOutput) []ec2types.SecurityGroup { return o.SecurityGroups },
		func(g ec2types.SecurityGroup) string { return aws.ToString(g.GroupId) })
	if err != nil {
		return nil, "", err
	}
	if len(seen) == 0 {
		return nil, fmt.Sprintf("no security group in %s matches %s", p.region, strings.Join(empty, " or ")), nil
	}
	out := make([]ec2v1.SecurityGroup, 0, len(seen))
	for _, g := range seen {
		out = append(out, ec2v1.SecurityGroup{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, "", nil
}
