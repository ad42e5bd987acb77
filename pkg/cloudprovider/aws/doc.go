// Package aws is the CloudProvider for real EC2, through aws-sdk-go-v2.
//
// # Discovery
//
// ResolveNodeClass (cloudprovider.NodeClassResolver) turns an EC2NodeClass's selectors into
// subnets (DescribeSubnets by id, tags or CIDR block), security groups (DescribeSecurityGroups by
// id, name or tags), AMIs (an al2023 alias through the public EKS SSM parameters of its standard,
// NVIDIA and Neuron images, an SSM parameter, or DescribeImages by id, name, owner and tags; the
// newest per architecture and variant) and an instance profile (spec.instanceProfile, or one named after the cluster and node class that the agent
// creates for spec.role). The agent's EC2NodeClass status controller writes the result into the
// node class's status; the provider launches only from that status, so what it launches with is
// what `kubectl get ec2nodeclass -o yaml` shows.
//
// # Instance types and prices
//
// DescribeInstanceTypes and DescribeInstanceTypeOfferings (per zone) give the types and where
// they are offered, refreshed every InstanceTypesTTL. Each type carries the karpenter.k8s.aws/*
// labels of the embedded catalog (catalog.Type.Labels), the ENI-limited pod count and an
// allocatable computed with Karpenter's kube-reserved, system-reserved and eviction defaults.
// On-demand prices come from the Pricing API and spot prices from DescribeSpotPriceHistory,
// refreshed every PricingTTL; when either fails, the embedded catalog's on-demand price is used,
// and spot falls back to on-demand.
//
// # Launching
//
// Create resolves one launch template per AMI (IMDSv2 required, AL2023 nodeadm user data) and
// calls CreateFleet (type instant) with up to MaxInstanceTypes instance types × one subnet per
// zone as overrides, cheapest first, spot (price-capacity-optimized) when the NodeClaim allows it,
// else on-demand (lowest-price). Overrides the fleet refuses for lack of capacity are marked
// unavailable for cloudprovider.UnavailableTTL and the launch fails with an
// InsufficientCapacityError, so the agent plans again without them. Throttling and 5xx errors
// are retried by the SDK's standard retryer.
//
// Instances are tagged kubernetes.io/cluster/<cluster>=owned, eks:eks-cluster-name,
// karpenter.sh/nodepool, karpenter.sh/nodeclaim and karpenter.k8s.aws/ec2nodeclass, plus the
// node class's tags; Get, List and Delete find them by those tags. Provider IDs are
// aws:///<zone>/<instance-id>.
//
// # Interruption
//
// With Options.InterruptionQueue the provider is a cloudprovider.InterruptionSource that
// delegates to package interruption (the SQS poller): it resolves the instances of each event to
// provider IDs (instances of other clusters are ignored) and, on a spot interruption warning,
// marks that instance type and zone unavailable as spot before the replacement is planned.
package aws
