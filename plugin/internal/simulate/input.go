package simulate

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// PoolNote says why a NodePool takes no part in the simulation, as the agent would skip it.
type PoolNote struct {
	NodePool string `json:"nodePool"`
	Reason   string `json:"reason"`
	Fix      string `json:"fix,omitempty"`
}

// Input is the engine's input built from a Cluster, and the NodePools left out of it.
type Input struct {
	scheduling.Input
	Skipped []PoolNote
	// Zones are the zones each NodePool's instance types are offered in.
	Zones map[string][]string
}

// BuildInput builds the engine's input as the agent builds its snapshot: the pods the agent
// would provision (plus the targets, which may not be marked unschedulable yet), the nodes with
// their pods, the NodeClaims still without a node, the DaemonSets, and every usable NodePool
// with the instance types of its EC2NodeClass.
func BuildInput(cl *Cluster, targets []*corev1.Pod, its *InstanceTypes) *Input {
	in := &Input{Zones: map[string][]string{}}
	seen := map[types.UID]bool{}
	for _, p := range targets {
		seen[p.UID] = true
	}
	podsByNode := map[string][]*corev1.Pod{}
	for i := range cl.Pods {
		p := &cl.Pods[i]
		switch {
		case p.Spec.NodeName != "":
			podsByNode[p.Spec.NodeName] = append(podsByNode[p.Spec.NodeName], p)
		case !seen[p.UID] && scheduling.IsProvisionable(p):
			in.Pods = append(in.Pods, p)
		}
	}
	// The targets go last so that the pods the agent would pack anyway keep their room first,
	// as they would in the agent's batch.
	in.Pods = append(in.Pods, targets...)
	for i := range cl.Nodes {
		n := &cl.Nodes[i]
		in.Nodes = append(in.Nodes, scheduling.Node{Node: n, Pods: podsByNode[n.Name]})
	}
	for i := range cl.NodeClaims {
		if nc := &cl.NodeClaims[i]; scheduling.IsInFlight(nc) {
			in.InFlight = append(in.InFlight, scheduling.FromNodeClaim(nc))
		}
	}
	for i := range cl.DaemonSets {
		in.DaemonSets = append(in.DaemonSets, &cl.DaemonSets[i])
	}
	for i := range cl.Namespaces {
		in.Namespaces = append(in.Namespaces, &cl.Namespaces[i])
	}
	for i := range cl.PVCs {
		in.PersistentVolumeClaims = append(in.PersistentVolumeClaims, &cl.PVCs[i])
	}
	for i := range cl.PVs {
		in.PersistentVolumes = append(in.PersistentVolumes, &cl.PVs[i])
	}
	for i := range cl.StorageClasses {
		in.StorageClasses = append(in.StorageClasses, &cl.StorageClasses[i])
	}
	in.addNodePools(cl, its)
	return in
}

func (in *Input) addNodePools(cl *Cluster, its *InstanceTypes) {
	classes := map[string]*ec2v1.EC2NodeClass{}
	for i := range cl.NodeClasses {
		classes[cl.NodeClasses[i].Name] = &cl.NodeClasses[i]
	}
	for i := range cl.NodePools {
		np := &cl.NodePools[i]
		if why := scheduling.NodePoolUnusableReason(np); why != "" {
			in.Skipped = append(in.Skipped, PoolNote{NodePool: np.Name, Reason: "not used by the agent: " + why, Fix: "fix what the condition says, see kubectl karpenter describe nodepool " + np.Name})
			continue
		}
		nc, note := nodeClassOf(np, classes)
		if note != nil {
			in.Skipped = append(in.Skipped, *note)
			continue
		}
		types, zones := its.For(nc)
		if len(zones) == 0 {
			in.Skipped = append(in.Skipped, PoolNote{NodePool: np.Name,
				Reason: fmt.Sprintf("EC2NodeClass %s selects no subnet, so no zone", nc.Name),
				Fix:    "fix the EC2NodeClass's subnetSelectorTerms"})
			continue
		}
		in.Zones[np.Name] = zones
		in.NodePools = append(in.NodePools, scheduling.FromNodePool(np, types))
	}
}

func nodeClassOf(np *karpv1.NodePool, classes map[string]*ec2v1.EC2NodeClass) (*ec2v1.EC2NodeClass, *PoolNote) {
	ref := np.Spec.Template.Spec.NodeClassRef
	if ref == nil || ref.Name == "" {
		return nil, &PoolNote{NodePool: np.Name, Reason: "it has no nodeClassRef", Fix: "set spec.template.spec.nodeClassRef to an EC2NodeClass"}
	}
	if (ref.Group != "" && ref.Group != ec2v1.Group) || (ref.Kind != "" && ref.Kind != "EC2NodeClass") {
		return nil, &PoolNote{NodePool: np.Name, Reason: fmt.Sprintf("it references a %s %s, not an EC2NodeClass", ref.Group, ref.Kind), Fix: "point nodeClassRef at an EC2NodeClass"}
	}
	nc, ok := classes[ref.Name]
	if !ok {
		return nil, &PoolNote{NodePool: np.Name, Reason: fmt.Sprintf("its EC2NodeClass %s does not exist", ref.Name),
			Fix: fmt.Sprintf("create it: kubectl karpenter create ec2nodeclass %s --cluster-name <cluster>", ref.Name)}
	}
	if nc.DeletionTimestamp != nil {
		return nil, &PoolNote{NodePool: np.Name, Reason: fmt.Sprintf("its EC2NodeClass %s is being deleted", ref.Name), Fix: "point nodeClassRef at another EC2NodeClass"}
	}
	return nc, nil
}
