package tui

import (
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
	"github.com/muesli/termenv"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestRowToneFollowsState(t *testing.T) {
	initialized := ClaimRow{Initialized: true}
	for _, tc := range []struct {
		name  string
		claim ClaimRow
		want  tone
	}{
		{"initialized", initialized, toneNormal},
		{"launched, not initialized", ClaimRow{}, toneStarting},
		{"drifted", ClaimRow{Initialized: true, Drifted: true}, toneWarn},
		{"cordoned", ClaimRow{Initialized: true, Cordoned: true}, toneWarn},
		// Going away outweighs every other state.
		{"deleting and drifted", ClaimRow{Initialized: true, Drifted: true, Deleting: true}, toneGone},
		{"deleting before initialization", ClaimRow{Deleting: true}, toneGone},
		{"cordoned before initialization", ClaimRow{Cordoned: true}, toneWarn},
		// Marks that need no action leave the row plain.
		{"do-not-disrupt and expiring", ClaimRow{Initialized: true, DoNotDisrupt: true, Expiring: true}, toneNormal},
	} {
		if got := claimTone(&tc.claim); got != tc.want {
			t.Errorf("NodeClaim %s: tone %d, want %d", tc.name, got, tc.want)
		}
	}

	pool := func(conds ...metav1.Condition) *karpv1.NodePool {
		return &karpv1.NodePool{Status: karpv1.NodePoolStatus{Conditions: conds}}
	}
	ready := func(s metav1.ConditionStatus) metav1.Condition {
		return metav1.Condition{Type: karpv1.ConditionTypeReady, Status: s}
	}
	for _, tc := range []struct {
		name string
		np   *karpv1.NodePool
		want tone
	}{
		{"Ready", pool(ready(metav1.ConditionTrue)), toneNormal},
		{"not Ready", pool(ready(metav1.ConditionFalse), metav1.Condition{Type: karpv1.ConditionTypeNodeClassReady, Status: metav1.ConditionFalse}), toneBad},
		{"Ready unknown", pool(ready(metav1.ConditionUnknown)), toneBad},
		{"not reconciled yet", pool(), toneNormal},
	} {
		if got := poolTone(tc.np); got != tc.want {
			t.Errorf("NodePool %s: tone %d, want %d", tc.name, got, tc.want)
		}
	}

	if got := eventTone(&corev1.Event{Type: corev1.EventTypeWarning}); got != toneWarn {
		t.Errorf("Warning Event: tone %d, want %d", got, toneWarn)
	}
	if got := eventTone(&corev1.Event{Type: corev1.EventTypeNormal}); got != toneNormal {
		t.Errorf("Normal Event: tone %d, want %d", got, toneNormal)
	}
}

func TestEachToneHasItsOwnColourUnlessNoColor(t *testing.T) {
	st := DefaultStyles(false)
	seen := map[lipgloss.TerminalColor]tone{}
	for tn := range toneCount {
		row := st.Row(tn)
		if (row == nil) != (tn == toneNormal) {
			t.Errorf("tone %d: drawn plain=%t", tn, row == nil)
		}
		if row == nil {
			continue
		}
		fg := row.GetForeground()
		if _, ok := fg.(lipgloss.AdaptiveColor); !ok {
			t.Errorf("tone %d: foreground %#v, want an adaptive colour for dark and light terminals", tn, fg)
		}
		if other, dup := seen[fg]; dup {
			t.Errorf("tones %d and %d share the colour %v", other, tn, fg)
		}
		seen[fg] = tn
		if sel := st.SelectedRow(tn); !sel.GetReverse() || sel.GetForeground() != fg {
			t.Errorf("tone %d: the selected row is not the reversed colour", tn)
		}
	}

	off := DefaultStyles(true)
	for tn := range toneCount {
		if off.Row(tn) != nil {
			t.Errorf("NO_COLOR: tone %d is not drawn plain", tn)
		}
		if _, ok := off.SelectedRow(tn).GetForeground().(lipgloss.NoColor); !ok {
			t.Errorf("NO_COLOR: the selected row of tone %d has a colour", tn)
		}
	}
}

// On screen, with a colour terminal: each row in its colour, the plain ones without any; and
// none under NO_COLOR.
func TestRowsAreColouredByStateOnScreen(t *testing.T) {
	lipgloss.SetColorProfile(termenv.TrueColor)
	defer lipgloss.SetColorProfile(termenv.Ascii)
	// TestMain sets a dark background: the Dark variants apply.
	fgOf := func(c lipgloss.AdaptiveColor) string {
		return termenv.TrueColor.Color(c.Dark).Sequence(false)
	}
	line := func(view, text string) string {
		for _, l := range strings.Split(view, "\n") {
			if strings.Contains(l, text) {
				return l
			}
		}
		t.Fatalf("no line shows %q:\n%s", text, view)
		return ""
	}

	for _, noColor := range []bool{false, true} {
		s := fixtureStore()
		gpu := fixtureNodePool("gpu", 0, "")
		gpu.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeReady, Status: metav1.ConditionFalse, Reason: "NodeClassNotReady"}}
		s.UpsertNodePool(gpu, nil)
		m := New(t.Context(), Config{Context: "kind-test", Now: fixedNow, NoColor: noColor, Start: viewNodeClaims})
		m.Update(windowSize(160, 20))
		m.Update(SnapshotMsg{Snap: s.Snapshot(now)})

		// Down to the last row, so that the drifted default-abcde is drawn unselected.
		m.Update(keyMsg("G"))
		claims := m.View()
		want := map[string]string{
			"default-abcde": fgOf(warn),     // drifted
			"default-fghij": fgOf(starting), // launched, not initialized
		}
		for text, seq := range want {
			if l := line(claims, text); strings.Contains(l, seq) == noColor {
				t.Errorf("NoColor=%t: the row of %s contains %q=%t:\n%q", noColor, text, seq, !noColor, l)
			}
		}
		if l := line(claims, "gpu-klmno"); !strings.Contains(l, "\x1b[7m") || strings.Contains(l, "\x1b[38;") {
			t.Errorf("NoColor=%t: the selected, initialized gpu-klmno is not plain reverse: %q", noColor, l)
		}

		m.Update(jumpMsg{view: viewNodePools})
		pools := m.View()
		if l := line(pools, "Ready=False"); strings.Contains(l, fgOf(bad)) == noColor {
			t.Errorf("NoColor=%t: the row of the not Ready NodePool: %q", noColor, l)
		}

		m.Update(jumpMsg{view: viewDecisions})
		decisions := m.View()
		if l := line(decisions, "FailedScheduling"); strings.Contains(l, fgOf(warn)) == noColor {
			t.Errorf("NoColor=%t: the row of a Warning Event: %q", noColor, l)
		}
		if l := line(decisions, "Nominated"); strings.Contains(l, "\x1b[") {
			t.Errorf("NoColor=%t: the row of a Normal Event is not plain: %q", noColor, l)
		}
	}
}
