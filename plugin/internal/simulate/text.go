package simulate

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/style"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// WriteText writes the reports for people: per pod what the kube-scheduler said, what the agent
// decided, and the simulation (the engine's full explanation when the pod fits nowhere).
func WriteText(w io.Writer, reports []Report, now time.Time, st style.Style) error {
	var b strings.Builder
	for i, r := range reports {
		if i > 0 {
			b.WriteString("\n")
		}
		fmt.Fprintf(&b, "%s %s/%s %s\n", st.Bold("Pod"), r.Namespace, r.Name, st.Dim("(pending "+tables.Age(r.PendingSince, now)+")"))
		if m := r.Scheduler; m != nil {
			fmt.Fprintf(&b, "  kube-scheduler: %s%s\n", m.Message, ago(m, now))
		} else {
			b.WriteString("  kube-scheduler: has not reported on the pod yet\n")
		}
		if len(r.Agent) == 0 {
			b.WriteString("  agent:          no decision recorded for the pod yet\n")
		}
		for _, m := range r.Agent {
			obj := ""
			if m.Object != "" {
				obj = " " + m.Object
			}
			fmt.Fprintf(&b, "  agent:          %s%s: %s%s\n", m.Reason, obj, m.Message, ago(&m, now))
		}
		writeSimulation(&b, r.Simulation, st)
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func writeSimulation(b *strings.Builder, s Simulation, st style.Style) {
	b.WriteString("  simulation:     ")
	switch s.Outcome {
	case OutcomeExistingNode:
		fmt.Fprintf(b, "%s\n", st.Green("fits on existing node "+s.Node+"; the kube-scheduler can bind it"))
	case OutcomeInFlight:
		fmt.Fprintf(b, "%s\n", st.Green("will run on NodeClaim "+s.Node+", which is launching"))
	case OutcomeNewNodeClaim:
		fmt.Fprintf(b, "%s\n", st.Green("the agent launches a NodeClaim from NodePool "+s.NodePool))
		if o := s.Offering; o != nil {
			fmt.Fprintf(b, "    cheapest: %s, %s in %s at %s/h\n", o.InstanceType, o.CapacityType, o.Zone, price.Format(o.PricePerHour))
		}
		fmt.Fprintf(b, "    instance types: %s\n", strings.Join(s.InstanceTypes, ", "))
		if s.PodsOnNodeClaim > 1 {
			fmt.Fprintf(b, "    together with %d other pending pod(s)\n", s.PodsOnNodeClaim-1)
		}
	default:
		fmt.Fprintf(b, "%s\n", st.Red("cannot be placed"))
		for _, line := range strings.Split(strings.TrimRight(s.Explanation, "\n"), "\n") {
			if strings.HasPrefix(line, "Pod ") && strings.HasSuffix(line, "cannot be placed.") {
				continue
			}
			b.WriteString("    " + line + "\n")
		}
		for _, g := range s.Nodes {
			if g.Fix != "" {
				fmt.Fprintf(b, "    fix (existing nodes that %s): %s\n", g.Reason, g.Fix)
			}
		}
	}
	if len(s.Relaxed) > 0 {
		fmt.Fprintf(b, "    preferences relaxed: %s\n", strings.Join(s.Relaxed, "; "))
	}
	for _, n := range s.SkippedNodePools {
		fmt.Fprintf(b, "    NodePool %s: %s\n", n.NodePool, st.Yellow(n.Reason))
		if n.Fix != "" {
			fmt.Fprintf(b, "      fix: %s\n", n.Fix)
		}
	}
}

// WriteShort writes one line per pod: where it goes, or the engine's compact explanation.
func WriteShort(w io.Writer, reports []Report, st style.Style) error {
	var b strings.Builder
	for _, r := range reports {
		s := r.Simulation
		fmt.Fprintf(&b, "%s/%s: ", r.Namespace, r.Name)
		switch s.Outcome {
		case OutcomeExistingNode:
			b.WriteString(st.Green("fits on node " + s.Node))
		case OutcomeInFlight:
			b.WriteString(st.Green("will run on NodeClaim " + s.Node))
		case OutcomeNewNodeClaim:
			msg := "new NodeClaim from NodePool " + s.NodePool
			if o := s.Offering; o != nil {
				msg += fmt.Sprintf(" (%s %s in %s, %s/h)", o.InstanceType, o.CapacityType, o.Zone, price.Format(o.PricePerHour))
			}
			b.WriteString(st.Green(msg))
		default:
			b.WriteString(st.Red("cannot be placed") + ": " + s.Summary)
			for _, n := range s.SkippedNodePools {
				fmt.Fprintf(&b, "; nodepool %s: %s", n.NodePool, n.Reason)
			}
		}
		b.WriteString("\n")
	}
	if _, err := io.WriteString(w, b.String()); err != nil {
		return fmt.Errorf("writing the report: %w", err)
	}
	return nil
}

func ago(m *Message, now time.Time) string {
	if m.Time == nil || m.Time.IsZero() {
		return ""
	}
	s := " (" + tables.Age(*m.Time, now) + " ago"
	if m.Count > 1 {
		s += fmt.Sprintf(", %d times", m.Count)
	}
	return s + ")"
}
