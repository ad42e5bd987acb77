// Package interruption reads the EC2 interruption notices EventBridge puts on an SQS queue (the
// agent's --interruption-queue) and delivers them as cloudprovider.Interruption values, so the AWS
// provider implements cloudprovider.InterruptionSource.
//
// # Use
//
//	src, err := interruption.New(interruption.Options{
//		Client:  sqs.NewFromConfig(cfg),
//		Queue:   "my-cluster",                  // a queue name or URL
//		Resolve: provider.providerIDOf,         // instance ID -> aws:///<zone>/<instance-id>
//		OnSpotInterruption: provider.markSpotUnavailable, // optional
//		Log:     log,
//	})
//	notices := src.Interruptions(ctx)            // closed when ctx ends
//
// # Messages
//
// The body of each SQS message is an EventBridge event as AWS delivers it (an SNS notification
// wrapping one is unwrapped too):
//
//   - "EC2 Spot Instance Interruption Warning" (aws.ec2): InterruptionSpot. OnSpotInterruption is
//     called first, so the provider can mark the (instance type, zone, spot) offering unavailable
//     before the replacement is launched.
//   - "EC2 Instance Rebalance Recommendation" (aws.ec2): InterruptionRebalance.
//   - "AWS Health Event" (aws.health) of service EC2 and category scheduledChange:
//     InterruptionScheduled, once for each instance in affectedEntities.
//   - "EC2 Instance State-change Notification" (aws.ec2) with state stopping, stopped,
//     shutting-down or terminated: InterruptionStateChange. Other states are ignored.
//
// A message is deleted once every notice it carries has been delivered on the channel. A message
// that cannot be parsed, or that names nothing this package acts on, is logged and deleted: it
// would never parse later either. An instance the resolver reports with ErrInstanceNotFound (not
// this cluster's, or gone) is skipped. When the resolver fails otherwise, the message is left on
// the queue, and SQS redelivers it after its visibility timeout.
//
// Receive errors (throttling beyond the SDK's own retries, a missing queue, an outage) are
// logged and retried with exponential backoff; nothing but the context ends the loop.
package interruption
