package controlplane

import (
	"errors"
	"strings"
	"testing"
)

func TestAssetsReportsMissingBinariesWithTheBuildCommand(t *testing.T) {
	t.Setenv("KARPENTER_CACHE_DIR", t.TempDir())
	a, err := Assets()
	if !errors.Is(err, ErrAssetsMissing) {
		t.Fatalf("Assets() error = %v, want ErrAssetsMissing", err)
	}
	if !strings.HasPrefix(a.KubeAPIServer, a.CacheRoot) {
		t.Errorf("kube-apiserver %q is not under the cache %q", a.KubeAPIServer, a.CacheRoot)
	}
	t.Setenv("CI", "true")
	msg := missingAssetsMessage(err)
	for _, want := range []string{"make cluster-binaries", "hack/controlplane/build.sh", "CI is set", a.KubeAPIServer} {
		if !strings.Contains(msg, want) {
			t.Errorf("message does not mention %q:\n%s", want, msg)
		}
	}
}

func TestFreePortsAreDistinct(t *testing.T) {
	ports, err := FreePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[int]bool{}
	for _, p := range ports {
		if p <= 0 || seen[p] {
			t.Fatalf("ports %v: invalid or duplicate", ports)
		}
		seen[p] = true
	}
}
