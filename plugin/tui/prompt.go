package tui

import (
	"strings"

	tea "github.com/charmbracelet/bubbletea"
)

// lineInput is the one-line editor of the `/` and `:` prompts: typing, backspace, ctrl+u and
// ctrl+w are all a filter or a view name needs.
type lineInput struct {
	value []rune
}

func (l *lineInput) SetValue(s string) { l.value = []rune(s) }

func (l *lineInput) Value() string { return string(l.value) }

// Update edits the line with a key.
func (l *lineInput) Update(k tea.KeyMsg) {
	switch k.Type {
	case tea.KeyRunes, tea.KeySpace:
		l.value = append(l.value, k.Runes...)
		if k.Type == tea.KeySpace && len(k.Runes) == 0 {
			l.value = append(l.value, ' ')
		}
	case tea.KeyBackspace:
		if len(l.value) > 0 {
			l.value = l.value[:len(l.value)-1]
		}
	case tea.KeyCtrlU:
		l.value = l.value[:0]
	case tea.KeyCtrlW:
		i := len(l.value)
		for i > 0 && l.value[i-1] == ' ' {
			i--
		}
		for i > 0 && l.value[i-1] != ' ' {
			i--
		}
		l.value = l.value[:i]
	}
}

// View shows the line with a block cursor.
func (l *lineInput) View() string { return string(l.value) + "█" }

func (m *Model) openPrompt(kind rune, value string) tea.Cmd {
	m.promptKind = kind
	m.prompt.SetValue(value)
	return nil
}

func (m *Model) promptKey(k tea.KeyMsg) tea.Cmd {
	switch k.Type {
	case tea.KeyEsc:
		if f, ok := m.top().(filterable); ok && m.promptKind == '/' {
			f.SetFilter("")
		}
		m.closePrompt()
		return nil
	case tea.KeyEnter:
		kind, value := m.promptKind, m.prompt.Value()
		m.closePrompt()
		if kind == ':' {
			if v := strings.TrimSpace(value); v == "q" || v == "quit" {
				return tea.Quit
			}
			return m.jump(value)
		}
		return nil
	case tea.KeyCtrlC:
		return tea.Quit
	case tea.KeyTab:
		if m.promptKind == ':' {
			m.prompt.SetValue(completeView(m.prompt.Value()))
		}
		return nil
	}
	m.prompt.Update(k)
	// Filtering is live, as in k9s: every keystroke narrows the rows.
	if f, ok := m.top().(filterable); ok && m.promptKind == '/' {
		f.SetFilter(m.prompt.Value())
	}
	return nil
}

// completeView completes a view name from its prefix when only one view starts with it.
func completeView(prefix string) string {
	match := ""
	for _, v := range Views {
		if strings.HasPrefix(v, strings.ToLower(prefix)) {
			if match != "" {
				return prefix
			}
			match = v
		}
	}
	if match == "" {
		return prefix
	}
	return match
}

func (m *Model) closePrompt() {
	m.promptKind = 0
}
