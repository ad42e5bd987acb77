package aws

import (
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
)

func TestDriftReasonSaysWhich(t *testing.T) {
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Status: ec2v1.EC2NodeClassStatus{
			Subnets:        []ec2v1.Subnet{{ID: "subnet-a", Zone: "us-east-1a"}, {ID: "subnet-b", Zone: "us-east-1b"}},
			SecurityGroups: []ec2v1.SecurityGroup{{ID: "sg-1"}, {ID: "sg-2"}},
			AMIs:           []ec2v1.AMI{{ID: "ami-new"}},
		},
	}
	for _, c := range []struct {
		name, image, subnet string
		sgs                 []string
		want                []string
	}{
		{"matches", "ami-new", "subnet-b", []string{"sg-2", "sg-1"}, nil},
		{"ami", "ami-old", "subnet-a", []string{"sg-1", "sg-2"}, []string{"AMIDrift", "ami-old", "ami-new"}},
		{"subnet", "ami-new", "subnet-c", []string{"sg-1", "sg-2"}, []string{"SubnetDrift", "subnet-c"}},
		{"security groups", "ami-new", "subnet-a", []string{"sg-1"}, []string{"SecurityGroupDrift", "sg-1, sg-2"}},
		{"all three", "ami-old", "subnet-c", []string{"sg-3"}, []string{"AMIDrift", "SubnetDrift", "SecurityGroupDrift"}},
	} {
		got := string(driftReason(nc, c.image, c.subnet, c.sgs))
		if len(c.want) == 0 && got != "" {
			t.Errorf("%s: drifted: %s", c.name, got)
		}
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%s: reason %q does not mention %q", c.name, got, w)
			}
		}
	}
}
