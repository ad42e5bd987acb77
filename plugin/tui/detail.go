package tui

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/viewport"
	tea "github.com/charmbracelet/bubbletea"
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/tables"
)

// detailTabs are the parts of a NodeClaim's detail.
var detailTabs = []string{"Timeline", "Node", "Pods", "YAML"}

// detailScreen is one NodeClaim: the timeline of its conditions and the agent's decisions
// (why it was launched, for which pods, at what price), its node, its pods and its YAML.
type detailScreen struct {
	env  *env
	name string
	tab  int
	vp   viewport.Model
	snap *Snapshot
	keys viewportKeys
	w, h int
}

func newDetailScreen(e *env, name string) *detailScreen {
	return &detailScreen{env: e, name: name, vp: viewport.New(0, 0), keys: newViewportKeys()}
}

func (s *detailScreen) Init() tea.Cmd { return nil }
func (s *detailScreen) Title() string { return s.name }

func (s *detailScreen) Keys() help.KeyMap {
	own := append([]key.Binding{keyTabNumber, keyNextTab, keyPrevTab, keyYAML}, actionKeys(s.env.readOnly)...)
	return screenKeys{own: own, table: s.keys.list()}
}

func (s *detailScreen) SetSize(w, h int) {
	s.w, s.h = w, h
	// The tab bar and a blank line sit above the viewport.
	s.vp.Width, s.vp.Height = w, max(h-2, 1)
	s.render(false)
}

func (s *detailScreen) Update(msg tea.Msg) (Screen, tea.Cmd) {
	switch msg := msg.(type) {
	case SnapshotMsg:
		s.snap = msg.Snap
		s.render(false)
	case tea.KeyMsg:
		row, ok := s.snap.Claim(s.name)
		switch {
		case key.Matches(msg, keyNextTab):
			s.tab = (s.tab + 1) % len(detailTabs)
			s.render(true)
		case key.Matches(msg, keyPrevTab):
			s.tab = (s.tab + len(detailTabs) - 1) % len(detailTabs)
			s.render(true)
		case key.Matches(msg, keyTabNumber):
			if i := int(msg.Runes[0] - '1'); i < len(detailTabs) {
				s.tab = i
				s.render(true)
			}
		case key.Matches(msg, keyYAML):
			s.tab = len(detailTabs) - 1
			s.render(true)
		case key.Matches(msg, keyDelete, keyCordon, keyDoNotDisrupt):
			if ok {
				return s, claimAction(s.env, msg, row)
			}
		default:
			var c tea.Cmd
			s.vp, c = s.vp.Update(msg)
			return s, c
		}
	}
	return s, nil
}

// render refreshes the content; a new tab starts at the top, a data refresh keeps the scroll.
func (s *detailScreen) render(top bool) {
	if s.snap == nil {
		return
	}
	offset := s.vp.YOffset
	s.vp.SetContent(wrap(s.content(), s.vp.Width))
	if top {
		s.vp.GotoTop()
	} else {
		s.vp.SetYOffset(offset)
	}
}

func (s *detailScreen) View() string {
	st := s.env.styles
	tabs := make([]string, len(detailTabs))
	for i, t := range detailTabs {
		if i == s.tab {
			tabs[i] = st.ActiveTab.Render(fmt.Sprintf("%d %s", i+1, t))
		} else {
			tabs[i] = st.Tab.Render(fmt.Sprintf("%d %s", i+1, t))
		}
	}
	return strings.Join(tabs, " ") + "\n\n" + s.vp.View()
}

func (s *detailScreen) content() string {
	row, ok := s.snap.Claim(s.name)
	if !ok {
		return "NodeClaim " + s.name + " is gone."
	}
	switch detailTabs[s.tab] {
	case "Timeline":
		return s.timeline(row)
	case "Node":
		return s.node(row)
	case "Pods":
		return s.pods(row)
	}
	return toYAML(row.Raw, row.NC)
}

type moment struct {
	at   time.Time
	what string
}

