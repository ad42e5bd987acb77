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

// post queues a request for the root: screens navigate synchronously, within the Update that
// handled the key, so that a fast typist's next key already reaches the new screen.
func (e *env) post(msg tea.Msg) tea.Cmd {
	e.outbox = append(e.outbox, msg)
	return nil
}

func (e *env) push(s Screen) tea.Cmd { return e.post(pushMsg{screen: s}) }

func (e *env) status(text string, isErr bool) tea.Cmd {
	return e.post(statusMsg{text: text, err: isErr})
}
