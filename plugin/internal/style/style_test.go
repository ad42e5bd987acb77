package style

import (
	"bytes"
	"os"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestColourOnlyOnATerminalWithoutNoColor(t *testing.T) {
	if For(&bytes.Buffer{}, env(nil)).Enabled() {
		t.Error("colour is on for a buffer")
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	if For(f, env(nil)).Enabled() {
		t.Error("colour is on for a regular file")
	}
	if For(os.Stdout, env(map[string]string{"NO_COLOR": "1"})).Enabled() {
		t.Error("colour is on although NO_COLOR is set")
	}
	if got := (Style{}).Red("x"); got != "x" {
		t.Errorf("Red without colour = %q", got)
	}
	if got := On().Red("x"); got != "\x1b[31mx\x1b[0m" {
		t.Errorf("Red with colour = %q", got)
	}
}
