package tui

import (
	"bytes"
	"context"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"
)

// Golden screens: the real program (teatest) at a fixed 120x30 terminal and the ASCII colour
// profile, driven by keys; the final frame is compared with testdata/<test>.golden. Regenerate
// with: go test ./plugin/tui -run TestGolden -update
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		// steps are keys, each followed by text the screen shows once they took effect.
		steps []step
	}{
		{"nodepools", nil},
		{"nodeclaims-of-a-pool", steps(keysOf("enter"), "default-fghij")},
		{"nodeclaims", steps(keysOf(":", "nodeclaims", "enter"), "gpu-klmno")},
		{"nodeclaim-timeline", steps(keysOf("enter", "enter"), "1 Timeline")},
		{"nodeclaim-node", steps(keysOf("enter", "enter", "tab"), "Allocatable:")},
		{"nodeclaim-pods", steps(keysOf("enter", "enter", "tab", "tab"), "web-2")},
		{"nodeclaim-yaml", steps(keysOf("enter", "enter", "y"), "kind: NodeClaim")},
		{"pending", steps(keysOf(":", "pending", "enter"), "cannot be placed")},
		{"pending-explanation", steps(keysOf(":", "pending", "enter"), "cannot be placed", keysOf("enter"), "fix: request at most")},
		{"decisions", steps(keysOf(":", "decisions", "enter"), "NodePoolLimitReached")},
		{"decisions-by-reason", steps(keysOf(":", "decisions", "enter", "j", "r"), "filter: reason:FailedScheduling")},
		{"help", steps(keysOf("?"), "sort by column")},
		{"confirm-delete", steps(keysOf(":", "nc", "enter", "ctrl+d"), "Delete NodeClaim default-abcde?")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			m := New(ctx, Config{Context: "kind-test", Cluster: "kind-test", Now: fixedNow, Store: fixtureStore(),
				Explain: fakeExplainer(&calls), Actions: &fakeActions{}, Window: time.Millisecond})
			tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(120, 30))
			teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte("gpu")) },
				teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
			for _, st := range tc.steps {
				for _, k := range st.keys {
					tm.Send(k)
				}
				teatest.WaitFor(t, tm.Output(), func(b []byte) bool { return bytes.Contains(b, []byte(st.until)) },
					teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(5*time.Millisecond))
			}
			if err := tm.Quit(); err != nil {
				t.Fatal(err)
			}
			final := tm.FinalModel(t, teatest.WithFinalTimeout(10*time.Second)).(*Model)
			golden.RequireEqual(t, []byte(final.View()))
		})
	}
}

// keysOf turns key names and words into key messages: a word that is not a key name is typed.
func keysOf(keys ...string) []tea.Msg {
	var out []tea.Msg
	for _, k := range keys {
		switch k {
		case "enter", "esc", "tab", "up", "down", "ctrl+c", "ctrl+d", "backspace":
			out = append(out, keyMsg(k))
		default:
			for _, r := range k {
				out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
			}
		}
	}
	return out
}

type step struct {
	keys  []tea.Msg
	until string
}

// steps pairs keys with the text to wait for: keys, text, keys, text...
func steps(pairs ...interface{}) []step {
	var out []step
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, step{keys: pairs[i].([]tea.Msg), until: pairs[i+1].(string)})
	}
	return out
}
