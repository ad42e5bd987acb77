package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
)

// Config configures the root model.
type Config struct {
	// Context, Cluster and Server name the kubeconfig context shown in the header.
	Context, Cluster, Server string
	ReadOnly                 bool
	// NoColor drops colours (NO_COLOR); bold, underline and reverse remain.
	NoColor bool
	// Store feeds snapshots; nil in tests that send SnapshotMsg themselves.
	Store   *Store
	Actions Actions
	Explain Explainer
	Now     func() time.Time
	// Window is the coalescing window of store changes; 0 means the default.
	Window time.Duration
	// Start is the first view: nodepools, nodeclaims, pending or decisions.
	Start string
}

// Model is the root model: header, breadcrumbs, the stack of screens, the prompt, the
// confirmation dialog and the status bar. It routes messages and owns no screen's logic.
type Model struct {
	env     *env
	cfg     Config
	store   *Store
	stack   []Screen
	snap    *Snapshot
	width   int
	height  int
	keys    globalKeys
	help    help.Model
	showing bool // help is shown
	prompt  prompt
	confirm *confirmMsg
	// statusText is the status bar's message; statusErr marks it as an error.
	statusText string
	statusErr  bool
	wait       func() tea.Msg
}

// New returns the root model.
func New(ctx context.Context, cfg Config) *Model {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Window == 0 {
		cfg.Window = coalesce
	}
	st := DefaultStyles(cfg.NoColor)
	e := &env{ctx: ctx, styles: &st, now: cfg.Now, readOnly: cfg.ReadOnly, actions: cfg.Actions, explain: cfg.Explain, explained: &explanation{}}
	m := &Model{env: e, cfg: cfg, store: cfg.Store, keys: newGlobalKeys(), help: help.New(), prompt: newPrompt(e.styles)}
	m.help.Styles = helpStyles(cfg.NoColor)
	m.snap = &Snapshot{Now: cfg.Now()}
	if cfg.Store != nil {
		w := WaitForChange(ctx, cfg.Store, cfg.Now, cfg.Window)
		m.wait = func() tea.Msg {
			msg := w()
			if s, ok := msg.(SnapshotMsg); ok {
				return watchedSnapshot(s)
			}
			return msg
		}
	}
	start := cfg.Start
	if start == "" {
		start = viewNodePools
	}
	if s := m.topLevel(start); s != nil {
		m.stack = []Screen{s}
	} else {
		m.stack = []Screen{m.topLevel(viewNodePools)}
	}
	return m
}

// watchedSnapshot is a snapshot from the store's watch loop, which is re-armed on delivery.
type watchedSnapshot SnapshotMsg

// Init implements tea.Model.
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.top().Init()}
	if m.store != nil {
		snap := m.store.Snapshot(m.cfg.Now())
		cmds = append(cmds, cmd(SnapshotMsg{Snap: snap}), m.wait)
	}
	return tea.Batch(cmds...)
}

func (m *Model) top() Screen { return m.stack[len(m.stack)-1] }

// Update implements tea.Model: global concerns here, everything else to the screens.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.width, m.height = msg.Width, msg.Height
		for _, s := range m.stack {
			s.SetSize(m.bodySize())
		}
		m.help.Width = msg.Width
		m.prompt.setWidth(msg.Width)
		return m, nil
	case watchedSnapshot:
		c := m.setSnapshot(msg.Snap)
		return m, tea.Batch(c, m.wait)
	case SnapshotMsg:
		return m, m.setSnapshot(msg.Snap)
	case tea.KeyMsg:
		return m, m.key(msg)
	case pushMsg:
		msg.screen.SetSize(m.bodySize())
		m.stack = append(m.stack, msg.screen)
		return m, tea.Batch(msg.screen.Init(), m.feed(msg.screen))
	case popMsg:
		return m, m.pop()
	case jumpMsg:
		return m, m.jump(msg.view)
	case statusMsg:
		m.statusText, m.statusErr = msg.text, msg.err
		return m, nil
	case confirmMsg:
		if m.env.readOnly {
			m.statusText, m.statusErr = "read-only: actions are disabled (started with --read-only)", true
			return m, nil
		}
		m.confirm = &msg
		return m, nil
	case actionDoneMsg:
		if msg.err != nil {
			m.statusText, m.statusErr = msg.what+" failed: "+firstLine(msg.err.Error()), true
		} else {
			m.statusText, m.statusErr = msg.what+": done", false
		}
		return m, nil
	}
	// Anything else (results of a screen's commands) goes to every screen, so that a screen
	// not on top does not lose the answer to a command it started, and to the open prompt.
	var cmds []tea.Cmd
	if m.prompt.kind != 0 {
		cmds = append(cmds, m.promptInput(msg))
	}
	for i, s := range m.stack {
		var c tea.Cmd
		m.stack[i], c = s.Update(msg)
		cmds = append(cmds, c)
	}
	cmds = append(cmds, m.drain())
	return m, tea.Batch(cmds...)
}

// drain handles the requests the screens posted while they updated.
func (m *Model) drain() tea.Cmd {
	var cmds []tea.Cmd
	for len(m.env.outbox) > 0 {
		msg := m.env.outbox[0]
		m.env.outbox = m.env.outbox[1:]
		_, c := m.Update(msg)
		cmds = append(cmds, c)
	}
	return tea.Batch(cmds...)
}

func (m *Model) setSnapshot(s *Snapshot) tea.Cmd {
	if s == nil {
		return nil
	}
	m.snap = s
	return m.feed(m.top())
}

