package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
)

func TestDrillInAndBackWithBreadcrumbs(t *testing.T) {
	d := newDriver(t, false)
	d.mustShow("nodepools", "default", "gpu", "agent: running, leader karpenter-agent-7d9f_1b2c", "2 pending", "2 nodes")
	if !strings.HasPrefix(d.selected(), "> default") {
		t.Fatalf("selected %q, want the default pool first", d.selected())
	}
	d.keys("enter")
	if got := d.crumbs(); !strings.Contains(got, "nodepools › default") {
		t.Fatalf("breadcrumbs %q", got)
	}
	d.mustShow("default-abcde", "default-fghij")
	d.mustNotShow("gpu-klmno")
	d.keys("enter")
	if got := d.crumbs(); !strings.Contains(got, "nodepools › default › default-abcde") {
		t.Fatalf("breadcrumbs %q", got)
	}
	d.mustShow("1 Timeline", "Launched: Launched m5.large (on-demand) in us-east-1a at $0.0960/h for 2 pod(s)",
		"Nominated pod shop/web-1", "condition Drifted=True", "launch 40s › register 25s › initialize 5s")
	d.keys("tab")
	d.mustShow("Name:", "node-a", "Requested:", "cpu 1.5")
	d.keys("tab")
	d.mustShow("shop", "web-1", "web-2", "500m")
	d.keys("y")
	d.mustShow("kind: NodeClaim", "name: default-abcde")
	d.keys("esc", "esc")
	if got := d.crumbs(); strings.Contains(got, "›") {
		t.Fatalf("after two esc, breadcrumbs %q", got)
	}
	d.keys("esc")
	d.mustShow("nodepools")
	if d.quit {
		t.Fatal("esc on the first screen quit")
	}
}

func TestJumpFilterSortAndHelp(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("nodeclaims")
	d.keys("enter")
	d.mustShow("default-abcde", "gpu-klmno", "default-fghij")
	if got := d.crumbs(); !strings.HasPrefix(strings.TrimSpace(got), "nodeclaims") {
		t.Fatalf("after :nodeclaims, breadcrumbs %q", got)
	}

	d.keys("/")
	d.typeText("spot")
	d.mustShow("default-fghij", "filter: spot")
	d.mustNotShow("gpu-klmno")
	d.keys("enter", "esc")
	d.mustShow("gpu-klmno")

	// Move to the $/H column and sort by it: the cheapest first, then reversed.
	for i := 0; i < 11; i++ {
		d.keys("l")
	}
	d.keys("s")
	if v := d.view(); strings.Index(v, "gpu-klmno") < strings.Index(v, "default-abcde") {
		t.Fatalf("sorted by price, the dearest is not last:\n%s", v)
	}
	d.keys("s")
	if !strings.HasPrefix(d.selected(), "> gpu-klmno") {
		t.Fatalf("sorted by price descending, first row %q", d.selected())
	}

	d.keys("?")
	d.mustShow("Keys", "ctrl+d", "delete nodeclaim", "sort by column", "jump")
	d.keys("?")
	d.mustNotShow("Keys\n")

	d.keys(":")
	d.typeText("bogus")
	d.keys("enter")
	d.mustShow(`unknown view "bogus"`)

	d.keys("q")
	if !d.quit {
		t.Fatal("q did not quit")
	}
}

func TestPendingVerdictAndExplanation(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("pending")
	d.keys("enter")
	d.mustShow("train-1", "cannot be placed: nodepool default: insufficient cpu", "web-3", "new NodeClaim from NodePool default (m5.large on-demand")
	if d.explain != 1 {
		t.Fatalf("simulated %d times, want once", d.explain)
	}
	// The same pending pods do not rerun the simulation.
	d.refresh()
	if d.explain != 1 {
		t.Fatalf("simulated %d times after an unchanged snapshot, want once", d.explain)
	}
	d.keys("enter")
	d.mustShow("Pod ml/train-1", "fix: request at most 48 cpu")
	d.keys("esc")
	d.store.DeletePod("ml", "train-1")
	d.refresh()
	d.mustNotShow("train-1")
	if d.explain != 2 {
		t.Fatalf("simulated %d times after the pending pods changed, want twice", d.explain)
	}
}

