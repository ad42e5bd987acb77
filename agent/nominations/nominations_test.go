package nominations

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestNominationsExpireUnlessRenewed(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	tr := New(clk, 20*time.Second)
	tr.Nominate("nc-a", "")
	if got := tr.Until("nc-a", "node-a"); !got.Equal(time.Unix(20, 0)) {
		t.Fatalf("Until = %v, want 20s after the nomination", got)
	}
	if !tr.Until("node-b").IsZero() {
		t.Fatal("a name never nominated is reported nominated")
	}
	clk.Step(15 * time.Second)
	tr.Nominate("nc-a") // the next batch renews it
	clk.Step(15 * time.Second)
	if got := tr.Until("nc-a"); !got.Equal(time.Unix(35, 0)) {
		t.Fatalf("renewed nomination = %v, want 35s", got)
	}
	clk.Step(5 * time.Second)
	if !tr.Until("nc-a").IsZero() {
		t.Fatal("a nomination outlived its TTL")
	}
}

func TestUntilReturnsTheLatestOfSeveralNames(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	tr := New(clk, 10*time.Second)
	tr.Nominate("nodeclaim")
	clk.Step(4 * time.Second)
	tr.Nominate("node")
	if got := tr.Until("nodeclaim", "node"); !got.Equal(time.Unix(14, 0)) {
		t.Fatalf("Until = %v, want the node's later expiry", got)
	}
}
