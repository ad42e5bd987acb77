package tui

import (
	"github.com/charmbracelet/bubbles/key"
)

// tableScreen is what the list screens share: a table, its filter and its size.
type tableScreen struct {
	env   *env
	table *Table
	snap  *Snapshot
}

func (t *tableScreen) SetSize(w, h int)   { t.table.SetSize(w, h) }
func (t *tableScreen) SetFilter(q string) { t.table.SetFilter(q) }
func (t *tableScreen) Filter() string     { return t.table.Filter() }

func (t *tableScreen) keys(own ...key.Binding) screenKeys {
	return screenKeys{own: own, table: t.table.KeyBindings()}
}

func (t *tableScreen) selectedID() string {
	if r, ok := t.table.Selected(); ok {
		return r.ID
	}
	return ""
}

func (t *tableScreen) View() string { return t.table.View() }
