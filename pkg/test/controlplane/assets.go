package controlplane

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// BuildCommand is what a developer or CI runs to put the binaries into the cache.
const BuildCommand = "make cluster-binaries   (or: hack/controlplane/build.sh all)"

// ErrAssetsMissing is wrapped by Assets when a binary has not been built yet.
var ErrAssetsMissing = errors.New("control-plane binaries are missing")

// BinaryAssets are the cached binaries of the local control plane, as built by
// hack/controlplane/build.sh.
type BinaryAssets struct {
	Etcd                  string
	KubeAPIServer         string
	KubeControllerManager string
	KubeScheduler         string
	Kubectl               string
	KWOK                  string
	// KWOKStages are KWOK Stage manifests (node-initialize, node-heartbeat-with-lease, pod-ready,
	// pod-complete, pod-delete), passed to KWOK as --config files.
	KWOKStages []string

	CacheRoot         string
	KubernetesVersion string
	EtcdVersion       string
	KWOKVersion       string
}

// Assets returns the paths of the cached binaries. The versions and the cache location come from
// hack/controlplane/versions.sh (evaluated by bash, so that its environment overrides apply and
// the scripts and the tests can never disagree). The error wraps ErrAssetsMissing when the build
// has not run.
func Assets() (BinaryAssets, error) {
	root, err := RepoRoot()
	if err != nil {
		return BinaryAssets{}, err
	}
	script := filepath.Join(root, "hack", "controlplane", "versions.sh")
	// $0 is the script path; printf one value per line in a fixed order.
	out, err := exec.Command("bash", "-c",
		`set -eu; source "$0"; printf '%s\n' "$CACHE_ROOT" "$K8S_DIR" "$ETCD_DIR" "$KWOK_DIR" "$K8S_VERSION" "$ETCD_VERSION" "$KWOK_VERSION"`,
		script).Output()
	if err != nil {
		return BinaryAssets{}, fmt.Errorf("evaluating %s: %w", script, err)
	}
	v := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(v) != 7 {
		return BinaryAssets{}, fmt.Errorf("evaluating %s: unexpected output %q", script, out)
	}
	k8sDir, etcdDir, kwokDir := v[1], v[2], v[3]
	a := BinaryAssets{
		Etcd:                  filepath.Join(etcdDir, "etcd"),
		KubeAPIServer:         filepath.Join(k8sDir, "kube-apiserver"),
		KubeControllerManager: filepath.Join(k8sDir, "kube-controller-manager"),
		KubeScheduler:         filepath.Join(k8sDir, "kube-scheduler"),
		Kubectl:               filepath.Join(k8sDir, "kubectl"),
		KWOK:                  filepath.Join(kwokDir, "kwok"),
		CacheRoot:             v[0],
		KubernetesVersion:     v[4],
		EtcdVersion:           v[5],
		KWOKVersion:           v[6],
	}
	a.KWOKStages, _ = filepath.Glob(filepath.Join(kwokDir, "stages", "*.yaml"))

	var missing []string
	// build.sh writes .complete last, so a half-finished build counts as missing.
	for _, dir := range []string{k8sDir, etcdDir, kwokDir} {
		if _, err := os.Stat(filepath.Join(dir, ".complete")); err != nil {
			missing = append(missing, dir)
		}
	}
	for _, bin := range []string{a.Etcd, a.KubeAPIServer, a.KubeControllerManager, a.KubeScheduler, a.Kubectl, a.KWOK} {
		if fi, err := os.Stat(bin); err != nil || fi.Mode()&0o111 == 0 {
			missing = append(missing, bin)
		}
	}
	if len(a.KWOKStages) == 0 {
		missing = append(missing, filepath.Join(kwokDir, "stages", "*.yaml"))
	}
	if len(missing) > 0 {
		return a, fmt.Errorf("%w: %s", ErrAssetsMissing, strings.Join(missing, ", "))
	}
	return a, nil
}

