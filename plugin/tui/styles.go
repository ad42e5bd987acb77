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
}

var (
	accent = lipgloss.AdaptiveColor{Light: "#005FAF", Dark: "#5FAFFF"}
	muted  = lipgloss.AdaptiveColor{Light: "#6C6C6C", Dark: "#9E9E9E"}
	good   = lipgloss.AdaptiveColor{Light: "#007A00", Dark: "#5FD75F"}
	warn   = lipgloss.AdaptiveColor{Light: "#AF5F00", Dark: "#FFAF00"}
	bad    = lipgloss.AdaptiveColor{Light: "#C00000", Dark: "#FF5F5F"}
)

// DefaultStyles returns the styles. With noColor (NO_COLOR, https://no-color.org) every colour
// is dropped but bold, underline and reverse stay, so the selection still shows.
func DefaultStyles(noColor bool) Styles {
	accent, muted, good, warn, bad := color(accent, noColor), color(muted, noColor), color(good, noColor), color(warn, noColor), color(bad, noColor)
	return Styles{
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
	}
}

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
