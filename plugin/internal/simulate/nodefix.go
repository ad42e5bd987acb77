package simulate

import (
	"strings"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// nodeGroup turns the engine's group of nodes that refuse the pod for one reason into the
// report's, with the reason's kind and a fix. The engine suggests fixes for NodePools; for
// existing nodes the plugin adds the ones a person can act on.
func nodeGroup(g scheduling.ReasonCount, nodes []scheduling.NodeReason) NodeGroup {
	out := NodeGroup{Reason: g.Summary, Count: g.Count, Example: g.Example}
	for _, n := range nodes {
		if n.Node != g.Example {
			continue
		}
		out.Constraint = string(n.Reason.Kind)
		out.Fix = n.Reason.Fix
		if out.Fix == "" {
			out.Fix = nodeFix(&n.Reason)
		}
		break
	}
	return out
}

func nodeFix(r *scheduling.Reason) string {
	switch r.Kind {
	case scheduling.ReasonHostPort:
		port := strings.TrimSuffix(strings.TrimPrefix(r.Message, "host port "), " is in use")
		return "free host port " + port + " on these nodes, or drop the pod's hostPort and reach it through a Service; a new node from a NodePool would have the port free"
	case scheduling.ReasonUnschedulable:
		return "uncordon the node (kubectl uncordon) if it should take pods again"
	}
	return ""
}
