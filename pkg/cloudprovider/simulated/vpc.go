package simulated

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

// Subnet tag keys of the simulated VPC. DiscoveryTagKey is the tag Karpenter's getting-started
// guide puts on subnets, so NodeClasses written for a real cluster select these subnets unchanged.
const (
	DiscoveryTagKey = "karpenter.sh/discovery"
	NameTagKey      = "Name"
)

// Subnet is one subnet of the simulated VPC: one per zone.
type Subnet struct {
	ID   string
	Zone string
	Tags map[string]string
}

// newVPC returns one subnet per zone, with ids derived from the zone so they stay the same across
// restarts and are easy to type in a selector: us-east-1a → subnet-a. Zones outside the region
// (a custom Options.Zones) keep their whole name, stripped of what a subnet id cannot hold.
func newVPC(region, clusterName string, zones []string) []Subnet {
	subnets := make([]Subnet, 0, len(zones))
	for _, z := range zones {
		suffix := sanitizeID(strings.TrimPrefix(z, region))
		if suffix == "" || !strings.HasPrefix(z, region) {
			suffix = sanitizeID(z)
		}
		subnets = append(subnets, Subnet{
			ID:   "subnet-" + suffix,
			Zone: z,
			Tags: map[string]string{
				NameTagKey:               clusterName + "-private-" + z,
				DiscoveryTagKey:          clusterName,
				corev1.LabelTopologyZone: z,
			},
		})
	}
	return subnets
}

// sanitizeID keeps what ^subnet-[0-9a-z]+$ allows.
func sanitizeID(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '0' && r <= '9', r >= 'a' && r <= 'z':
			return r
		case r >= 'A' && r <= 'Z':
			return r - 'A' + 'a'
		}
		return -1
	}, s)
}

// selectSubnets returns the subnets any term selects. A term selects by id, or by tags where
// every tag must match and "*" matches any value, as EC2 tag filters behave for Karpenter.
func selectSubnets(vpc []Subnet, terms []ec2v1.SubnetSelectorTerm) []Subnet {
	var out []Subnet
	for _, s := range vpc {
		if slices.ContainsFunc(terms, func(t ec2v1.SubnetSelectorTerm) bool { return termSelects(t, s) }) {
			out = append(out, s)
		}
	}
	return out
}

func termSelects(t ec2v1.SubnetSelectorTerm, s Subnet) bool {
	if t.ID != "" {
		return t.ID == s.ID
	}
	if len(t.Tags) == 0 {
		// The CRD rejects such a term; selecting nothing is the safe reading of one.
		return false
	}
	for k, want := range t.Tags {
		got, ok := s.Tags[k]
		if !ok || (want != "*" && want != got) {
			return false
		}
	}
	return true
}

// zonesOf returns the distinct zones of the subnets, sorted.
func zonesOf(subnets []Subnet) []string {
	var zones []string
	for _, s := range subnets {
		if !slices.Contains(zones, s.Zone) {
			zones = append(zones, s.Zone)
		}
	}
	sort.Strings(zones)
	return zones
}

// describeVPC lists the subnets and their tags, for error messages that must say what a
// selector could have matched.
func describeVPC(vpc []Subnet) string {
	parts := make([]string, 0, len(vpc))
	for _, s := range vpc {
		keys := make([]string, 0, len(s.Tags))
		for k := range s.Tags {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		tags := make([]string, 0, len(keys))
		for _, k := range keys {
			tags = append(tags, k+"="+s.Tags[k])
		}
		parts = append(parts, fmt.Sprintf("%s (%s)", s.ID, strings.Join(tags, ", ")))
	}
	return strings.Join(parts, "; ")
}