func (s *detailScreen) timeline(row *ClaimRow) string {
	now := s.snap.Now
	var b strings.Builder
	fmt.Fprintf(&b, "%s  %s %s in %s, %s, %s\n", row.Name, dash(row.InstanceType), dash(row.CapacityType), dash(row.Zone), priceText(row.Price), row.State)
	fmt.Fprintf(&b, "launch %s › register %s › initialize %s\n\n", short(row.Launch), short(row.Register), short(row.Init))
	moments := make([]moment, 0, 1+len(row.NC.Status.Conditions))
	moments = append(moments, moment{row.Created, "Created"})
	for _, c := range row.NC.Status.Conditions {
		line := "condition " + c.Type + "=" + string(c.Status)
		if c.Reason != "" {
			line += " (" + c.Reason + ")"
		}
		if c.Message != "" {
			line += ": " + c.Message
		}
		moments = append(moments, moment{c.LastTransitionTime.Time, line})
	}
	for _, e := range s.snap.EventsAbout(row.Name, row.Node) {
		what := e.Reason
		switch e.InvolvedObject.Kind {
		case "Pod":
			what += " pod " + e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		case "Node":
			what += " node"
		}
		line := what + ": " + e.Message
		if e.Count > 1 {
			line += fmt.Sprintf(" (x%d)", e.Count)
		}
		moments = append(moments, moment{lastSeen(e), line})
	}
	sort.SliceStable(moments, func(i, j int) bool { return moments[i].at.Before(moments[j].at) })
	for _, m := range moments {
		fmt.Fprintf(&b, "%8s ago  %s\n", age(m.at, now), m.what)
	}
	return b.String()
}

func (s *detailScreen) node(row *ClaimRow) string {
	n := s.snap.Nodes[row.Node]
	if n == nil {
		return "No node yet: the NodeClaim has not registered."
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	tabf(tw, "Name:\t%s\n", n.Name)
	tabf(tw, "Age:\t%s\n", age(n.CreationTimestamp.Time, s.snap.Now))
	for _, k := range []string{karpv1.NodePoolLabelKey, corev1.LabelInstanceTypeStable, karpv1.CapacityTypeLabelKey, corev1.LabelTopologyZone, karpv1.NodeInitializedLabelKey} {
		tabf(tw, "%s:\t%s\n", k, dash(n.Labels[k]))
	}
	tabf(tw, "Unschedulable:\t%t\n", n.Spec.Unschedulable)
	tabf(tw, "%s:\t%s\n", karpv1.DoNotDisruptAnnotationKey, dash(n.Annotations[karpv1.DoNotDisruptAnnotationKey]))
	var taints []string
	for _, t := range n.Spec.Taints {
		taints = append(taints, t.ToString())
	}
	tabf(tw, "Taints:\t%s\n", dash(strings.Join(taints, ", ")))
	tabf(tw, "Allocatable:\tcpu %s, memory %s, pods %s\n", n.Status.Allocatable.Cpu(), n.Status.Allocatable.Memory(), n.Status.Allocatable.Pods())
	tabf(tw, "Requested:\tcpu %s, memory %s GiB, %d pods\n", tables.Cores(row.CPU.Requested), tables.GiB(row.Memory.Requested), row.Pods)
	for _, c := range n.Status.Conditions {
		tabf(tw, "Condition %s:\t%s %s\n", c.Type, c.Status, c.Reason)
	}
	_ = tw.Flush()
	return b.String()
}

func (s *detailScreen) pods(row *ClaimRow) string {
	pods := s.snap.PodsOn(row.Node)
	if len(pods) == 0 {
		return "No pods on the node."
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	tabf(tw, "NAMESPACE\tNAME\tCPU\tMEMORY\tPHASE\tAGE\n")
	for _, p := range pods {
		r := scheduling.PodRequests(p)
		tabf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", p.Namespace, p.Name, r.Cpu(), r.Memory(), p.Status.Phase, age(p.CreationTimestamp.Time, s.snap.Now))
	}
	_ = tw.Flush()
	return b.String()
}

// tabf writes a line into a tabwriter over a strings.Builder, which cannot fail.
func tabf(w io.Writer, format string, a ...interface{}) { _, _ = fmt.Fprintf(w, format, a...) }
