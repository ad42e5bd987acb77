package tui

import (
	"bytes"
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/style"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// pendingScreen lists the pending pods with the one-line verdict of the agent's scheduling
// engine; Enter shows the full explanation. The simulation runs off the UI loop whenever the
// set of pending pods changes.
type pendingScreen struct {
	tableScreen
	running bool
}

func newPendingScreen(e *env) *pendingScreen {
	cols := []Column{
		{Title: "NAMESPACE", Max: 20}, {Title: "NAME", Max: 40}, {Title: "AGE", Right: true},
		{Title: "CPU", Right: true}, {Title: "MEMORY", Right: true}, {Title: "VERDICT", Flex: true},
	}
	return &pendingScreen{tableScreen: tableScreen{env: e, table: NewTable(cols, e.styles, "No pending pods.")}}
}

func (s *pendingScreen) Init() tea.Cmd { return nil }
func (s *pendingScreen) Title() string { return "pending" }
func (s *pendingScreen) Keys() help.KeyMap {
	return s.keys(withHelp(keyEnter, "explain"), keyYAML)
}

func (s *pendingScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		s.snap = msg.Snap
		s.table.SetRows(s.rows())
		return s, s.maybeExplain()
	case explainedMsg:
		s.running = false
		*s.env.explained = explanation{sig: msg.sig, reports: msg.reports, err: msg.err, done: true}
		if s.snap != nil {
			s.table.SetRows(s.rows())
		}
		var c tea.Cmd
		if msg.err != nil {
			c = s.env.status("simulation failed: "+firstLine(msg.err.Error()), true)
		}
		return s, tea.Batch(c, s.maybeExplain())
	case tea.KeyMsg:
		switch {
		case key.Matches(msg, keyEnter):
			if id := s.selectedID(); id != "" {
				return s, s.env.push(newTextScreen(id, s.explanationOf(id)))
			}
		case key.Matches(msg, keyYAML):
			if id := s.selectedID(); id != "" && s.snap.store != nil {
				ns, name, _ := strings.Cut(id, "/")
				if p := s.snap.store.Pod(ns, name); p != nil {
					return s, s.env.push(newYAMLScreen(s.env, "pod/"+id, nil, p))
				}
			}
		default:
			return s, s.table.Update(msg)
		}
	}
	return s, nil
}

// maybeExplain starts a simulation when the pending pods differ from the last one's.
func (s *pendingScreen) maybeExplain() tea.Cmd {
	if s.running || s.env.explain == nil || s.snap == nil {
		return nil
	}
	sig := pendingSignature(s.snap.Pending)
	if s.env.explained.done && s.env.explained.sig == sig {
		return nil
	}
	s.running = true
	return runExplain(s.env, s.snap, sig)
}

func (s *pendingScreen) rows() []Row {
	snap := s.snap
	ex := s.env.explained
	rows := make([]Row, 0, len(snap.Pending))
	for i, p := range snap.Pending {
		verdict := "simulating…"
		switch r, ok := ex.reports[p.Key]; {
		case ok:
			verdict = oneLine(r)
		case ex.done && ex.err != nil:
			verdict = "simulation failed"
		case ex.done && i >= maxSimulated:
			verdict = "not simulated (over 500 pending)"
		case ex.done && s.env.explain != nil && ex.sig == pendingSignature(snap.Pending):
			verdict = "-"
		case s.env.explain == nil:
			verdict = "-"
		}
		created := p.Pod.CreationTimestamp.Time
		rows = append(rows, Row{
			ID:    p.Key,
			Cells: []string{p.Pod.Namespace, p.Pod.Name, age(created, snap.Now), tables.Cores(p.CPU), tables.GiB(p.Mem) + "Gi", verdict},
			Num:   []float64{nan, nan, -ageKey(created), float64(p.CPU), float64(p.Mem), nan},
		})
	}
	return rows
}

// oneLine is the why-pending --short verdict without the pod's name.
func oneLine(r simulate.Report) string {
	s := r.Simulation
	switch s.Outcome {
	case simulate.OutcomeExistingNode:
		return "fits on node " + s.Node
	case simulate.OutcomeInFlight:
		return "will run on NodeClaim " + s.Node
	case simulate.OutcomeNewNodeClaim:
		msg := "new NodeClaim from NodePool " + s.NodePool
		if o := s.Offering; o != nil {
			msg += " (" + o.InstanceType + " " + o.CapacityType + " in " + o.Zone + ", " + price.Format(o.PricePerHour) + "/h)"
		}
		return msg
	}
	out := "cannot be placed: " + s.Summary
	for _, n := range s.SkippedNodePools {
		out += "; nodepool " + n.NodePool + ": " + n.Reason
	}
	return out
}

func (s *pendingScreen) explanationOf(id string) string {
	ex := s.env.explained
	r, ok := ex.reports[id]
	if !ok {
		switch {
		case ex.err != nil:
			return "The simulation failed: " + ex.err.Error()
		case s.env.explain == nil:
			return "No simulation available."
		}
		return "The simulation has not finished yet; go back and open the pod again in a moment."
	}
	var b bytes.Buffer
	// The explanation is the same text as `kubectl karpenter why-pending`, uncoloured: the
	// viewport does its own styling.
	if err := simulate.WriteText(&b, []simulate.Report{r}, s.snap.Now, style.Style{}); err != nil {
		return err.Error()
	}
	return b.String()
}
