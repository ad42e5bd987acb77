package tui

import (
	tea "github.com/charmbracelet/bubbletea"
)

// SnapshotMsg delivers a new view of the cluster.
type SnapshotMsg struct{ Snap *Snapshot }

// pushMsg opens a screen on top of the current one (drill in).
type pushMsg struct{ screen Screen }

// popMsg goes back one screen.
type popMsg struct{}

// jumpMsg replaces the whole stack with a top-level view (`:` commands).
type jumpMsg struct{ view string }

// statusMsg shows a line in the status bar; err marks it as an error.
type statusMsg struct {
	text string
	err  bool
}

// confirmMsg asks the user before running an action.
type confirmMsg struct {
	question string
	action   Action
}

// actionDoneMsg reports the outcome of an action.
type actionDoneMsg struct {
	what string
	err  error
}

func cmd(msg tea.Msg) tea.Cmd { return func() tea.Msg { return msg } }

func push(s Screen) tea.Cmd { return cmd(pushMsg{screen: s}) }

func status(text string, isErr bool) tea.Cmd { return cmd(statusMsg{text: text, err: isErr}) }
