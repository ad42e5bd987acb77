package simulated

import (
	"regexp"
	"slices"
	"testing"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

func TestVPCHasOneTaggedSubnetPerZone(t *testing.T) {
	vpc := newVPC("us-east-1", "demo", []string{"us-east-1a", "us-east-1b", "eu-west-3c"})
	wantIDs := []string{"subnet-a", "subnet-b", "subnet-euwest3c"}
	for i, s := range vpc {
		if s.ID != wantIDs[i] {
			t.Errorf("subnet %d id %q, want %q", i, s.ID, wantIDs[i])
		}
		if !regexp.MustCompile(`^subnet-[0-9a-z]+$`).MatchString(s.ID) {
			t.Errorf("subnet id %q does not match the EC2NodeClass CRD pattern", s.ID)
		}
		if s.Tags[DiscoveryTagKey] != "demo" || s.Tags["topology.kubernetes.io/zone"] != s.Zone || s.Tags[NameTagKey] == "" {
			t.Errorf("subnet %s tags %v", s.ID, s.Tags)
		}
	}
}

func TestSubnetSelectorTerms(t *testing.T) {
	vpc := newVPC("us-east-1", "local", DefaultZones)
	for _, tc := range []struct {
		name  string
		terms []ec2v1.SubnetSelectorTerm
		want  []string
	}{
		{"discovery tag", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: "local"}}}, []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"wildcard value", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: "*"}}}, []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"all tags must match", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: "local", "topology.kubernetes.io/zone": "us-east-1b"}}}, []string{"us-east-1b"}},
		{"terms are ORed", []ec2v1.SubnetSelectorTerm{{ID: "subnet-a"}, {ID: "subnet-c"}}, []string{"us-east-1a", "us-east-1c"}},
		{"other cluster", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: "prod"}}}, nil},
		{"unknown id", []ec2v1.SubnetSelectorTerm{{ID: "subnet-0123"}}, nil},
		{"missing tag key", []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"tier": "*"}}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := zonesOf(selectSubnets(vpc, tc.terms)); !slices.Equal(got, tc.want) {
				t.Errorf("zones %v, want %v", got, tc.want)
			}
		})
	}
}
