package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// nodeClaimsScreen lists the NodeClaims of one NodePool, or all of them.
type nodeClaimsScreen struct {
	tableScreen
	pool string
}

func newNodeClaimsScreen(e *env, pool string) *nodeClaimsScreen {
	cols := []Column{
		{Title: "NAME", Max: 34}, {Title: "NODEPOOL", Max: 20, Optional: true}, {Title: "TYPE", Max: 16}, {Title: "CAPACITY", Optional: true}, {Title: "ZONE", Optional: true},
		{Title: "NODE", Max: 30, Flex: true}, {Title: "STATE"}, {Title: "LAUNCH›REG›INIT"}, {Title: "PODS", Right: true},
		{Title: "CPU", Right: true}, {Title: "MEM GiB", Right: true}, {Title: "$/H"}, {Title: "AGE", Right: true}, {Title: "MARKS"},
	}
	if pool != "" {
		// The pool is in the breadcrumbs; its column would only take room.
		cols = append(cols[:1], cols[2:]...)
	}
	s := &nodeClaimsScreen{tableScreen: tableScreen{env: e, table: NewTable(cols, e.styles, "No NodeClaims.")}, pool: pool}
	return s
}

func (s *nodeClaimsScreen) Init() tea.Cmd { return nil }

func (s *nodeClaimsScreen) Title() string {
	if s.pool == "" {
		return "nodeclaims"
	}
	return s.pool
}

func (s *nodeClaimsScreen) Keys() help.KeyMap {
	return s.keys(append([]key.Binding{withHelp(keyEnter, "details"), keyYAML}, actionKeys(s.env.readOnly)...)...)
}

func (s *nodeClaimsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		s.snap = msg.Snap
		s.table.SetRows(claimRows(msg.Snap, s.pool))
	case tea.KeyMsg:
		row, ok := s.snap.Claim(s.selectedID())
		switch {
		case key.Matches(msg, keyEnter):
			if ok {
				return s, s.env.push(newDetailScreen(s.env, row.Name))
			}
		case key.Matches(msg, keyYAML):
			if ok {
				return s, s.env.push(newYAMLScreen(s.env, "nodeclaim/"+row.Name, row.Raw, row.NC))
			}
		case key.Matches(msg, keyDelete, keyCordon, keyDoNotDisrupt):
			if ok {
				return s, claimAction(s.env, msg, row)
			}
		default:
			return s, s.table.Update(msg)
		}
	}
	return s, nil
}

// claimAction turns an action key on a NodeClaim into its confirmation request.
func claimAction(e *env, k tea.KeyMsg, row *ClaimRow) tea.Cmd {
	switch {
	case key.Matches(k, keyDelete):
		if row.Deleting {
			return e.status("nodeclaim "+row.Name+" is already being deleted", true)
		}
		return e.post(confirmDelete(row.Name))
	case row.Node == "":
		return e.status("nodeclaim "+row.Name+" has no node yet", true)
	case key.Matches(k, keyCordon):
		return e.post(confirmCordon(row.Node, row.Cordoned))
	case key.Matches(k, keyDoNotDisrupt):
		return e.post(confirmDoNotDisrupt(row.Node, row.DoNotDisrupt))
	}
	return nil
}

func claimRows(snap *Snapshot, pool string) []Row {
	rows := make([]Row, 0, len(snap.Claims))
	for i := range snap.Claims {
		c := &snap.Claims[i]
		if pool != "" && c.NodePool != pool {
			continue
		}
		r := Row{
			ID: c.Name,
			Cells: []string{
				c.Name, dash(c.NodePool), dash(c.InstanceType), dash(c.CapacityType), dash(c.Zone), dash(c.Node), c.State,
				short(c.Launch) + "›" + short(c.Register) + "›" + short(c.Init),
				itoa(int(c.Pods)),
				amount(c.CPU, tables.Cores), amount(c.Memory, tables.GiB),
				priceText(c.Price), age(c.Created, snap.Now), marks(c),
			},
			Num: []float64{nan, nan, nan, nan, nan, nan, nan, float64(max(c.Launch, 0) + max(c.Register, 0) + max(c.Init, 0)), float64(c.Pods),
				c.CPU.Percent(), c.Memory.Percent(), c.Price.PerHour, -ageKey(c.Created), nan},
			Tone: claimTone(c),
		}
		if pool != "" {
			r.Cells = append(r.Cells[:1], r.Cells[2:]...)
			r.Num = append(r.Num[:1], r.Num[2:]...)
		}
		rows = append(rows, r)
	}
	return rows
}

// claimTone is the most pressing of: going away, wanting attention (drifted: it will be
// replaced; cordoned: it takes no new pods), not serving yet.
func claimTone(c *ClaimRow) tone {
	switch {
	case c.Deleting:
		return toneGone
	case c.Drifted || c.Cordoned:
		return toneWarn
	case !c.Initialized:
		return toneStarting
	}
	return toneNormal
}

// marks are one letter each: Drifted, Expiring, do-Not-disrupt, Cordoned, deleting (X).
func marks(c *ClaimRow) string {
	var b strings.Builder
	for _, m := range []struct {
		on bool
		s  string
	}{{c.Drifted, "D"}, {c.Expiring, "E"}, {c.DoNotDisrupt, "N"}, {c.Cordoned, "C"}, {c.Deleting, "X"}} {
		if m.on {
			b.WriteString(m.s)
		}
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
