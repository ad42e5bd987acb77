package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	corev1 "k8s.io/api/core/v1"
)

// decisionsScreen is the live stream of the agent's Events, newest first. The filter takes
// `reason:X` and `object:Y` terms besides free text; r and o filter by the selected row.
type decisionsScreen struct {
	tableScreen
	byID map[string]*corev1.Event
}

// Columns of the decisions table, by index, for the matcher.
const (
	decColReason = 2
	decColObject = 3
)

func newDecisionsScreen(e *env) *decisionsScreen {
	cols := []Column{
		{Title: "AGE", Right: true}, {Title: "TYPE"}, {Title: "REASON", Max: 28}, {Title: "OBJECT", Max: 48},
		{Title: "COUNT", Right: true}, {Title: "MESSAGE", Flex: true},
	}
	t := NewTable(cols, e.styles, "No decisions yet.")
	t.SetMatcher(matchDecision)
	return &decisionsScreen{tableScreen: tableScreen{env: e, table: t}}
}

func (s *decisionsScreen) Init() tea.Cmd { return nil }
func (s *decisionsScreen) Title() string { return "decisions" }
func (s *decisionsScreen) Keys() help.KeyMap {
	return s.keys(withHelp(keyEnter, "open object"), keyYAML, keyByReason, keyByObject)
}

func (s *decisionsScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		s.snap = msg.Snap
		s.table.SetRows(s.rows())
	case tea.KeyMsg:
		e := s.byID[s.selectedID()]
		switch {
		case key.Matches(msg, keyEnter):
			if e == nil {
				return s, nil
			}
			if e.InvolvedObject.Kind == "NodeClaim" {
				if _, ok := s.snap.Claim(e.InvolvedObject.Name); ok {
					return s, s.env.push(newDetailScreen(s.env, e.InvolvedObject.Name))
				}
			}
			return s, s.env.push(newYAMLScreen(s.env, "event/"+e.Name, nil, e))
		case key.Matches(msg, keyYAML):
			if e != nil {
				return s, s.env.push(newYAMLScreen(s.env, "event/"+e.Name, nil, e))
			}
		case key.Matches(msg, keyByReason):
			if e != nil {
				s.table.SetFilter("reason:" + e.Reason)
			}
		case key.Matches(msg, keyByObject):
			if e != nil {
				s.table.SetFilter("object:" + objectName(e))
			}
		default:
			return s, s.table.Update(msg)
		}
	}
	return s, nil
}

func (s *decisionsScreen) rows() []Row {
	events := s.snap.Events
	rows := make([]Row, 0, len(events))
	s.byID = make(map[string]*corev1.Event, len(events))
	for _, e := range events {
		id := string(eventID(e))
		s.byID[id] = e
		seen := lastSeen(e)
		rows = append(rows, Row{
			ID:    id,
			Cells: []string{age(seen, s.snap.Now), e.Type, e.Reason, objectName(e), itoa(int(e.Count)), firstLine(e.Message)},
			Num:   []float64{-ageKey(seen), nan, nan, nan, float64(e.Count), nan},
			Tone:  eventTone(e),
		})
	}
	return rows
}

// eventTone sets the agent's Warnings (a pod it cannot place, a limit reached, a launch that
// failed) apart from its routine decisions.
func eventTone(e *corev1.Event) tone {
	if e.Type == corev1.EventTypeWarning {
		return toneWarn
	}
	return toneNormal
}

func objectName(e *corev1.Event) string {
	o := e.InvolvedObject
	name := strings.ToLower(o.Kind) + "/" + o.Name
	if o.Namespace != "" && o.Kind == "Pod" {
		name = strings.ToLower(o.Kind) + "/" + o.Namespace + "/" + o.Name
	}
	return name
}

// matchDecision applies every term: `reason:X` matches the reason exactly (any case),
// `object:Y` a substring of the object, and other words any column.
func matchDecision(r *Row, q string) bool {
	for _, term := range strings.Fields(strings.ToLower(q)) {
		switch {
		case strings.HasPrefix(term, "reason:"):
			if strings.ToLower(r.Cells[decColReason]) != strings.TrimPrefix(term, "reason:") {
				return false
			}
		case strings.HasPrefix(term, "object:"):
			if !strings.Contains(strings.ToLower(r.Cells[decColObject]), strings.TrimPrefix(term, "object:")) {
				return false
			}
		default:
			if !strings.Contains(r.search, term) {
				return false
			}
		}
	}
	return true
}
