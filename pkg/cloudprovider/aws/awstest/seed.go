package awstest

import "fmt"

// DiscoveryTag is the tag SeedCluster puts on subnets and security groups for selectors.
const DiscoveryTag = "karpenter.sh/discovery"

// AL2023Parameter is the public SSM parameter naming the EKS-optimized AL2023 AMI for a
// Kubernetes version and EC2 architecture ("x86_64" or "arm64").
func AL2023Parameter(kubernetesVersion, arch string) string {
	return fmt.Sprintf("/aws/service/eks/optimized-ami/%s/amazon-linux-2023/%s/standard/recommended/image_id", kubernetesVersion, arch)
}

// SeedCluster creates what an EKS cluster's account holds for Karpenter: a subnet per default
// zone and a security group tagged karpenter.sh/discovery=<name>, AL2023 AMIs for both
// architectures owned by Amazon with their SSM parameters, the node role
// KarpenterNodeRole-<name>, and the interruption queue <name>.
func (s *Server) SeedCluster(c Cluster) Seeded {
	if c.Name == "" {
		c.Name = "test"
	}
	if c.KubernetesVersion == "" {
		c.KubernetesVersion = "1.37"
	}
	out := Seeded{VPCID: "vpc-00000000000000001", SubnetIDs: map[string]string{}, AMIs: map[string]string{}, SSMParameters: map[string]string{}}
	tags := map[string]string{DiscoveryTag: c.Name}
	for _, z := range DefaultZones {
		sn := s.AddSubnet(Subnet{VPCID: out.VPCID, Zone: z, Tags: map[string]string{DiscoveryTag: c.Name, "Name": c.Name + "-private-" + z}})
		out.SubnetIDs[z] = sn.ID
	}
	out.SecurityGroupID = s.AddSecurityGroup(SecurityGroup{Name: c.Name + "-node", Description: "nodes of " + c.Name, VPCID: out.VPCID, Tags: tags}).ID
	for arch, ec2Arch := range map[string]string{"amd64": "x86_64", "arm64": "arm64"} {
		img := s.AddImage(Image{
			Name:         fmt.Sprintf("amazon-eks-node-al2023-%s-standard-%s-v20260101", ec2Arch, c.KubernetesVersion),
			OwnerID:      amazonOwnerID,
			Architecture: ec2Arch,
		})
		out.AMIs[arch] = img.ID
		param := AL2023Parameter(c.KubernetesVersion, ec2Arch)
		s.SetParameter(param, img.ID)
		out.SSMParameters[param] = img.ID
	}
	out.RoleName = "KarpenterNodeRole-" + c.Name
	s.AddRole(Role{Name: out.RoleName})
	out.QueueURL = s.CreateQueue(c.Name)
	return out
}
