package controlplane_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// A component that dies while starting is reported at once, with its log, and nothing is left
// running.
func TestStartReportsAComponentThatExits(t *testing.T) {
	controlplane.RequireAssets(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cp, err := controlplane.Start(ctx, controlplane.Options{Dir: dir, APIServerArgs: []string{"--no-such-flag"}})
	if err == nil {
		_ = cp.Stop()
		t.Fatal("Start succeeded with an invalid kube-apiserver flag")
	}
	for _, want := range []string{"kube-apiserver exited", "no-such-flag", dir} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not mention %q:\n%v", want, err)
		}
	}
	if _, statErr := os.Stat(filepath.Join(dir, "logs", "kube-apiserver.log")); statErr != nil {
		t.Errorf("the log was not kept: %v", statErr)
	}
	// etcd had started; it must be gone (its command line names the directory).
	cmdlines, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, path := range cmdlines {
		if data, err := os.ReadFile(path); err == nil && strings.Contains(string(data), dir) {
			t.Errorf("a process started for %s still runs: %s", dir, strings.ReplaceAll(string(data), "\x00", " "))
		}
	}
}
