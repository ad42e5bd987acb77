// Package simulated is an EC2 simulation implementing cloudprovider.CloudProvider: the agent's
// default provider, for the demo and the tests. It needs no cloud: "instances" are records in the
// API server and their nodes are Nodes that KWOK plays the kubelet of.
//
// # Instance types and the VPC
//
// The instance types are the embedded catalog (pkg/cloudprovider/catalog), offered on-demand and
// spot in every zone of Options.Zones. The simulated VPC has one subnet per zone, with id
// subnet-<zone suffix> (us-east-1a → subnet-a) and the tags Name=<cluster>-private-<zone>,
// karpenter.sh/discovery=<cluster> and topology.kubernetes.io/zone=<zone>. An EC2NodeClass's
// subnetSelectorTerms pick zones from these by id or tags ("*" matches any value); its kubelet
// maxPods and podsPerCore set the pod capacity (and allocatable memory, through Karpenter's
// kube-reserved formula); its tags go on the instance. AMIs, security groups, user data and the
// other kubelet settings are not simulated.
//
// # Launching
//
// Create picks the cheapest available offering the NodeClaim's requirements and resource
// requests allow, spot before on-demand, records the instance as pending, and returns at once with
// the provider ID sim:///<zone>/<instance-id>. After Options.LaunchDelay (on the injected clock)
// the launcher creates the Node, named after the instance id, with the instance's labels, the
// karpenter.sh/unregistered:NoExecute taint plus the NodeClaim's taints and startup taints, its
// capacity and allocatable, a Ready=Unknown condition and the annotation kwok.x-k8s.io/node=fake.
// Registering it (syncing labels, removing the unregistered taint) is the agent's job.
//
// # State
//
// Each instance is a ConfigMap nc-<nodeclaim> in Options.StateNamespace (created if absent),
// labelled app.kubernetes.io/managed-by=karpenter-simulated, karpenter.sh/nodeclaim,
// karpenter.sh/nodepool, simulated-ec2.karpenter-tools.io/instance-id and
// simulated-ec2.karpenter-tools.io/state (pending, running, shutting-down or terminated). It
// outlives the agent: a new provider resumes the pending launches (Start, or its first Create),
// Create returns the existing instance of a NodeClaim instead of launching a second, and List
// returns exactly the instances not terminated.
//
// # Fault injection
//
// Faults come from Provider.SetFaults and Provider.Interrupt in-process, and from the ConfigMap
// "faults" in Options.StateNamespace, read on every Create (and every FaultPollInterval for
// interruptions) so a test can inject faults into a running agent binary. Its keys:
//
//	insufficientCapacity:     offerings that have no capacity: a list of
//	                          <instance-type>/<zone>/<capacity-type>, each part a name, * or a
//	                          glob, e.g. "m5.large/us-east-1a/spot, */us-east-1c/*". Create marks
//	                          each one it meets unavailable (for cloudprovider.UnavailableTTL, so
//	                          GetInstanceTypes reports it too) and tries the next; with none left
//	                          it returns an InsufficientCapacityError naming them. As with real
//	                          EC2, capacity is only found missing by trying to launch.
//	launchErrors:             "3": the next 3 Creates fail with a generic error. The provider
//	                          writes the decremented count back, so the ConfigMap shows what is left.
//	launchErrorInstanceTypes: "m5.large, c6g.*": Create fails with a generic error when it would
//	                          launch one of these types.
//	extraLaunchDelay:         "30s": added to the launch delay of every launch while set.
//	createDelay:              "10s": Create waits this long after recording the instance, before
//	                          returning, so a test can kill the agent mid-launch.
//	interrupt:                node names, instance ids or provider IDs of spot instances to
//	                          interrupt: they turn shutting-down and Interruptions delivers a
//	                          cloudprovider.Interruption for each. Nothing is deleted.
//
// Lists are separated by commas or newlines, and "#" starts a comment. An invalid ConfigMap makes
// Create fail with an error naming every bad key and entry.
package simulated