func TestDecisionsFilterByReasonAndObject(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("decisions")
	d.keys("enter")
	d.mustShow("NodePoolLimitReached", "FailedScheduling", "Nominated", "Launched")
	// Newest first: the limit Event.
	if !strings.Contains(d.selected(), "NodePoolLimitReached") {
		t.Fatalf("first row %q", d.selected())
	}
	d.keys("j", "r")
	d.mustShow("filter: reason:FailedScheduling", "pod/ml/train-1")
	d.mustNotShow("NodePoolLimitReached")
	d.keys("esc", "/")
	d.typeText("object:nodeclaim/default-abcde")
	d.keys("enter")
	d.mustShow("Launched m5.large")
	d.mustNotShow("Nominated")
	// Enter on a NodeClaim's decision opens the NodeClaim.
	d.keys("enter")
	d.mustShow("decisions › default-abcde", "1 Timeline")
}

func TestActionsAskFirst(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("nodeclaims")
	d.keys("enter")

	d.keys("ctrl+d")
	d.mustShow("Delete NodeClaim default-abcde?")
	d.keys("n")
	if len(d.actions.calls) != 0 {
		t.Fatalf("declined, yet ran %v", d.actions.calls)
	}
	d.mustShow("cancelled")

	d.keys("ctrl+d", "y")
	d.keys("c", "y")
	d.keys("n", "y")
	want := []string{"delete default-abcde", "cordon node-a on", "do-not-disrupt node-a on"}
	if strings.Join(d.actions.calls, ",") != strings.Join(want, ",") {
		t.Fatalf("actions %v, want %v", d.actions.calls, want)
	}
	d.mustShow("set do-not-disrupt on node node-a: done")

	// The gpu node already has do-not-disrupt: n removes it.
	d.keys("G", "n")
	d.mustShow("Remove karpenter.sh/do-not-disrupt from node node-c?")
	d.keys("y")
	if got := d.actions.calls[len(d.actions.calls)-1]; got != "do-not-disrupt node-c off" {
		t.Fatalf("last action %q", got)
	}

	// A NodeClaim without a node cannot be cordoned.
	d.keys("k")
	d.keys("c")
	d.mustShow("nodeclaim default-fghij has no node yet")
}

func TestRBACErrorOfAnActionShowsInTheStatusBar(t *testing.T) {
	d := newDriver(t, false)
	d.actions.err = errForbidden
	d.keys(":")
	d.typeText("nc")
	d.keys("enter", "ctrl+d", "y")
	d.mustShow("delete nodeclaim default-abcde failed: forbidden: you may not delete")
}

func TestReadOnlyDisablesActions(t *testing.T) {
	d := newDriver(t, true)
	d.mustShow("[read-only]")
	d.keys(":")
	d.typeText("nodeclaims")
	d.keys("enter", "ctrl+d")
	d.mustNotShow("Delete NodeClaim")
	d.mustShow("read-only: actions are disabled")
	d.keys("?")
	d.mustNotShow("delete nodeclaim")
}

func TestWatchErrorsShowInTheStatusBar(t *testing.T) {
	d := newDriver(t, false)
	d.store.SetError("pods", "connection lost to https://127.0.0.1:6443; reconnecting")
	d.refresh()
	d.mustShow("pods: connection lost to https://127.0.0.1:6443; reconnecting")
	// Data flowing again clears it.
	d.store.UpsertPod(fixturePod("shop", "web-9", "node-a", "100m", "128Mi"))
	d.refresh()
	d.mustNotShow("connection lost")
}

func TestFollowsResize(t *testing.T) {
	d := newDriver(t, false)
	d.send(keyMsg(":"))
	d.typeText("nc")
	d.keys("enter")
	for _, size := range [][2]int{{80, 12}, {200, 50}} {
		d.send(windowSize(size[0], size[1]))
		lines := strings.Split(d.view(), "\n")
		if len(lines) != size[1] {
			t.Fatalf("%dx%d: %d lines", size[0], size[1], len(lines))
		}
		for _, l := range lines {
			if w := displayWidth(l); w > size[0] {
				t.Fatalf("%dx%d: line of %d cells: %q", size[0], size[1], w, l)
			}
		}
	}
}

