package v1

import corev1 "k8s.io/api/core/v1"

// Labels, annotations, taints and finalizers, named as upstream Karpenter names them so that
// dashboards, docs and tools written for it keep working.
const (
	NodePoolLabelKey        = Group + "/nodepool"
	NodeInitializedLabelKey = Group + "/initialized"
	NodeRegisteredLabelKey  = Group + "/registered"
	CapacityTypeLabelKey    = Group + "/capacity-type"

	DoNotDisruptAnnotationKey           = Group + "/do-not-disrupt"
	NodePoolHashAnnotationKey           = Group + "/nodepool-hash"
	NodeClaimTerminationTimestampAnnKey = Group + "/nodeclaim-termination-timestamp"

	// PriceAnnotationKey is the hourly price in USD of the offering a NodeClaim launched into;
	// the NodePool status, its cost metrics and the plugin read it.
	PriceAnnotationKey = Group + "/price"
	// PodCountAnnotationKey is how many pending pods the provisioner created a NodeClaim for; the
	// Launched Event reports it.
	PodCountAnnotationKey = Group + "/pod-count"

	TerminationFinalizer = Group + "/termination"

	CapacityTypeSpot     = "spot"
	CapacityTypeOnDemand = "on-demand"
	CapacityTypeReserved = "reserved"

	ArchitectureAmd64 = "amd64"
	ArchitectureArm64 = "arm64"
)

// Taints the agent places on nodes it manages.
var (
	// UnregisteredNoExecuteTaint is set on a node at launch and removed once the NodeClaim has
	// registered it, so no pod lands before Karpenter has synced its labels and taints.
	UnregisteredNoExecuteTaint = corev1.Taint{Key: Group + "/unregistered", Effect: corev1.TaintEffectNoExecute}
	// DisruptedNoScheduleTaint keeps new pods off a node that is being drained.
	DisruptedNoScheduleTaint = corev1.Taint{Key: Group + "/disrupted", Effect: corev1.TaintEffectNoSchedule}
)

// WellKnownLabels are the node labels a NodePool requirement may select on even though they lie in
// a restricted domain; the scheduler simulates them from instance types and offerings.
var WellKnownLabels = []string{
	NodePoolLabelKey,
	CapacityTypeLabelKey,
	corev1.LabelTopologyZone,
	corev1.LabelTopologyRegion,
	corev1.LabelInstanceTypeStable,
	corev1.LabelArchStable,
	corev1.LabelOSStable,
	corev1.LabelWindowsBuild,
}

// RestrictedLabelDomains may not be used in NodePool labels or requirements, except for the
// well-known labels above and the sub-domains in LabelDomainExceptions.
var RestrictedLabelDomains = []string{"kubernetes.io", "k8s.io", Group}

// LabelDomainExceptions are sub-domains of restricted domains that users may set freely.
var LabelDomainExceptions = []string{"kops.k8s.io", "node.kubernetes.io", "node-restriction.kubernetes.io"}
