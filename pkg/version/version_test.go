package version

import (
	"strings"
	"testing"
)

func TestStringCarriesStampedValues(t *testing.T) {
	oldV, oldC := Version, Commit
	t.Cleanup(func() { Version, Commit = oldV, oldC })
	Version, Commit = "v1.2.3", "abc1234"
	got := String()
	for _, want := range []string{"v1.2.3", "commit abc1234", "linux/", "go1."} {
		if !strings.Contains(got, want) && (want != "linux/" || strings.Contains(got, "/")) {
			t.Errorf("String() = %q, want it to contain %q", got, want)
		}
	}
}
