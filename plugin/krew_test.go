package plugin

import (
	"archive/tar"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// krewPlugin mirrors krew's index.Plugin (krew.googlecontainertools.github.com/v1alpha2).
// Decoding is strict, so a misspelled or unknown field fails as krew's validation would.
// sigs.k8s.io/krew itself is no dependency of this module (its go.mod would pull in an older
// client-go): TestReleaseScript runs krew's own tools, built from hack/tools/krew.
type krewPlugin struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Metadata   struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		Version          string         `json:"version"`
		Homepage         string         `json:"homepage"`
		ShortDescription string         `json:"shortDescription"`
		Description      string         `json:"description"`
		Caveats          string         `json:"caveats"`
		Platforms        []krewPlatform `json:"platforms"`
	} `json:"spec"`
}

type krewPlatform struct {
	Selector struct {
		MatchLabels map[string]string `json:"matchLabels"`
	} `json:"selector"`
	URI    string `json:"uri"`
	Sha256 string `json:"sha256"`
	Bin    string `json:"bin"`
	Files  []struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"files"`
}

var (
	semver = regexp.MustCompile(`^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-[0-9A-Za-z.-]+)?$`)
	hex64  = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

func readKrewManifest(t *testing.T, path string) krewPlugin {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var p krewPlugin
	if err := yaml.UnmarshalStrict(data, &p); err != nil {
		t.Fatalf("%s is not a krew Plugin manifest: %v", path, err)
	}
	return p
}

func TestKrewManifest(t *testing.T) {
	p := readKrewManifest(t, filepath.Join("..", "krew.yaml"))
	if p.APIVersion != "krew.googlecontainertools.github.com/v1alpha2" || p.Kind != "Plugin" || p.Metadata.Name != "karpenter" {
		t.Errorf("apiVersion/kind/name = %s/%s/%s", p.APIVersion, p.Kind, p.Metadata.Name)
	}
	s := p.Spec
	if !semver.MatchString(s.Version) {
		t.Errorf("version %q is not vX.Y.Z", s.Version)
	}
	if s.ShortDescription == "" || len(s.ShortDescription) > 50 {
		t.Errorf("shortDescription %q: want 1 to 50 characters", s.ShortDescription)
	}
	for _, line := range strings.Split(s.Description, "\n") {
		if len(line) > 80 {
			t.Errorf("description line over 80 columns: %q", line)
		}
	}
	for _, want := range []string{"credentials", "metrics-server"} {
		if !strings.Contains(s.Caveats, want) {
			t.Errorf("caveats do not mention %s", want)
		}
	}
	want := map[string]bool{"linux/amd64": true, "linux/arm64": true, "darwin/amd64": true, "darwin/arm64": true, "windows/amd64": true}
	for _, pl := range s.Platforms {
		l := pl.Selector.MatchLabels
		key := l["os"] + "/" + l["arch"]
		if len(l) != 2 || !want[key] {
			t.Errorf("platform selector %v: want exactly os and arch of a supported platform, once each", l)
			continue
		}
		delete(want, key)
		archive := "kubectl-karpenter_" + l["os"] + "_" + l["arch"] + ".tar.gz"
		if !strings.HasPrefix(pl.URI, "https://") || !strings.HasSuffix(pl.URI, "/"+s.Version+"/"+archive) {
			t.Errorf("%s: uri %q is not the %s archive of %s", key, pl.URI, archive, s.Version)
		}
		if !hex64.MatchString(pl.Sha256) {
			t.Errorf("%s: sha256 %q is not 64 lowercase hex digits", key, pl.Sha256)
		}
		bin := "kubectl-karpenter"
		if l["os"] == "windows" {
			bin += ".exe"
		}
		if pl.Bin != bin {
			t.Errorf("%s: bin %q, want %q", key, pl.Bin, bin)
		}
		files := map[string]bool{}
		for _, f := range pl.Files {
			files[f.From] = true
		}
		if !files[bin] || !files["LICENSE"] {
			t.Errorf("%s: files %v do not install the binary and LICENSE", key, pl.Files)
		}
	}
	for key := range want {
		t.Errorf("no platform for %s", key)
	}
}

// release is one run of hack/release.sh for this machine's platform, as `make release` runs
// it, into a temporary dist directory and a copy of krew.yaml.
type release struct {
	root, dist, manifest, archive, platform string
}

// buildRelease runs hack/release.sh v9.8.7 for this machine's platform only (one build keeps
// the test short).
func buildRelease(t *testing.T) release {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	r := release{root: root, dist: t.TempDir(), manifest: filepath.Join(t.TempDir(), "krew.yaml"), platform: runtime.GOOS + "/" + runtime.GOARCH}
	data, err := os.ReadFile(filepath.Join(root, "krew.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(r.manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "hack", "release.sh"), "v9.8.7")
	cmd.Env = append(os.Environ(), "PLATFORMS="+r.platform, "DIST="+r.dist, "KREW_MANIFEST="+r.manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	r.archive = filepath.Join(r.dist, "kubectl-karpenter_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")
	return r
}

// hack/release.sh builds an archive with the binary and LICENSE and writes its sha256 into the
// manifest; krew's own validator accepts the manifest, and krew installs the plugin from it.
func TestReleaseScript(t *testing.T) {
	rel := buildRelease(t)
	archive, platform := rel.archive, rel.platform
	sum := sha256File(t, archive)
	p := readKrewManifest(t, rel.manifest)
	if p.Spec.Version != "v9.8.7" {
		t.Errorf("version = %s, want v9.8.7", p.Spec.Version)
	}
	for _, pl := range p.Spec.Platforms {
		key := pl.Selector.MatchLabels["os"] + "/" + pl.Selector.MatchLabels["arch"]
		if !strings.Contains(pl.URI, "/download/v9.8.7/") {
			t.Errorf("%s: uri %s not rewritten to v9.8.7", key, pl.URI)
		}
		if key == platform && pl.Sha256 != sum {
			t.Errorf("%s: sha256 %s, want the archive's %s", key, pl.Sha256, sum)
		}
	}
	sums, err := os.ReadFile(filepath.Join(rel.dist, "sha256sums.txt"))
	if err != nil || !strings.Contains(string(sums), sum) {
		t.Errorf("sha256sums.txt = %q (%v), want %s", sums, err, sum)
	}
	bin := extract(t, archive, t.TempDir())
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "kubectl-karpenter v9.8.7 ") {
		t.Errorf("the released binary's version: %q, %v", out, err)
	}

	tools := krewTools(t)
	t.Run("validate-krew-manifest", func(t *testing.T) {
		for name, manifest := range map[string]string{"krew.yaml": filepath.Join(rel.root, "krew.yaml"), "the released manifest": rel.manifest} {
			validateKrewManifest(t, tools, name, manifest)
		}
	})
	t.Run("krew install", func(t *testing.T) {
		krewInstall(t, tools, rel)
	})
}

// krewTools builds (once, cached by version) krew and validate-krew-manifest from their own
// module, hack/tools/krew, and returns their directory. Without them the test skips, unless CI
// is set: there a missing tool is a failure.
func krewTools(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", filepath.Join(root, "hack", "tools", "krew", "build.sh"))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := "building krew with hack/tools/krew/build.sh (make krew-tools): " + err.Error() + "\n" + stderr.String()
		if os.Getenv("CI") != "" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return strings.TrimSpace(string(out))
}

// validateKrewManifest runs krew's validator, which wants the file named after the plugin.
func validateKrewManifest(t *testing.T, tools, name, manifest string) {
	t.Helper()
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	named := filepath.Join(t.TempDir(), "karpenter.yaml")
	if err := os.WriteFile(named, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(filepath.Join(tools, "validate-krew-manifest"), "-manifest", named, "-skip-install").CombinedOutput()
	if err != nil {
		t.Errorf("validate-krew-manifest -skip-install rejects %s: %v\n%s", name, err, out)
	}
}

// krewInstall installs the release archive with `kubectl krew install` into a temporary
// KREW_ROOT, then runs `kubectl karpenter version` through kubectl's plugin lookup.
func krewInstall(t *testing.T, tools string, rel release) {
	t.Helper()
	kubectl := controlplane.RequireAssets(t).Kubectl
	bin, krewRoot := t.TempDir(), t.TempDir()
	// kubectl finds krew as the plugin kubectl-krew on the PATH.
	if err := os.Symlink(filepath.Join(tools, "krew"), filepath.Join(bin, "kubectl-krew")); err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(),
		"KREW_ROOT="+krewRoot,
		"KREW_NO_UPGRADE_CHECK=1",
		"PATH="+strings.Join([]string{bin, filepath.Join(krewRoot, "bin"), filepath.Dir(kubectl)}, string(os.PathListSeparator)),
	)
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(kubectl, args...)
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	if out := run("krew", "install", "--manifest="+rel.manifest, "--archive="+rel.archive); !strings.Contains(out, "Installed plugin: karpenter") {
		t.Errorf("kubectl krew install said:\n%s", out)
	}
	if out := run("karpenter", "version"); !strings.HasPrefix(out, "kubectl-karpenter v9.8.7 ") {
		t.Errorf("kubectl karpenter version after krew install: %q", out)
	}
	// krew list would need the plugin index from the network; its receipt is what it reads.
	if _, err := os.Stat(filepath.Join(krewRoot, "receipts", "karpenter.yaml")); err != nil {
		t.Errorf("krew wrote no receipt for karpenter: %v", err)
	}
}

func sha256File(t *testing.T, path string) string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// extract unpacks the archive, checks it holds exactly the binary and LICENSE, and returns the
// binary's path.
func extract(t *testing.T, archive, dir string) string {
	t.Helper()
	f, err := os.Open(archive)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(gz)
	var names []string
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name)
		out, err := os.OpenFile(filepath.Join(dir, filepath.Base(h.Name)), os.O_CREATE|os.O_WRONLY, os.FileMode(h.Mode))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.Copy(out, tr); err != nil {
			t.Fatal(err)
		}
		_ = out.Close()
	}
	if strings.Join(names, ",") != "LICENSE,kubectl-karpenter" && strings.Join(names, ",") != "kubectl-karpenter,LICENSE" {
		t.Errorf("archive holds %v, want kubectl-karpenter and LICENSE", names)
	}
	return filepath.Join(dir, "kubectl-karpenter")
}
