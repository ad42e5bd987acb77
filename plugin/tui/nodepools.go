package tui

import (
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

// nodePoolsScreen lists NodePools: nodes, requests against capacity and limits, cost, weight
// and conditions. Enter lists the pool's NodeClaims.
type nodePoolsScreen struct{ tableScreen }

func newNodePoolsScreen(e *env) *nodePoolsScreen {
	cols := []Column{
		{Title: "NAME", Max: 30}, {Title: "NODES", Right: true}, {Title: "PODS", Right: true},
		{Title: "CPU req/alloc/limit"}, {Title: "CPU"}, {Title: "MEMORY GiB"}, {Title: "MEMORY"},
		{Title: "$/H"}, {Title: "WEIGHT", Right: true}, {Title: "CONDITIONS", Flex: true},
	}
	return &nodePoolsScreen{tableScreen{env: e, table: NewTable(cols, e.styles, "No NodePools.")}}
}

func (s *nodePoolsScreen) Init() tea.Cmd { return nil }
func (s *nodePoolsScreen) Title() string { return "nodepools" }
func (s *nodePoolsScreen) Keys() help.KeyMap {
	return s.keys(withHelp(keyEnter, "nodeclaims"), keyYAML)
}

func (s *nodePoolsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		s.snap = msg.Snap
		s.table.SetRows(poolRows(msg.Snap))
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, keyEnter):
			if id := s.selectedID(); id != "" {
				return s, s.env.push(newNodeClaimsScreen(s.env, id))
			}
		case key.Matches(msg, keyYAML):
			if rec := s.snap.PoolObjects[s.selectedID()]; rec != nil {
				return s, s.env.push(newYAMLScreen(s.env, "nodepool/"+rec.np.Name, rec.raw, rec.np))
			}
		default:
			return s, s.table.Update(msg)
		}
	}
	return s, nil
}

func poolRows(snap *Snapshot) []Row {
	rows := make([]Row, 0, len(snap.Pools))
	for _, p := range snap.Pools {
		weight, conds := "-", "-"
		w := 0.0
		tn := toneNormal
		if rec := snap.PoolObjects[p.Name]; rec != nil {
			tn = poolTone(rec.np)
			if rec.np.Spec.Weight != nil {
				w = float64(*rec.np.Spec.Weight)
				weight = strconv.Itoa(int(*rec.np.Spec.Weight))
			}
			conds = conditionSummary(rec.np)
		}
		cost := price.Format(p.PricePerHour)
		if p.Estimated {
			cost += " est."
		}
		rows = append(rows, Row{
			ID: p.Name,
			Cells: []string{
				p.Name, itoa(p.Nodes), strconv.FormatInt(p.Pods, 10),
				tables.Cores(p.CPU.Requested) + "/" + tables.Cores(p.CPU.Allocatable) + "/" + limitText(p.CPU.Limit, tables.Cores),
				bar(p.CPU.Requested, p.CPU.Allocatable, p.CPU.Limit),
				tables.GiB(p.Memory.Requested) + "/" + tables.GiB(p.Memory.Allocatable) + "/" + limitText(p.Memory.Limit, tables.GiB),
				bar(p.Memory.Requested, p.Memory.Allocatable, p.Memory.Limit),
				cost, weight, conds,
			},
			Num: []float64{nan, float64(p.Nodes), float64(p.Pods), float64(p.CPU.Requested), poolPct(p.CPU),
				float64(p.Memory.Requested), poolPct(p.Memory), p.PricePerHour, w, nan},
			Tone: tn,
		})
	}
	return rows
}

func poolPct(a usage.PoolAmount) float64 {
	if a.Limit >= 0 {
		return pct(a.Requested, a.Limit)
	}
	return pct(a.Requested, a.Allocatable)
}

func limitText(v int64, f func(int64) string) string {
	if v < 0 {
		return "-"
	}
	return f(v)
}

// poolTone marks a NodePool whose Ready condition is False or Unknown: the agent launches
// nothing from it. One without the condition yet (not reconciled, or no agent) stays plain.
func poolTone(np *karpv1.NodePool) tone {
	for _, c := range np.Status.Conditions {
		if c.Type == karpv1.ConditionTypeReady && c.Status != metav1.ConditionTrue {
			return toneBad
		}
	}
	return toneNormal
}

// conditionSummary is "Ready", or the conditions that are not True.
func conditionSummary(np *karpv1.NodePool) string {
	var bad []string
	ready := false
	for _, c := range np.Status.Conditions {
		switch {
		case c.Type == karpv1.ConditionTypeReady && c.Status == "True":
			ready = true
		case c.Status != "True":
			bad = append(bad, c.Type+"="+string(c.Status))
		}
	}
	switch {
	case len(bad) > 0:
		return strings.Join(bad, ",")
	case ready:
		return "Ready"
	case len(np.Status.Conditions) == 0:
		return "-"
	}
	return "not Ready"
}

func withHelp(b key.Binding, desc string) key.Binding {
	b.SetHelp(b.Help().Key, desc)
	return b
}

func itoa(i int) string { return strconv.Itoa(i) }
