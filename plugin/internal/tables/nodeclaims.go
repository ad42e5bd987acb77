package tables

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
)

// NodeClaimColumns are the NodeClaim CRD's printer columns, with $/H after the default ones.
var NodeClaimColumns = []metav1.TableColumnDefinition{
	column("Name", "string", "Name of the NodeClaim", 0),
	column("Type", "string", "node.kubernetes.io/instance-type label", 0),
	column("Capacity", "string", "karpenter.sh/capacity-type label", 0),
	column("Zone", "string", "topology.kubernetes.io/zone label", 0),
	column("Node", "string", "status.nodeName", 0),
	column("Ready", "string", "The Ready condition", 0),
	column("Age", "date", "Time since creation", 0),
	column("$/H", "string", "Hourly price: the launched offering's, or est. from the catalog", 0),
	column("ID", "string", "status.providerID", 1),
	column("NodePool", "string", "karpenter.sh/nodepool label", 1),
	column("NodeClass", "string", "spec.nodeClassRef.name", 1),
	column("Drifted", "string", "The Drifted condition", 1),
}

// NodeClaims builds the table of `get nodeclaims`.
func NodeClaims(ncs []karpv1.NodeClaim, now time.Time) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: NodeClaimColumns}
	for i := range ncs {
		nc := &ncs[i]
		nodeClass := ""
		if nc.Spec.NodeClassRef != nil {
			nodeClass = nc.Spec.NodeClassRef.Name
		}
		t.Rows = append(t.Rows, metav1.TableRow{
			Cells: []interface{}{
				nc.Name,
				orNone(nc.Labels[corev1.LabelInstanceTypeStable]),
				orNone(nc.Labels[karpv1.CapacityTypeLabelKey]),
				orNone(nc.Labels[corev1.LabelTopologyZone]),
				orNone(nc.Status.NodeName),
				orNone(conditionStatus(nc.Status.Conditions, karpv1.ConditionTypeReady)),
				Age(nc.CreationTimestamp, now),
				price.ForNodeClaim(nc).String(),
				orNone(nc.Status.ProviderID),
				orNone(nc.Labels[karpv1.NodePoolLabelKey]),
				orNone(nodeClass),
				orNone(conditionStatus(nc.Status.Conditions, karpv1.ConditionTypeDrifted)),
			},
			Object: runtime.RawExtension{Object: nc},
		})
	}
	return t
}
