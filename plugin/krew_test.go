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
)

// krewPlugin mirrors krew's index.Plugin (krew.googlecontainertools.github.com/v1alpha2).
// Decoding is strict, so a misspelled or unknown field fails as krew's validation would.
// sigs.k8s.io/krew itself cannot be a dependency: its go.mod drags client-go back to v11.
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

// hack/release.sh builds an archive with the binary and LICENSE and writes its sha256 into the
// manifest. One platform (this machine's) keeps the test to one build.
func TestReleaseScript(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	dist, manifest := t.TempDir(), filepath.Join(t.TempDir(), "krew.yaml")
	data, err := os.ReadFile(filepath.Join(root, "krew.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(manifest, data, 0o644); err != nil {
		t.Fatal(err)
	}
	platform := runtime.GOOS + "/" + runtime.GOARCH
	cmd := exec.Command("bash", filepath.Join(root, "hack", "release.sh"), "v9.8.7")
	cmd.Env = append(os.Environ(), "PLATFORMS="+platform, "DIST="+dist, "KREW_MANIFEST="+manifest)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("release.sh: %v\n%s", err, out)
	}
	archive := filepath.Join(dist, "kubectl-karpenter_"+runtime.GOOS+"_"+runtime.GOARCH+".tar.gz")
	sum := sha256File(t, archive)
	p := readKrewManifest(t, manifest)
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
	sums, err := os.ReadFile(filepath.Join(dist, "sha256sums.txt"))
	if err != nil || !strings.Contains(string(sums), sum) {
		t.Errorf("sha256sums.txt = %q (%v), want %s", sums, err, sum)
	}
	bin := extract(t, archive, t.TempDir())
	out, err := exec.Command(bin, "version").CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "kubectl-karpenter v9.8.7 ") {
		t.Errorf("the released binary's version: %q, %v", out, err)
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
