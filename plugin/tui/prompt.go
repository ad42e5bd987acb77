package tui

import (
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
