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

// resolveSubnets returns the subnets the terms select, most free addresses first within a zone,
// or a message saying which terms matched nothing.
func (p *Provider) resolveSubnets(ctx context.Context, terms []ec2v1.SubnetSelectorTerm) ([]ec2v1.Subnet, string, error) {
	queries := make([]*termQuery, len(terms))
	for i, t := range terms {
		switch {
		case t.ID != "":
			queries[i] = &termQuery{filters: []ec2types.Filter{filter("subnet-id", t.ID)}, what: "id " + t.ID}
		case len(t.Tags) > 0 || t.CIDR != "":
			q := &termQuery{}
			var parts []string
			if len(t.Tags) > 0 {
				q.filters = tagFilters(t.Tags)
				parts = append(parts, "tags "+describeTags(t.Tags))
			}
			if t.CIDR != "" {
				q.filters = append(q.filters, filter("cidr-block", t.CIDR))
				parts = append(parts, "cidr "+t.CIDR)
			}
			q.what = strings.Join(parts, ", ")
			queries[i] = q
		}
	}
	seen, empty, err := resolveTerms(ctx, "subnetSelectorTerms", "subnets", queries,
		func(f []ec2types.Filter) ec2Pager[*ec2.DescribeSubnetsOutput] {
			return ec2.NewDescribeSubnetsPaginator(p.ec2, &ec2.DescribeSubnetsInput{Filters: f})
		},
		func(o *ec2.DescribeSubnetsOutput) []ec2types.Subnet { return o.Subnets },
		func(s ec2types.Subnet) string { return aws.ToString(s.SubnetId) })
	if err != nil {
		return nil, "", err
	}
	if len(seen) == 0 {
		return nil, fmt.Sprintf("no subnet in %s matches %s", p.region, strings.Join(empty, " or ")), nil
	}
	subnets := make([]ec2types.Subnet, 0, len(seen))
	for _, s := range seen {
		subnets = append(subnets, s)
	}
	sort.Slice(subnets, func(i, j int) bool {
		a, b := subnets[i], subnets[j]
		if za, zb := aws.ToString(a.AvailabilityZone), aws.ToString(b.AvailabilityZone); za != zb {
			return za < zb
		}
		if ia, ib := aws.ToInt32(a.AvailableIpAddressCount), aws.ToInt32(b.AvailableIpAddressCount); ia != ib {
			return ia > ib
		}
		return aws.ToString(a.SubnetId) < aws.ToString(b.SubnetId)
	})
	out := make([]ec2v1.Subnet, 0, len(subnets))
	for _, s := range subnets {
		out = append(out, ec2v1.Subnet{ID: aws.ToString(s.SubnetId), Zone: aws.ToString(s.AvailabilityZone), ZoneID: aws.ToString(s.AvailabilityZoneId)})
	}
	return out, "", nil
}

// zonalSubnets picks one subnet per zone: the first the status lists, which has the most free
// addresses when it was resolved.
func zonalSubnets(subnets []ec2v1.Subnet) map[string]string {
	out := map[string]string{}
	for _, s := range subnets {
		if _, ok := out[s.Zone]; !ok {
			out[s.Zone] = s.ID
		}
	}
	return out
}
