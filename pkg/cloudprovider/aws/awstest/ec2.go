package awstest

import (
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) ec2Handlers() map[string]ec2Handler {
	return map[string]ec2Handler{
		"DescribeAvailabilityZones":     s.describeAvailabilityZones,
		"DescribeSubnets":               s.describeSubnets,
		"DescribeSecurityGroups":        s.describeSecurityGroups,
		"DescribeImages":                s.describeImages,
		"DescribeInstanceTypes":         s.describeInstanceTypes,
		"DescribeInstanceTypeOfferings": s.describeInstanceTypeOfferings,
		"DescribeSpotPriceHistory":      s.describeSpotPriceHistory,
		"CreateLaunchTemplate":          s.createLaunchTemplate,
		"DescribeLaunchTemplates":       s.describeLaunchTemplates,
		"DeleteLaunchTemplate":          s.deleteLaunchTemplate,
		"CreateFleet":                   s.createFleet,
		"DescribeInstances":             s.describeInstances,
		"TerminateInstances":            s.terminateInstances,
		"CreateTags":                    s.createTags,
	}
}

// ec2Time is EC2's timestamp format.
func ec2Time(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

type tagXML struct {
	Key   string `xml:"key"`
	Value string `xml:"value"`
}

// tagsXML lists tags sorted by key, so responses are stable.
func tagsXML(tags map[string]string) []tagXML {
	out := make([]tagXML, 0, len(tags))
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		out = append(out, tagXML{Key: k, Value: tags[k]})
	}
	return out
}

// tagsOf reads a "Tag.N.Key/Value" list.
func tagsOf(p params, key string) map[string]string {
	tags := map[string]string{}
	for _, t := range p.list(key) {
		tags[t.get("Key")] = t.get("Value")
	}
	return tags
}

// tagSpecs reads TagSpecification.N for the resource type.
func tagSpecs(p params, key, resourceType string) map[string]string {
	tags := map[string]string{}
	for _, spec := range p.list(key) {
		if spec.get("ResourceType") == resourceType {
			maps.Copy(tags, tagsOf(spec, "Tag"))
		}
	}
	return tags
}

type filter struct {
	name   string
	values []*regexp.Regexp
	raw    []string
}

// filtersOf reads Filter.N; values may use EC2's wildcards * and ?.
func filtersOf(p params) []filter {
	list := p.list("Filter")
	out := make([]filter, 0, len(list))
	for _, f := range list {
		fl := filter{name: f.get("Name"), raw: f.strings("Value")}
		for _, v := range fl.raw {
			re := regexp.QuoteMeta(v)
			re = strings.ReplaceAll(re, `\*`, ".*")
			re = strings.ReplaceAll(re, `\?`, ".")
			fl.values = append(fl.values, regexp.MustCompile("^"+re+"$"))
		}
		out = append(out, fl)
	}
	return out
}

func (f filter) matchesAny(vals []string) bool {
	for _, v := range vals {
		for _, re := range f.values {
			if re.MatchString(v) {
				return true
			}
		}
	}
	return false
}

// matchFilters reports whether a resource with the tags passes every filter. attr returns the
// resource's values for a filter name, and false for a name the resource type does not support,
// which EC2 rejects.
func matchFilters(filters []filter, tags map[string]string, attr func(name string) ([]string, bool)) (bool, error) {
	for _, f := range filters {
		var vals []string
		switch {
		case strings.HasPrefix(f.name, "tag:"):
			if v, ok := tags[strings.TrimPrefix(f.name, "tag:")]; ok {
				vals = []string{v}
			}
		case f.name == "tag-key":
			vals = slices.Collect(maps.Keys(tags))
		case f.name == "tag-value":
			vals = slices.Collect(maps.Values(tags))
		default:
			v, ok := attr(f.name)
			if !ok {
				return false, invalidParameter("The filter '%s' is invalid", f.name)
			}
			vals = v
		}
		if !f.matchesAny(vals) {
			return false, nil
		}
	}
	return true, nil
}

// page cuts items to one page. The token is the offset of the page's first item, opaque to
// clients; max 0 means everything.
func page[T any](items []T, p params, defaultMax, limit int) ([]T, string, error) {
	maxResults, err := p.int("MaxResults", defaultMax)
	if err != nil {
		return nil, "", invalidParameter("%v", err)
	}
	if limit > 0 && maxResults > limit {
		return nil, "", invalidParameter("MaxResults must be at most %d", limit)
	}
	start := 0
	if tok := p.get("NextToken"); tok != "" {
		start, err = strconv.Atoi(strings.TrimPrefix(tok, "page-"))
		if err != nil || start < 0 || start > len(items) {
			return nil, "", &apiError{status: 400, code: "InvalidNextToken", message: "The token '" + tok + "' is invalid."}
		}
	}
	if maxResults <= 0 || start+maxResults >= len(items) {
		return items[start:], "", nil
	}
	return items[start : start+maxResults], "page-" + strconv.Itoa(start+maxResults), nil
}

// oneOf returns a single-valued attribute for matchFilters.
func oneOf(v string) []string { return []string{v} }

// sortedKeys returns the map's keys in order, for stable listings.
func sortedKeys[V any](m map[string]V) []string { return slices.Sorted(maps.Keys(m)) }

func cloneTags(t map[string]string) map[string]string {
	out := make(map[string]string, len(t))
	maps.Copy(out, t)
	return out
}