// RequireAssets returns the binaries or fails the test with the command that builds them. It
// never skips: a test suite that silently skips its end-to-end tests looks green while testing
// nothing, on a laptop as much as in CI.
func RequireAssets(t testing.TB) BinaryAssets {
	t.Helper()
	a, err := Assets()
	if err != nil {
		t.Fatal(missingAssetsMessage(err))
	}
	return a
}

func missingAssetsMessage(err error) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%v\nBuild them once (about 15 minutes cold on 2 cores; cached afterwards) with:\n  %s\n", err, BuildCommand)
	if os.Getenv("CI") != "" {
		b.WriteString("CI is set: the build must run before the tests (make test does it).\n")
	}
	return b.String()
}

// EnvtestAssetsDir returns a directory holding etcd, kube-apiserver and kubectl side by side, as
// controller-runtime's envtest expects in Environment.BinaryAssetsDirectory or KUBEBUILDER_ASSETS.
// It is a directory of symbolic links in the cache, created once per version pair.
func EnvtestAssetsDir() (string, error) {
	a, err := Assets()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(a.CacheRoot, "envtest-"+a.KubernetesVersion+"-"+a.EtcdVersion)
	links := map[string]string{"etcd": a.Etcd, "kube-apiserver": a.KubeAPIServer, "kubectl": a.Kubectl}
	if envtestDirValid(dir, links) {
		return dir, nil
	}
	// Built aside and renamed into place, so that test binaries running in parallel never see a
	// half-made directory.
	tmp, err := os.MkdirTemp(a.CacheRoot, ".envtest-")
	if err != nil {
		return "", fmt.Errorf("creating the envtest assets directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(tmp) }()
	for name, target := range links {
		if err := os.Symlink(target, filepath.Join(tmp, name)); err != nil {
			return "", fmt.Errorf("linking %s: %w", name, err)
		}
	}
	if err := os.Rename(tmp, dir); err != nil {
		// Another process won the race, or a stale directory is in the way.
		if envtestDirValid(dir, links) {
			return dir, nil
		}
		if err := os.RemoveAll(dir); err != nil {
			return "", fmt.Errorf("removing stale %s: %w", dir, err)
		}
		if err := os.Rename(tmp, dir); err != nil && !envtestDirValid(dir, links) {
			return "", fmt.Errorf("creating %s: %w", dir, err)
		}
	}
	return dir, nil
}

// RequireEnvtestAssetsDir is EnvtestAssetsDir for tests: it fails the test with the build command
// when the binaries are missing.
func RequireEnvtestAssetsDir(t testing.TB) string {
	t.Helper()
	RequireAssets(t)
	dir, err := EnvtestAssetsDir()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

func envtestDirValid(dir string, links map[string]string) bool {
	for name, target := range links {
		got, err := os.Readlink(filepath.Join(dir, name))
		if err != nil || got != target {
			return false
		}
	}
	return true
}

// RepoRoot finds the repository root: the nearest directory above the working directory (tests
// run in their package's directory) or above this source file that holds
// hack/controlplane/versions.sh.
func RepoRoot() (string, error) {
	var starts []string
	if wd, err := os.Getwd(); err == nil {
		starts = append(starts, wd)
	}
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		starts = append(starts, filepath.Dir(file))
	}
	for _, dir := range starts {
		for {
			if _, err := os.Stat(filepath.Join(dir, "hack", "controlplane", "versions.sh")); err == nil {
				return dir, nil
			}
			parent := filepath.Dir(dir)
			if parent == dir {
				break
			}
			dir = parent
		}
	}
	return "", fmt.Errorf("hack/controlplane/versions.sh not found above %s", strings.Join(starts, " or "))
}

// tail returns the last n lines of a file, for error messages.
func tail(path string, n int) string {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(cannot read %s: %v)", path, err)
	}
	lines := bytes.Split(bytes.TrimRight(data, "\n"), []byte("\n"))
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return string(bytes.Join(lines, []byte("\n")))
}
