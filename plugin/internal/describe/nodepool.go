package describe

import (
	"io"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// NodePoolInput is everything `describe nodepool` shows.
type NodePoolInput struct {
	NodePool *karpv1.NodePool
	// NodeClaims are the pool's (labelled karpenter.sh/nodepool=<name>).
	NodeClaims []karpv1.NodeClaim
	// NodeClassMissing is set when the referenced EC2NodeClass was looked up and not found.
	NodeClassMissing bool
	Events           []corev1.Event
	Now              time.Time
}

// NodePool writes the description of a NodePool.
func NodePool(out io.Writer, in NodePoolInput) error {
	w := newWriter(out)
	np := in.NodePool
	spec := &np.Spec.Template.Spec
	w.line(0, "Name:\t%s", np.Name)
	w.stringMap(0, "Labels", np.Labels)
	w.stringMap(0, "Annotations", np.Annotations)
	w.line(0, "Created:\t%s", timestamp(np.CreationTimestamp, in.Now))
	if ref := spec.NodeClassRef; ref != nil {
		missing := ""
		if in.NodeClassMissing {
			missing = " (does not exist: no node will launch until it does)"
		}
		w.line(0, "NodeClass:\t%s %s (%s)%s", ref.Kind, ref.Name, ref.Group, missing)
	}
	weight := "<none>"
	if np.Spec.Weight != nil {
		weight = itoa(int(*np.Spec.Weight))
	}
	w.line(0, "Weight:\t%s", weight)

	w.line(0, "Template:")
	w.stringMap(1, "Labels", np.Spec.Template.Labels)
	w.list(1, "Requirements", requirements(spec.Requirements))
	w.list(1, "Taints", taints(spec.Taints))
	w.list(1, "Startup Taints", taints(spec.StartupTaints))
	w.line(1, "Expire After:\t%s", spec.ExpireAfter.String())
	if spec.TerminationGracePeriod != nil {
		w.line(1, "Termination Grace Period:\t%s", spec.TerminationGracePeriod.Duration)
	}

	d := np.Spec.Disruption
	w.line(0, "Disruption:")
	w.line(1, "Consolidation Policy:\t%s", orNone(string(d.ConsolidationPolicy)))
	w.line(1, "Consolidate After:\t%s", d.ConsolidateAfter.String())
	w.list(1, "Budgets", budgets(d.Budgets))

	w.limits(np)
	w.conditions(np.Status.Conditions, in.Now)
	w.nodeClaims(in.NodeClaims, in.Now)
	w.events(in.Events, in.Now)
	return w.flush()
}

func budgets(bs []karpv1.Budget) []string {
	out := make([]string, 0, len(bs))
	for _, b := range bs {
		s := "nodes=" + b.Nodes
		if len(b.Reasons) > 0 {
			rs := make([]string, 0, len(b.Reasons))
			for _, r := range b.Reasons {
				rs = append(rs, string(r))
			}
			s += " for " + strings.Join(rs, ", ")
		}
		if b.Schedule != nil {
			s += " on schedule " + *b.Schedule
		}
		if b.Duration != nil {
			s += " for " + b.Duration.Duration.String()
		}
		out = append(out, s)
	}
	return out
}

// limits shows each limited resource next to what the pool uses, and the resources it uses
// without a limit.
func (w *writer) limits(np *karpv1.NodePool) {
	used := np.Status.Resources
	names := map[string]bool{}
	for n := range np.Spec.Limits {
		names[string(n)] = true
	}
	for n := range used {
		names[string(n)] = true
	}
	if len(names) == 0 {
		w.line(0, "Resources:\t<none>")
		return
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	sort.Strings(sorted)
	w.line(0, "Resources:")
	w.line(1, "Resource\tIn Use\tLimit")
	w.line(1, "--------\t------\t-----")
	for _, n := range sorted {
		rn := corev1.ResourceName(n)
		inUse, limit := "0", "none"
		if q, ok := used[rn]; ok {
			inUse = q.String()
		}
		if q, ok := np.Spec.Limits[rn]; ok {
			limit = q.String()
		}
		w.line(1, "%s\t%s\t%s", n, inUse, limit)
	}
}

func (w *writer) nodeClaims(ncs []karpv1.NodeClaim, now time.Time) {
	if len(ncs) == 0 {
		w.line(0, "NodeClaims:\t<none>")
		return
	}
	cost := tables.CostByNodePool(ncs)
	var total tables.PoolCost
	for _, c := range cost {
		total.PerHour += c.PerHour
		total.Estimated = total.Estimated || c.Estimated
	}
	est := ""
	if total.Estimated {
		est = " (est.)"
	}
	w.line(0, "NodeClaims (%d, %s/h, %s/month%s):", len(ncs), price.Format(total.PerHour), price.FormatMonthly(total.PerHour), est)
	w.line(1, "Name\tType\tCapacity\tZone\tNode\tReady\tAge\t$/H")
	w.line(1, "----\t----\t--------\t----\t----\t-----\t---\t---")
	rows := tables.NodeClaims(ncs, now)
	for _, r := range rows.Rows {
		// Name, Type, Capacity, Zone, Node, Ready, Age, $/H: the default columns of get.
		c := r.Cells
		w.line(1, "%v\t%v\t%v\t%v\t%v\t%v\t%v\t%v", c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7])
	}
}
