// Package style colours human output, only when it goes to a terminal and NO_COLOR is unset
// (https://no-color.org).
package style

import (
	"io"
	"os"

	"golang.org/x/term"
)

// Style wraps text in ANSI colours, or leaves it alone when colour is off.
type Style struct {
	on bool
}

// For decides for the writer: colour when it is a terminal and getenv("NO_COLOR") is empty.
func For(w io.Writer, getenv func(string) string) Style {
	if getenv("NO_COLOR") != "" {
		return Style{}
	}
	f, ok := w.(*os.File)
	return Style{on: ok && term.IsTerminal(int(f.Fd()))}
}

// On returns a Style that always colours, for tests.
func On() Style { return Style{on: true} }

// Enabled reports whether the Style colours.
func (s Style) Enabled() bool { return s.on }

func (s Style) wrap(code, text string) string {
	if !s.on || text == "" {
		return text
	}
	return "\x1b[" + code + "m" + text + "\x1b[0m"
}

// Bold makes text bold.
func (s Style) Bold(text string) string { return s.wrap("1", text) }

// Red marks what will not happen.
func (s Style) Red(text string) string { return s.wrap("31", text) }

// Green marks what will happen.
func (s Style) Green(text string) string { return s.wrap("32", text) }

// Yellow marks warnings.
func (s Style) Yellow(text string) string { return s.wrap("33", text) }

// Dim marks secondary details.
func (s Style) Dim(text string) string { return s.wrap("2", text) }
