// Package awstest is a local stand-in for the AWS APIs the AWS provider calls: EC2, SSM, Pricing,
// SQS and IAM behind one httptest server, speaking the real wire protocols (the EC2 and IAM query
// protocols with XML responses, AWS JSON 1.1 for SSM and Pricing, AWS JSON 1.0 for SQS), so the
// provider's tests run the real aws-sdk-go-v2 clients, serializers, retryers and error handling.
//
// # Use
//
//	srv := awstest.NewServer()           // instance types, zones and prices from the catalog
//	defer srv.Close()
//	seed := srv.SeedCluster(awstest.Cluster{Name: "test"}) // subnets, SG, AMIs, SSM, IAM, queue
//	cfg := srv.Config()                  // aws.Config: region, static credentials, BaseEndpoint
//	ec2c := ec2.NewFromConfig(cfg)       // likewise ssm, pricing, sqs, iam
//
// Any client pointed at URL() with any static credentials works; the server ignores signatures.
// Config's retryer is the SDK's standard one with a short maximum backoff, so throttling tests
// recover in milliseconds.
//
// # State
//
// The server holds subnets, security groups, images, SSM parameters, instance types and their
// zonal offerings, on-demand and spot prices, instances, launch templates, fleets, SQS queues and
// messages, IAM roles and instance profiles. Seed it with the Add*/Set* methods and read it back
// with the accessors, which return copies:
//
//   - seed: SeedCluster, AddSubnet, AddSecurityGroup, AddImage, SetParameter, SetInstanceTypes,
//     SetOfferings, SetOnDemandPrice, SetSpotPrice, AddInstance, AddRole, AddInstanceProfile,
//     CreateQueue, SendMessage, SendRawMessage; change: SetInstanceState, DeleteSubnet,
//     DeleteSecurityGroup, DeleteImage, DeleteParameter.
//   - read: Instances, Instance, LaunchTemplates, Fleets, InstanceProfiles, Messages,
//     Calls, ResetCalls.
//
// NewServer seeds every type of the embedded catalog (pkg/cloudprovider/catalog) in us-east-1a,
// us-east-1b and us-east-1c, on-demand at the catalog price and spot at catalog.SpotPrice.
//
// # Operations
//
//   - EC2 (Version 2016-11-15): DescribeSubnets, DescribeSecurityGroups, DescribeImages,
//     DescribeInstanceTypes, DescribeInstanceTypeOfferings, DescribeSpotPriceHistory,
//     DescribeAvailabilityZones, CreateLaunchTemplate, DescribeLaunchTemplates,
//     DeleteLaunchTemplate, CreateFleet (type instant), DescribeInstances, TerminateInstances,
//     CreateTags.
//   - SSM: GetParameter, GetParameters.
//   - Pricing: GetProducts (PriceList entries shaped like the real price list documents).
//   - SQS: CreateQueue, GetQueueUrl, GetQueueAttributes, ReceiveMessage (long polls for at most
//     MaxWait; visibility timeouts honoured), DeleteMessage, SendMessage. Queue URLs are
//     URL()/<account>/<name>.
//   - IAM (Version 2010-05-08): GetRole, GetInstanceProfile, CreateInstanceProfile,
//     AddRoleToInstanceProfile, RemoveRoleFromInstanceProfile, DeleteInstanceProfile,
//     TagInstanceProfile.
//
// Instances launched by CreateFleet are running at once (there is no boot); TerminateInstances
// answers shutting-down and leaves them terminated and still visible, as EC2 does for a while.
// Unknown filter names are rejected with InvalidParameterValue, as EC2 does, so a typo in a
// provider's filter fails its test instead of matching everything.
//
// CreateFleet takes, among the overrides of its launch template configs, the cheapest one (lowest
// Priority first when priorities are given and the strategy is prioritized) whose instance type,
// zone and capacity type (TargetCapacitySpecification.DefaultTargetCapacityType) have capacity,
// and reports every override it refused in Errors, with the codes real EC2 uses:
// InsufficientInstanceCapacity, UnfulfillableCapacity or MaxSpotInstanceCountExceeded.
//
// # Faults
//
//   - SetInsufficientCapacity / AddCapacityFault: no capacity for (instance type, zone, capacity
//     type); "" matches anything.
//   - SetSpotInstanceLimit: spot launches beyond n running spot instances fail with
//     MaxSpotInstanceCountExceeded.
//   - Throttle(action, n): the next n calls of the action fail with the service's throttling
//     error (RequestLimitExceeded for EC2, Throttling for IAM, ThrottlingException for the JSON
//     services). action "" means any action.
//   - FailWith(action, status, n): the next n calls fail with HTTP status (500, 503, ...) and the
//     service's InternalError / ServiceUnavailable error.
//   - SendRawMessage: put any body, malformed or not, on a queue.
//   - SendSpotInterruption, SendRebalanceRecommendation, SendStateChange, SendScheduledChange:
//     put the EventBridge events of interruption handling on a queue, shaped as AWS delivers
//     them (SetInstanceState changes the instance itself).
//
// Everything is safe for concurrent use.
package awstest
