package tables

import (
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
)

// NodePoolColumns are the NodePool CRD's printer columns, with $/H after them.
var NodePoolColumns = []metav1.TableColumnDefinition{
	column("Name", "string", "Name of the NodePool", 0),
	column("NodeClass", "string", "spec.template.spec.nodeClassRef.name", 0),
	column("Nodes", "string", "status.resources.nodes", 0),
	column("Ready", "string", "The Ready condition", 0),
	column("Age", "date", "Time since creation", 0),
	column("$/H", "string", "Hourly price of the pool's NodeClaims; est. when any is estimated from the catalog", 0),
	column("Weight", "integer", "spec.weight", 1),
	column("CPU", "string", "status.resources.cpu", 1),
	column("Memory", "string", "status.resources.memory", 1),
}

// PoolCost sums the prices of NodeClaims.
type PoolCost struct {
	PerHour   float64
	Estimated bool
	// Unknown counts NodeClaims without any price.
	Unknown int
}

// String is "$0.1920", "$0.1920 est." when any price is an estimate.
func (c PoolCost) String() string {
	s := price.Format(c.PerHour)
	if c.Estimated {
		s += " est."
	}
	return s
}

// CostByNodePool sums the NodeClaims' prices per karpenter.sh/nodepool label.
func CostByNodePool(ncs []karpv1.NodeClaim) map[string]PoolCost {
	out := map[string]PoolCost{}
	for i := range ncs {
		nc := &ncs[i]
		pool := nc.Labels[karpv1.NodePoolLabelKey]
		c := out[pool]
		p := price.ForNodeClaim(nc)
		switch {
		case !p.Known():
			c.Unknown++
		default:
			c.PerHour += p.PerHour
			c.Estimated = c.Estimated || p.Estimated()
		}
		out[pool] = c
	}
	return out
}

// NodePools builds the table of `get nodepools`.
func NodePools(nps []karpv1.NodePool, costs map[string]PoolCost, now time.Time) *metav1.Table {
	t := &metav1.Table{ColumnDefinitions: NodePoolColumns}
	for i := range nps {
		np := &nps[i]
		nodeClass := ""
		if ref := np.Spec.Template.Spec.NodeClassRef; ref != nil {
			nodeClass = ref.Name
		}
		weight := None
		if np.Spec.Weight != nil {
			weight = strconv.Itoa(int(*np.Spec.Weight))
		}
		t.Rows = append(t.Rows, metav1.TableRow{
			Cells: []interface{}{
				np.Name,
				orNone(nodeClass),
				orNone(nodeCount(np)),
				orNone(conditionStatus(np.Status.Conditions, karpv1.ConditionTypeReady)),
				Age(np.CreationTimestamp, now),
				costs[np.Name].String(),
				weight,
				orNone(quantity(np.Status.Resources, corev1.ResourceCPU)),
				orNone(quantity(np.Status.Resources, corev1.ResourceMemory)),
			},
			Object: runtime.RawExtension{Object: np},
		})
	}
	return t
}

// nodeCount is status.resources.nodes, as the CRD column reads it, else status.nodes.
func nodeCount(np *karpv1.NodePool) string {
	if s := quantity(np.Status.Resources, "nodes"); s != "" {
		return s
	}
	if np.Status.Nodes != nil {
		return strconv.FormatInt(*np.Status.Nodes, 10)
	}
	return ""
}

func quantity(rl corev1.ResourceList, name corev1.ResourceName) string {
	q, ok := rl[name]
	if !ok {
		return ""
	}
	return q.String()
}
