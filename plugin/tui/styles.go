package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/lipgloss"
)

// Styles are every style of the TUI, in one place. Colours are adaptive (light, dark) so that
// both terminal backgrounds read well.
type Styles struct {
	Title          lipgloss.Style
	Dim            lipgloss.Style
	Crumb          lipgloss.Style
	CrumbSep       lipgloss.Style
	TableHead      lipgloss.Style
	SelectedColumn lipgloss.Style
	Selected       lipgloss.Style
	Good           lipgloss.Style
	Warn           lipgloss.Style
	Bad            lipgloss.Style
	Status         lipgloss.Style
	StatusErr      lipgloss.Style
	Prompt         lipgloss.Style
	Dialog         lipgloss.Style
	Tab            lipgloss.Style
	ActiveTab      lipgloss.Style

	// rows and selectedRows colour a table row by its tone.
	rows, selectedRows [toneCount]lipgloss.Style
	// colours is false under NO_COLOR: rows are drawn as they are.
	colours bool
}

// tone is how a table row reads at a glance, from the state of what it shows. Each screen
// decides its rows' tones; the colours are here.
type tone uint8

const (
	toneNormal tone = iota
	// toneGone is on its way out: a NodeClaim being deleted.
	toneGone
	// toneWarn wants attention: a drifted or cordoned NodeClaim, a Warning Event.
	toneWarn
	// toneStarting is not serving yet: a NodeClaim launched but not initialized.
	toneStarting
	// toneBad is broken: a NodePool that is not Ready launches nothing.
	toneBad
	toneCount
)

var (
	accent = lipgloss.AdaptiveColor{Light: "#005FAF", Dark: "#5FAFFF"}
	muted  = lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#9E9E9E"}
	good   = lipgloss.AdaptiveColor{Light: "#007A00", Dark: "#5FD75F"}
	warn   = lipgloss.AdaptiveColor{Light: "#AF5F00", Dark: "#FFAF00"}
	bad    = lipgloss.AdaptiveColor{Light: "#C00000", Dark: "#FF5F5F"}
	// starting is cyan, apart from the accent's blue of titles and breadcrumbs.
	starting = lipgloss.AdaptiveColor{Light: "#005F87", Dark: "#5FD7FF"}
)

// DefaultStyles returns the styles. With noColor (NO_COLOR, https://no-color.org) every colour
// is dropped but bold, underline and reverse stay, so the selection still shows.
func DefaultStyles(noColor bool) Styles {
	accent, muted, good, warn, bad := color(accent, noColor), color(muted, noColor), color(good, noColor), color(warn, noColor), color(bad, noColor)
	st := Styles{
		Title:          lipgloss.NewStyle().Bold(true).Foreground(accent),
		Dim:            lipgloss.NewStyle().Foreground(muted),
		Crumb:          lipgloss.NewStyle().Foreground(accent),
		CrumbSep:       lipgloss.NewStyle().Foreground(muted),
		TableHead:      lipgloss.NewStyle().Bold(true),
		SelectedColumn: lipgloss.NewStyle().Bold(true).Underline(true).Foreground(accent),
		Selected:       lipgloss.NewStyle().Reverse(true),
		Good:           lipgloss.NewStyle().Foreground(good),
		Warn:           lipgloss.NewStyle().Foreground(warn),
		Bad:            lipgloss.NewStyle().Foreground(bad).Bold(true),
		Status:         lipgloss.NewStyle().Foreground(muted),
		StatusErr:      lipgloss.NewStyle().Foreground(bad).Bold(true),
		Prompt:         lipgloss.NewStyle().Foreground(accent).Bold(true),
		Dialog:         lipgloss.NewStyle().Border(lipgloss.RoundedBorder()).BorderForeground(warn).Padding(0, 1),
		Tab:            lipgloss.NewStyle().Foreground(muted).Padding(0, 1),
		ActiveTab:      lipgloss.NewStyle().Bold(true).Reverse(true).Padding(0, 1),
		colours:        !noColor,
	}
	// Foreground only: a toned row stays as legible as a plain one, and the selected row, in
	// reverse, shows its tone as the bar's colour.
	fg := [toneCount]lipgloss.TerminalColor{toneGone: muted, toneWarn: warn, toneStarting: color(starting, noColor), toneBad: bad}
	for t := range toneCount {
		st.rows[t] = lipgloss.NewStyle()
		if t != toneNormal && !noColor {
			st.rows[t] = st.rows[t].Foreground(fg[t])
		}
		st.selectedRows[t] = st.Selected.Inherit(st.rows[t])
	}
	return st
}

// Row is the style of an unselected row in the tone, nil when the row is drawn as it is (a
// normal row, or no colours): a frame then renders no style for the row, nor copies one.
func (s *Styles) Row(t tone) *lipgloss.Style {
	if t == toneNormal || !s.colours {
		return nil
	}
	return &s.rows[t]
}

// SelectedRow is the style of the selected row in the tone.
func (s *Styles) SelectedRow(t tone) *lipgloss.Style { return &s.selectedRows[t] }

func color(c lipgloss.AdaptiveColor, noColor bool) lipgloss.TerminalColor {
	if noColor {
		return lipgloss.NoColor{}
	}
	return c
}

// helpStyles are the help bubble's styles in the TUI's palette.
func helpStyles(noColor bool) help.Styles {
	key := lipgloss.NewStyle().Foreground(color(accent, noColor))
	desc := lipgloss.NewStyle().Foreground(color(muted, noColor))
	return help.Styles{
		ShortKey: key, ShortDesc: desc, ShortSeparator: desc, Ellipsis: desc,
		FullKey: key, FullDesc: desc, FullSeparator: desc,
	}
}
