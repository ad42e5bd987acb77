package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// confirmKey answers the open dialog: y runs the action, n, esc or q drop it.
func (m *Model) confirmKey(k tea.KeyMsg) tea.Cmd {
	c := m.confirm
	switch k.String() {
	case "y", "Y":
		m.confirm = nil
		m.statusText, m.statusErr = c.action.What+"…", false
		return runAction(m.env, c.action)
	case "ctrl+c":
		return tea.Quit
	case "n", "N", "esc", "q":
		m.confirm = nil
		m.statusText, m.statusErr = "cancelled", false
	}
	return nil
}