func TestKeysTypedFasterThanReadAreSplit(t *testing.T) {
	d := newDriver(t, false)
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(":pending")})
	d.keys("enter")
	d.mustShow("train-1", "web-3")
	if got := d.crumbs(); !strings.HasPrefix(strings.TrimSpace(got), "pending") {
		t.Fatalf("breadcrumbs %q", got)
	}
}

func TestJumpSuggestsViewNames(t *testing.T) {
	d := newDriver(t, false)
	// One view starts with "dec": tab completes it.
	d.keys(":")
	d.typeText("dec")
	d.keys("tab")
	d.mustShow(":decisions")
	d.keys("enter")
	d.mustShow("NodePoolLimitReached")

	// Two start with "node": the first is suggested, ↓ picks the next one, tab takes it.
	d.keys(":")
	d.typeText("node")
	d.mustShow(":nodepools")
	d.keys("down")
	d.mustShow(":nodeclaims")
	d.keys("tab", "enter")
	if got := d.crumbs(); !strings.HasPrefix(strings.TrimSpace(got), "nodeclaims") {
		t.Fatalf("after :node ↓ tab, breadcrumbs %q", got)
	}

	// Enter goes where the line shows, the suggestion included.
	d.keys(":")
	d.typeText("pe")
	d.keys("enter")
	if got := d.crumbs(); !strings.HasPrefix(strings.TrimSpace(got), "pending") {
		t.Fatalf("after :pe, breadcrumbs %q", got)
	}
	// A short form is taken as typed.
	d.keys(":")
	d.typeText("np")
	d.keys("enter")
	if got := d.crumbs(); !strings.HasPrefix(strings.TrimSpace(got), "nodepools") {
		t.Fatalf("after :np, breadcrumbs %q", got)
	}
}

// The filter is a line editor: the cursor moves within it, and only a change of the query
// filters again, so moving the cursor keeps the selected row.
func TestFilterEditsInPlace(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("nc")
	d.keys("enter", "/")
	d.typeText("defult")
	d.mustShow("No NodeClaims.")
	// Back over "ult", insert the missing "a".
	d.keys("left", "left", "left")
	d.typeText("a")
	d.mustShow("filter: default", "default-abcde", "default-fghij")
	d.mustNotShow("gpu-klmno")
	d.keys("esc")
	d.mustShow("gpu-klmno")

	d.keys("/")
	d.typeText("default")
	d.keys("enter", "j")
	d.mustShow("> default-fghij")
	// Reopened, the filter is edited where it is: moving in it keeps the second row selected.
	d.keys("/", "left", "right")
	d.mustShow("/default", "> default-fghij")
	// ctrl+w takes the word back: every row again.
	d.keys("ctrl+w")
	d.mustShow("gpu-klmno")
	d.mustNotShow("filter:")
}

func TestDetailTabsByNumber(t *testing.T) {
	d := newDriver(t, false)
	d.keys("enter", "enter")
	d.mustShow("1 Timeline", "condition Drifted=True")
	d.keys("3")
	d.mustShow("web-1", "web-2", "500m")
	d.mustNotShow("condition Drifted=True")
	d.keys("2")
	d.mustShow("Allocatable:", "Unschedulable:")
	d.mustNotShow("web-2")
	d.keys("4")
	d.mustShow("kind: NodeClaim")
	d.keys("1")
	d.mustShow("condition Drifted=True")
	d.mustNotShow("kind: NodeClaim")
	// The numbers are in the detail's key map, so help lists them.
	d.keys("?")
	d.mustShow("1-4", "timeline/node/pods/yaml")
}

// A paste (bracketed by the terminal) goes into the prompt whole, spaces included, rather than
// as keys: pasted into the filter it is the query, not "g", "p", "u" as commands.
func TestPasteIntoTheFilter(t *testing.T) {
	d := newDriver(t, false)
	d.keys(":")
	d.typeText("decisions")
	d.keys("enter", "/")
	d.send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("reason:Launched nodeclaim"), Paste: true})
	d.mustShow("filter: reason:Launched nodeclaim", "Launched m5.large")
	d.mustNotShow("Nominated", "NodePoolLimitReached")
}