// feed gives a screen the current snapshot; only the top screen is fed on every change, the
// others when they come back on top.
func (m *Model) feed(s Screen) tea.Cmd {
	i := len(m.stack) - 1
	next, c := s.Update(SnapshotMsg{Snap: m.snap})
	m.stack[i] = next
	return tea.Batch(c, m.drain())
}

func (m *Model) pop() tea.Cmd {
	if len(m.stack) == 1 {
		return nil
	}
	m.stack = m.stack[:len(m.stack)-1]
	m.top().SetSize(m.bodySize())
	return m.feed(m.top())
}

func (m *Model) jump(view string) tea.Cmd {
	s := m.topLevel(view)
	if s == nil {
		m.statusText, m.statusErr = fmt.Sprintf("unknown view %q: use :nodepools, :nodeclaims, :pending or :decisions", view), true
		return nil
	}
	s.SetSize(m.bodySize())
	m.stack = []Screen{s}
	m.statusText = ""
	return tea.Batch(s.Init(), m.feed(s))
}

// View names accepted by `:` and --start, with k9s-style short forms.
const (
	viewNodePools  = "nodepools"
	viewNodeClaims = "nodeclaims"
	viewPending    = "pending"
	viewDecisions  = "decisions"
)

var viewAliases = map[string]string{
	"nodepools": viewNodePools, "nodepool": viewNodePools, "np": viewNodePools,
	"nodeclaims": viewNodeClaims, "nodeclaim": viewNodeClaims, "nc": viewNodeClaims,
	"pending": viewPending, "pods": viewPending, "po": viewPending,
	"decisions": viewDecisions, "events": viewDecisions, "ev": viewDecisions,
}

func (m *Model) topLevel(view string) Screen {
	switch viewAliases[strings.ToLower(strings.TrimSpace(view))] {
	case viewNodePools:
		return newNodePoolsScreen(m.env)
	case viewNodeClaims:
		return newNodeClaimsScreen(m.env, "")
	case viewPending:
		return newPendingScreen(m.env)
	case viewDecisions:
		return newDecisionsScreen(m.env)
	}
	return nil
}

// key handles, in order: the confirmation dialog, the open prompt, the help, the global keys,
// and hands the rest to the top screen.
func (m *Model) key(k tea.KeyMsg) tea.Cmd {
	// Keys typed faster than the input is read arrive as one message of several runes; each is
	// a key of its own (":" then "pending"), unless pasted into the prompt.
	if k.Type == tea.KeyRunes && len(k.Runes) > 1 && (!k.Paste || m.prompt.kind == 0) {
		cmds := make([]tea.Cmd, 0, len(k.Runes))
		for _, r := range k.Runes {
			cmds = append(cmds, m.key(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}, Alt: k.Alt}))
		}
		return tea.Batch(cmds...)
	}
	switch {
	case m.confirm != nil:
		return m.confirmKey(k)
	case m.prompt.kind != 0:
		return m.promptKey(k)
	case m.showing:
		if key.Matches(k, m.keys.Help, m.keys.Back) || k.String() == "q" {
			m.showing = false
			return nil
		}
		if k.String() == "ctrl+c" {
			return tea.Quit
		}
		return nil
	}
	switch {
	case key.Matches(k, m.keys.Quit):
		return tea.Quit
	case key.Matches(k, m.keys.Help):
		m.showing = true
		return nil
	case key.Matches(k, m.keys.Command):
		return m.openPrompt(':', "")
	case key.Matches(k, m.keys.Filter):
		if f, ok := m.top().(filterable); ok {
			return m.openPrompt('/', f.Filter())
		}
		return nil
	case key.Matches(k, m.keys.Back):
		if f, ok := m.top().(filterable); ok && f.Filter() != "" {
			f.SetFilter("")
			return nil
		}
		m.statusText = ""
		return m.pop()
	}
	i := len(m.stack) - 1
	next, c := m.stack[i].Update(k)
	m.stack[i] = next
	return tea.Batch(c, m.drain())
}

// chrome is the number of lines around the screen: header, breadcrumbs, status, key hints.
const chrome = 4

func (m *Model) bodySize() (int, int) {
	h := m.height - chrome
	if h < 1 {
		h = 1
	}
	return m.width, h
}

// View implements tea.Model.
func (m *Model) View() string {
	if m.width == 0 {
		return ""
	}
	st := m.env.styles
	_, bodyH := m.bodySize()
	var body string
	switch {
	case m.showing:
		body = m.helpView()
	case m.confirm != nil:
		body = st.Dialog.Render(m.confirm.question + "\n\n" + st.Dim.Render("y: yes   n/esc: no"))
	default:
		body = m.top().View()
	}
	var b strings.Builder
	b.WriteString(m.fit(m.headerView()))
	b.WriteByte('\n')
	b.WriteString(m.fit(m.crumbsView()))
	b.WriteByte('\n')
	lines := strings.Split(body, "\n")
	for i := 0; i < bodyH; i++ {
		if i < len(lines) {
			b.WriteString(m.fit(lines[i]))
		}
		b.WriteByte('\n')
	}
	b.WriteString(m.fit(m.statusView()))
	b.WriteByte('\n')
	b.WriteString(m.fit(m.help.ShortHelpView(append(m.top().Keys().ShortHelp(), m.globalKeys()...))))
	return b.String()
}

func (m *Model) fit(s string) string { return ansi.Truncate(s, m.width, "…") }
