package tui

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"k8s.io/apimachinery/pkg/util/duration"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
)

// The root model's frame around the screen: header, breadcrumbs, status bar and help.

// headerView is the context, the totals and the agent.
func (m *Model) headerView() string {
	st := m.env.styles
	s := m.snap
	where := m.cfg.Context
	if where == "" {
		where = m.cfg.Server
	}
	head := st.Title.Render("karpenter") + " " + st.Dim.Render("context:") + " " + where
	if m.cfg.Cluster != "" && m.cfg.Cluster != m.cfg.Context {
		head += " " + st.Dim.Render("cluster:") + " " + m.cfg.Cluster
	}
	cost := price.Format(s.Totals.PricePerHour) + "/h"
	if s.Totals.Estimated {
		cost += " est."
	}
	pending := fmt.Sprintf("%d pending", s.Totals.Pending)
	if s.Totals.Pending > 0 {
		pending = st.Warn.Render(pending)
	}
	head += "  │ " + cost + "  " + fmt.Sprintf("%d nodes", s.Totals.Nodes) + "  " + pending + "  │ " + m.agentView()
	// While a watch fails the status bar says why; "loading" would only hide it.
	if !s.Synced && m.store != nil && len(s.Errors) == 0 {
		head += "  " + st.Dim.Render("(loading…)")
	}
	return head
}

// agentView says whether an agent holds the leader Lease, and which replica.
func (m *Model) agentView() string {
	st := m.env.styles
	a := m.snap.Agent
	switch {
	case !a.Known:
		return "agent: " + st.Dim.Render("no leader lease seen")
	case a.Running:
		return "agent: " + st.Good.Render("running") + ", leader " + a.Leader
	case a.Leader == "":
		return "agent: " + st.Bad.Render("no leader")
	}
	return "agent: " + st.Bad.Render("not running") + ", last leader " + a.Leader + " renewed " + duration.HumanDuration(a.RenewedAgo) + " ago"
}

// crumbsView is the path of screens, the filter and the read-only mark.
func (m *Model) crumbsView() string {
	st := m.env.styles
	parts := make([]string, len(m.stack))
	for i, s := range m.stack {
		if i == len(m.stack)-1 {
			parts[i] = st.Title.Render(s.Title())
		} else {
			parts[i] = st.Crumb.Render(s.Title())
		}
	}
	out := strings.Join(parts, st.CrumbSep.Render(" › "))
	if f, ok := m.top().(filterable); ok && f.Filter() != "" {
		out += st.Dim.Render("  filter: ") + f.Filter()
	}
	if m.env.readOnly {
		out += "  " + st.Warn.Render("[read-only]")
	}
	return out
}

// statusView is the open prompt, else the last message, else the failing watches.
func (m *Model) statusView() string {
	st := m.env.styles
	switch {
	case m.prompt.kind != 0:
		return m.prompt.View()
	case m.statusText != "":
		if m.statusErr {
			return st.StatusErr.Render(m.statusText)
		}
		return st.Status.Render(m.statusText)
	case len(m.snap.Errors) > 0:
		// Lost connections and RBAC denials: the informers keep retrying on their own.
		return st.StatusErr.Render(strings.Join(m.snap.Errors, "; "))
	}
	return ""
}

// helpView is the full help, built from the global and the screen's key maps.
func (m *Model) helpView() string {
	groups := append([][]key.Binding{m.globalKeys()}, m.top().Keys().FullHelp()...)
	h := m.help
	h.ShowAll = true
	return m.env.styles.Title.Render("Keys") + "\n\n" + h.FullHelpView(groups)
}

// globalKeys are the global bindings that apply to the top screen: `/` only where there is
// something to filter.
func (m *Model) globalKeys() []key.Binding {
	k := m.keys
	_, ok := m.top().(filterable)
	k.Filter.SetEnabled(ok)
	return k.ShortHelp()
}
