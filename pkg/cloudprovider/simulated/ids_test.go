package simulated

import (
	"regexp"
	"testing"
)

func TestInstanceIDsAreEC2Shaped(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id, err := newInstanceID()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^i-[0-9a-f]{17}$`).MatchString(id) {
			t.Fatalf("instance id %q is not i-<17 hex>", id)
		}
		if seen[id] {
			t.Fatalf("instance id %q repeated", id)
		}
		seen[id] = true
	}
}

func TestProviderIDRoundTrip(t *testing.T) {
	pid := ProviderID("us-east-1b", "i-0123456789abcdef0")
	if pid != "sim:///us-east-1b/i-0123456789abcdef0" {
		t.Fatalf("ProviderID = %q", pid)
	}
	zone, id, err := ParseProviderID(pid)
	if err != nil || zone != "us-east-1b" || id != "i-0123456789abcdef0" {
		t.Fatalf("ParseProviderID(%q) = %q, %q, %v", pid, zone, id, err)
	}
	for _, bad := range []string{
		"aws:///us-east-1b/i-0123456789abcdef0",
		"sim:///us-east-1b",
		"sim:////i-0123456789abcdef0",
		"sim:///us-east-1b/i-0123",
		"sim:///us-east-1b/i-0123456789ABCDEF0",
	} {
		if _, _, err := ParseProviderID(bad); err == nil {
			t.Errorf("ParseProviderID(%q) accepted a malformed provider ID", bad)
		}
	}
}

func TestRecordNamesStayValidForLongNodeClaimNames(t *testing.T) {
	if got := recordName("default-abcde"); got != "nc-default-abcde" {
		t.Errorf("recordName = %q", got)
	}
	long := make([]byte, 253)
	for i := range long {
		long[i] = 'a'
	}
	a, b := recordName(string(long)), recordName(string(long[:252])+"b")
	if len(a) > 253 || len(b) > 253 || a == b {
		t.Errorf("long names: %d and %d characters, equal=%v", len(a), len(b), a == b)
	}
}
