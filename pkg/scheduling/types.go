package scheduling

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// DefaultMaxInstanceTypes is how many instance types a planned NodeClaim keeps, as Karpenter.
const DefaultMaxInstanceTypes = 60

// Input is everything one simulation looks at. The engine reads it and never modifies it.
type Input struct {
	// Pods are the pending pods to place.
	Pods []*corev1.Pod
	// Nodes are the cluster's nodes with the pods bound to them (DaemonSet pods included).
	Nodes []Node
	// InFlight are NodeClaims launched earlier whose Node has not registered yet.
	InFlight []InFlightNodeClaim
	// DaemonSets add their pods' requests to every new NodeClaim they would land on.
	DaemonSets []*appsv1.DaemonSet
	NodePools  []NodePool
	// Namespaces resolve namespaceSelector in pod (anti-)affinity terms. Optional.
	Namespaces []*corev1.Namespace
	// Volume topology. The engine does no lookups: what is not passed in is "not found".
	PersistentVolumeClaims []*corev1.PersistentVolumeClaim
	PersistentVolumes      []*corev1.PersistentVolume
	StorageClasses         []*storagev1.StorageClass
	// MaxInstanceTypes caps each planned NodeClaim's instance types; 0 means 60.
	MaxInstanceTypes int
}

// Node is an existing node and the pods bound to it.
type Node struct {
	Node *corev1.Node
	Pods []*corev1.Pod
}

// NodePool is what the engine needs from a karpenter.sh/v1 NodePool; the agent converts the API
// object (and the cloud provider's instance types for it) into this.
type NodePool struct {
	Name string
	// Weight orders NodePools: a new NodeClaim comes from the highest-weight compatible one.
	Weight int32
	// Labels are the template labels every node of the pool carries.
	Labels       map[string]string
	Requirements []Requirement
	// Taints block pods that do not tolerate them; StartupTaints do not (they are removed once
	// the node is initialised).
	Taints        []corev1.Taint
	StartupTaints []corev1.Taint
	// Limits caps the pool's total capacity (cpu, memory, any resource; "nodes" counts nodes).
	Limits corev1.ResourceList
	// Usage is the capacity the pool already owns, as NodePool.status.resources reports it
	// (nodes and in-flight NodeClaims). When nil the engine sums the capacity of the existing
	// nodes labelled with the pool and of the pool's in-flight NodeClaims.
	Usage         corev1.ResourceList
	InstanceTypes []*cloudprovider.InstanceType
}

// InFlightNodeClaim is a NodeClaim created earlier that has no Node yet. Pods fit on it as on a
// node whose instance type is any of InstanceTypes (the smallest is assumed).
type InFlightNodeClaim struct {
	Name     string
	NodePool string
	// Requirements are the NodeClaim's requirements (zone, capacity type, ...).
	Requirements []Requirement
	// InstanceTypes names the types it may launch as, from the NodePool's list.
	InstanceTypes []string
	// Labels are labels already known for the coming node.
	Labels map[string]string
	Taints []corev1.Taint
	// Allocatable overrides the allocatable derived from InstanceTypes (after DaemonSets).
	Allocatable corev1.ResourceList
	// Capacity counts against the pool's limits when NodePool.Usage is nil.
	Capacity corev1.ResourceList
	// Pods are already nominated to the NodeClaim; they use room and count for topology.
	Pods []*corev1.Pod
	// HasNode is true once the Node registered; such NodeClaims are skipped (pass the Node).
	HasNode bool
}

// PlacementKind says where a pod went.
type PlacementKind int

const (
	// Unplaced means the pod fits nowhere; Placement.Explanation says why.
	Unplaced PlacementKind = iota
	// ExistingNode means the pod goes to a registered node, named by Placement.Node.
	ExistingNode
	// InFlight means the pod goes to a launched NodeClaim whose Node has not registered yet,
	// named by Placement.Node.
	InFlight
	// NewNodeClaim means the pod goes to a NodeClaim to launch:
	// Result.NodeClaims[Placement.NodeClaim].
	NewNodeClaim
)

func (k PlacementKind) String() string {
	switch k {
	case ExistingNode:
		return "ExistingNode"
	case InFlight:
		return "InFlightNodeClaim"
	case NewNodeClaim:
		return "NewNodeClaim"
	}
	return "Unplaced"
}

// Placement is the decision for one pending pod.
type Placement struct {
	Pod  *corev1.Pod
	Kind PlacementKind
	// Node names the existing node or in-flight NodeClaim.
	Node string
	// NodeClaim indexes Result.NodeClaims when Kind is NewNodeClaim.
	NodeClaim int
	// Relaxed lists the preferences dropped to place the pod, in the order they were dropped.
	Relaxed []string
	// Explanation is set when Kind is Unplaced.
	Explanation *Explanation
}

// NodeClaim is a node planned in this run.
type NodeClaim struct {
	NodePool string
	// Hostname is a placeholder the engine used for hostname topology; the real node's differs.
	Hostname string
	// Requirements merge the pool's, the pods' and topology's, plus the instance types kept.
	Requirements []Requirement
	// Labels are the single-valued requirements: what the node will be labelled with for sure.
	Labels map[string]string
	// InstanceTypes fit every pod plus DaemonSet overhead, sorted by their cheapest allowed
	// available offering, at most MaxInstanceTypes, minValues honoured.
	InstanceTypes []*cloudprovider.InstanceType
	Taints        []corev1.Taint
	StartupTaints []corev1.Taint
	Pods          []*corev1.Pod
	// PodRequests is the sum of the pods' effective requests; DaemonSetRequests is the overhead
	// of the DaemonSets that land on the cheapest instance type.
	PodRequests       corev1.ResourceList
	DaemonSetRequests corev1.ResourceList
	// Offering is the cheapest allowed available offering of the cheapest instance type.
	Offering cloudprovider.Offering
}

// Price is the hourly price of the NodeClaim's cheapest launchable offering.
func (n *NodeClaim) Price() float64 { return n.Offering.Price }

// Result is the outcome of one Solve.
type Result struct {
	// Placements has one entry per input pod, in input order.
	Placements []Placement
	NodeClaims []*NodeClaim
}

// Price is the total hourly price of the planned NodeClaims.
func (r *Result) Price() float64 {
	p := 0.0
	for _, n := range r.NodeClaims {
		p += n.Price()
	}
	return p
}

// Unplaced returns the placements of the pods that could not be placed.
func (r *Result) Unplaced() []Placement {
	var out []Placement
	for _, p := range r.Placements {
		if p.Kind == Unplaced {
			out = append(out, p)
		}
	}
	return out
}
