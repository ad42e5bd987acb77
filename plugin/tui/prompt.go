package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
)

// prompt is the `/` filter and `:` jump line, on bubbles' textinput: its editing keys (←/→,
// ctrl+a/e, ctrl+w, ctrl+u, ctrl+v...) are the readline ones users expect. On `:` the view names
// are suggestions: the first match shows dimmed after the cursor, ↑/↓ pick among several and Tab
// accepts.
type prompt struct {
	// kind is '/' or ':' while the prompt is open, 0 when it is closed.
	kind  rune
	input textinput.Model
}

func newPrompt(st *Styles) prompt {
	in := textinput.New()
	in.PromptStyle = st.Prompt
	// textinput draws the rest of a suggestion with its placeholder style.
	in.PlaceholderStyle, in.CompletionStyle = st.Dim, st.Dim
	// A steady cursor, as k9s has: a blinking one would redraw the frame twice a second for
	// nothing and make the frames of a test depend on time.
	in.Cursor.SetMode(cursor.CursorStatic)
	return prompt{input: in}
}

// setWidth keeps a long filter scrolling within the status line rather than cut off by it.
func (p *prompt) setWidth(termWidth int) {
	// The kind and the cursor take a cell each.
	p.input.Width = max(termWidth-2, 1)
}

func (p *prompt) open(kind rune, value string) tea.Cmd {
	p.kind = kind
	p.input.Prompt = string(kind)
	p.input.ShowSuggestions = kind == ':'
	p.input.Reset()
	p.input.SetValue(value)
	p.input.CursorEnd()
	// Setting the suggestions again matches them against the new value.
	p.input.SetSuggestions(Views)
	return p.input.Focus()
}

func (p *prompt) close() {
	p.kind = 0
	p.input.Blur()
}

func (p *prompt) update(msg tea.Msg) tea.Cmd {
	var c tea.Cmd
	p.input, c = p.input.Update(msg)
	return c
}

// suggestion is the view name suggested for what was typed, "" when none is.
func (p *prompt) suggestion() string {
	s, typed := p.input.CurrentSuggestion(), p.input.Value()
	// textinput matches its suggestions on keys only: after a paste they may be stale.
	if typed == "" || !strings.HasPrefix(strings.ToLower(s), strings.ToLower(typed)) {
		return ""
	}
	return s
}

func (p *prompt) View() string { return p.input.View() }

func (m *Model) openPrompt(kind rune, value string) tea.Cmd {
	return m.prompt.open(kind, value)
}

func (m *Model) promptKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		if f, ok := m.top().(filterable); ok && m.prompt.kind == '/' {
			f.SetFilter("")
		}
		m.prompt.close()
		return nil
	case tea.KeyEnter:
		kind, value := m.prompt.kind, strings.TrimSpace(m.prompt.input.Value())
		suggested := m.prompt.suggestion()
		m.prompt.close()
		if kind != ':' {
			return nil
		}
		switch {
		case value == "q" || value == "quit":
			return tea.Quit
		case !ValidView(value) && suggested != "":
			// The line shows the suggestion after what was typed, and without colours it reads
			// as typed: Enter goes where the line says.
			value = suggested
		}
		return m.jump(value)
	case tea.KeyCtrlC:
		return tea.Quit
	}
	return m.promptInput(k)
}

// promptInput hands the open prompt a key, or the answer of a command it started (a paste from
// the clipboard), and filters live, as k9s does: every change of the query narrows the rows.
func (m *Model) promptInput(msg tea.Msg) tea.Cmd {
	before := m.prompt.input.Value()
	c := m.prompt.update(msg)
	if f, ok := m.top().(filterable); ok && m.prompt.kind == '/' {
		// Moving the cursor in the query keeps the selection: only a new query filters again.
		if v := m.prompt.input.Value(); v != before {
			f.SetFilter(v)
		}
	}
	return c
}
