package scheduling

import (
	"fmt"
	"sort"
)

// FeasibleNodes answers, for each pod of in.Pods (in order, each on its own against the nodes as
// given), which existing nodes it fits on, by kube-scheduler's filter rules: resources, node
// selector and required node affinity, taints (NoSchedule/NoExecute), cordons, host ports,
// volume topology, DoNotSchedule topology spread, required pod (anti-)affinity and running pods'
// anti-affinity. Preferences are not enforced and NodePools are ignored. It runs the very checks
// Solve runs on existing nodes, so a cross-check against the real scheduler tests both.
func FeasibleNodes(in Input) ([][]string, error) {
	in.NodePools, in.InFlight = nil, nil
	s, err := newSolver(&in)
	if err != nil {
		return nil, fmt.Errorf("preparing the simulation: %w", err)
	}
	s.preparePending(in.Pods)
	out := make([][]string, len(in.Pods))
	var nw narrowing
	for _, pi := range s.pending {
		pi.prefs = hardOnly(pi.base)
		sh := s.shapeOf(pi)
		names := []string{}
		for _, c := range s.cands[:s.nExisting] {
			if s.fitExisting(pi, sh, c, &nw, false) == nil {
				names = append(names, c.name)
			}
		}
		sort.Strings(names)
		out[pi.order] = names
	}
	return out, nil
}
