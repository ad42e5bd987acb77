package tui

import (
	"context"
	"time"

	"github.com/charmbracelet/bubbles/help"
	tea "github.com/charmbracelet/bubbletea"
)

// Screen is one view of the TUI. A screen renders the last Snapshot it received and asks the
// root for navigation, prompts and actions through messages, never by reaching into it.
type Screen interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Screen, tea.Cmd)
	View() string
	SetSize(width, height int)
	// Title is the screen's breadcrumb.
	Title() string
	// Keys are the screen's own bindings, for the help view.
	Keys() help.KeyMap
}

// filterable screens take the `/` query.
type filterable interface {
	SetFilter(q string)
	Filter() string
}

// env is what every screen shares: styles, the clock, the actions and the simulation.
type env struct {
	ctx      context.Context
	styles   *Styles
	now      func() time.Time
	readOnly bool
	actions  Actions
	explain  Explainer
	// explained caches the last simulation so that a new pending screen does not rerun it.
	explained *explanation
	// outbox holds the requests screens posted during the current Update.
	outbox []tea.Msg
}
