package tui

import (
	"github.com/charmbracelet/bubbles/key"
)

// globalKeys work on every screen.
type globalKeys struct {
	Quit, Help, Command, Filter, Back key.Binding
}

func newGlobalKeys() globalKeys {
	return globalKeys{
		Quit:    key.NewBinding(key.WithKeys("q", "ctrl+c"), key.WithHelp("q", "quit")),
		Help:    key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "help")),
		Command: key.NewBinding(key.WithKeys(":"), key.WithHelp(":", "jump (:nodepools :nodeclaims :pending :decisions)")),
		Filter:  key.NewBinding(key.WithKeys("/"), key.WithHelp("/", "filter")),
		Back:    key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back / clear filter")),
	}
}

// ShortHelp implements help.KeyMap.
func (k globalKeys) ShortHelp() []key.Binding {
	return []key.Binding{k.Filter, k.Command, k.Back, k.Help, k.Quit}
}

// FullHelp implements help.KeyMap.
func (k globalKeys) FullHelp() [][]key.Binding { return [][]key.Binding{k.ShortHelp()} }

// tableKeys move in and sort any table screen.
type tableKeys struct {
	Up, Down, PageUp, PageDown, Top, Bottom, Left, Right, Sort key.Binding
}

func newTableKeys() tableKeys {
	return tableKeys{
		Up:       key.NewBinding(key.WithKeys("up", "k"), key.WithHelp("↑/k", "up")),
		Down:     key.NewBinding(key.WithKeys("down", "j"), key.WithHelp("↓/j", "down")),
		PageUp:   key.NewBinding(key.WithKeys("pgup", "ctrl+b"), key.WithHelp("pgup", "page up")),
		PageDown: key.NewBinding(key.WithKeys("pgdown", "ctrl+f", " "), key.WithHelp("pgdn", "page down")),
		Top:      key.NewBinding(key.WithKeys("home", "g"), key.WithHelp("g", "top")),
		Bottom:   key.NewBinding(key.WithKeys("end", "G"), key.WithHelp("G", "bottom")),
		Left:     key.NewBinding(key.WithKeys("left", "h"), key.WithHelp("←/h", "column left")),
		Right:    key.NewBinding(key.WithKeys("right", "l"), key.WithHelp("→/l", "column right")),
		Sort:     key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "sort by column")),
	}
}

func (k tableKeys) bindings() []key.Binding {
	return []key.Binding{k.Up, k.Down, k.PageUp, k.PageDown, k.Top, k.Bottom, k.Left, k.Right, k.Sort}
}

// screenKeys is a screen's key map: its own bindings, plus the table's when it has one. It
// feeds the help view.
type screenKeys struct {
	own   []key.Binding
	table []key.Binding
}

// ShortHelp implements help.KeyMap.
func (k screenKeys) ShortHelp() []key.Binding { return k.own }

// FullHelp implements help.KeyMap.
func (k screenKeys) FullHelp() [][]key.Binding {
	out := [][]key.Binding{k.own}
	if len(k.table) > 0 {
		out = append(out, k.table)
	}
	return out
}

// Shared bindings of the screens.
var (
	keyEnter = key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "open"))
	keyYAML  = key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "yaml"))
	// Actions, as k9s binds delete and cordon.
	keyDelete       = key.NewBinding(key.WithKeys("ctrl+d"), key.WithHelp("ctrl+d", "delete nodeclaim"))
	keyCordon       = key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "cordon/uncordon node"))
	keyDoNotDisrupt = key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "toggle do-not-disrupt"))
	keyNextTab      = key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "next tab"))
	keyPrevTab      = key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "previous tab"))
	// The tab bar numbers the detail's tabs: the number goes straight to one.
	keyTabNumber = key.NewBinding(key.WithKeys("1", "2", "3", "4"), key.WithHelp("1-4", "timeline/node/pods/yaml"))
	keyByReason  = key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "only this reason"))
	keyByObject  = key.NewBinding(key.WithKeys("o"), key.WithHelp("o", "only this object"))
)

// actionKeys are disabled under --read-only so that help does not offer them.
func actionKeys(readOnly bool) []key.Binding {
	out := []key.Binding{keyDelete, keyCordon, keyDoNotDisrupt}
	for i := range out {
		out[i].SetEnabled(!readOnly)
	}
	return out
}
