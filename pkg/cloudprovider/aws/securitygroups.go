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
	seen := map[string]ec2v1.SecurityGroup{}
	var empty []string
	for i, t := range terms {
		in := &ec2.DescribeSecurityGroupsInput{}
		what := ""
		switch {
		case t.ID != "":
			in.Filters = []ec2types.Filter{filter("group-id", t.ID)}
			what = "id " + t.ID
		case t.Name != "":
			in.Filters = []ec2types.Filter{filter("group-name", t.Name)}
			what = "name " + t.Name
		case len(t.Tags) > 0:
			in.Filters = tagFilters(t.Tags)
			what = "tags " + describeTags(t.Tags)
		default:
			continue
		}
		found := 0
		pager := ec2.NewDescribeSecurityGroupsPaginator(p.ec2, in)
		for pager.HasMorePages() {
			page, err := pager.NextPage(ctx)
			if err != nil {
				if isNotFound(err) {
					break
				}
				return nil, "", wrap(err, "describing security groups with %s", what)
			}
			for _, g := range page.SecurityGroups {
				seen[aws.ToString(g.GroupId)] = ec2v1.SecurityGroup{ID: aws.ToString(g.GroupId), Name: aws.ToString(g.GroupName)}
				found++
			}
		}
		if found == 0 {
			empty = append(empty, fmt.Sprintf("securityGroupSelectorTerms[%d] (%s)", i, what))
		}
	}
	if len(seen) == 0 {
		return nil, fmt.Sprintf("no security group in %s matches %s", p.region, strings.Join(empty, " or ")), nil
	}
	out := make([]ec2v1.SecurityGroup, 0, len(seen))
	for _, g := range seen {
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out, "", nil
}
