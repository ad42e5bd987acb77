package tui

import (
	"context"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

// driver runs the root model's Update synchronously: each message's commands are executed and
// their messages fed back, as the bubbletea loop would, until nothing is left.
type driver struct {
	t       *testing.T
	m       *Model
	quit    bool
	store   *Store
	actions *fakeActions
	explain int
}

func newDriver(t *testing.T, readOnly bool) *driver {
	t.Helper()
	d := &driver{t: t, store: fixtureStore(), actions: &fakeActions{}}
	cfg := Config{Context: "kind-test", Cluster: "kind-test", ReadOnly: readOnly, Now: fixedNow, Explain: fakeExplainer(&d.explain)}
	if !readOnly {
		cfg.Actions = d.actions
	}
	d.m = New(context.Background(), cfg)
	d.send(tea.WindowSizeMsg{Width: 120, Height: 30})
	d.send(SnapshotMsg{Snap: d.store.Snapshot(now)})
	return d
}

// refresh delivers a new snapshot of the driver's store, as the watch loop would.
func (d *driver) refresh() { d.send(SnapshotMsg{Snap: d.store.Snapshot(now)}) }

func (d *driver) send(msgs ...tea.Msg) {
	d.t.Helper()
	queue := append([]tea.Msg(nil), msgs...)
	for n := 0; len(queue) > 0; n++ {
		if n > 1000 {
			d.t.Fatal("the model keeps producing messages")
		}
		msg := queue[0]
		queue = queue[1:]
		switch msg := msg.(type) {
		case nil:
			continue
		case tea.QuitMsg:
			d.quit = true
			continue
		case tea.BatchMsg:
			for _, c := range msg {
				if c != nil {
					queue = append(queue, c())
				}
			}
			continue
		}
		_, c := d.m.Update(msg)
		if c != nil {
			queue = append(queue, c())
		}
	}
}

// keys types each key: "enter", "esc", "ctrl+d", "up", or runes.
func (d *driver) keys(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		d.send(keyMsg(k))
	}
}

func (d *driver) typeText(s string) {
	for _, r := range s {
		d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "tab":
		return tea.KeyMsg{Type: tea.KeyTab}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "ctrl+c":
		return tea.KeyMsg{Type: tea.KeyCtrlC}
	case "ctrl+d":
		return tea.KeyMsg{Type: tea.KeyCtrlD}
	case "backspace":
		return tea.KeyMsg{Type: tea.KeyBackspace}
	case "left":
		return tea.KeyMsg{Type: tea.KeyLeft}
	case "right":
		return tea.KeyMsg{Type: tea.KeyRight}
	case "ctrl+w":
		return tea.KeyMsg{Type: tea.KeyCtrlW}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

func (d *driver) view() string { return d.m.View() }

func (d *driver) mustShow(wants ...string) {
	d.t.Helper()
	v := d.view()
	for _, w := range wants {
		if !strings.Contains(v, w) {
			d.t.Fatalf("screen lacks %q:\n%s", w, v)
		}
	}
}

func (d *driver) mustNotShow(wants ...string) {
	d.t.Helper()
	v := d.view()
	for _, w := range wants {
		if strings.Contains(v, w) {
			d.t.Fatalf("screen shows %q:\n%s", w, v)
		}
	}
}

// crumbs is the breadcrumb line.
func (d *driver) crumbs() string { return strings.Split(d.view(), "\n")[1] }

// selected is the line of the selected row.
func (d *driver) selected() string {
	for _, l := range strings.Split(d.view(), "\n") {
		if strings.HasPrefix(l, "> ") {
			return l
		}
	}
	return ""
}
