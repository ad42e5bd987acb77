package tui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// requireTmux returns tmux's path. Without tmux the smoke test is skipped on a workstation, and
// fails under CI, where a missing tool must not pass silently.
func requireTmux(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("tmux")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("tmux is required for the TUI smoke test under CI: %v", err)
		}
		t.Skipf("tmux not found (%v); CI requires it", err)
	}
	return path
}

// writeKubeconfig writes an admin kubeconfig for the REST config of the suite's API server.
func writeKubeconfig(t *testing.T, cfg *rest.Config) string {
	t.Helper()
	kc := clientcmdapi.NewConfig()
	kc.Clusters["envtest"] = &clientcmdapi.Cluster{Server: cfg.Host, CertificateAuthorityData: cfg.CAData}
	kc.AuthInfos["admin"] = &clientcmdapi.AuthInfo{ClientCertificateData: cfg.CertData, ClientKeyData: cfg.KeyData, Token: cfg.BearerToken}
	kc.Contexts["envtest"] = &clientcmdapi.Context{Cluster: "envtest", AuthInfo: "admin"}
	kc.CurrentContext = "envtest"
	path := filepath.Join(t.TempDir(), "kubeconfig")
	if err := clientcmd.WriteToFile(*kc, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// tmuxSession is the real binary in a detached tmux session of a fixed size.
type tmuxSession struct {
	t      *testing.T
	tmux   string
	socket string
}

func (s *tmuxSession) run(args ...string) string {
	s.t.Helper()
	out, err := exec.Command(s.tmux, append([]string{"-L", s.socket}, args...)...).CombinedOutput()
	if err != nil {
		s.t.Fatalf("tmux %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func (s *tmuxSession) keys(keys ...string) {
	s.run(append([]string{"send-keys", "-t", "smoke"}, keys...)...)
}

// waitFor polls the pane until it shows every want.
func (s *tmuxSession) waitFor(wants ...string) string {
	s.t.Helper()
	var pane string
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		pane = s.run("capture-pane", "-p", "-t", "smoke")
		for _, w := range wants {
			if !strings.Contains(pane, w) {
				return false, nil
			}
		}
		return true, nil
	})
	if err != nil {
		s.t.Fatalf("the pane does not show %q:\n%s", wants, pane)
	}
	return pane
}

// The binary as a user runs it: built, started under tmux at 120x40 against the API server,
// navigated with keys, read back from the pane.
func TestSmokeBinaryUnderTmux(t *testing.T) {
	tmux := requireTmux(t)
	api, _ := newAPICluster(t)
	smoke := uniq("smoke")
	api.seed(smoke)
	kubeconfig := writeKubeconfig(t, suite.APIServer(t))

	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "kubectl-karpenter")
	build := exec.Command("go", "build", "-o", bin, "./cmd/kubectl-karpenter")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}

	s := &tmuxSession{t: t, tmux: tmux, socket: "kk-tui-smoke-" + strings.ReplaceAll(t.Name(), "/", "-") + "-" + time.Now().Format("150405.000")}
	s.run("-f", "/dev/null", "new-session", "-d", "-s", "smoke", "-x", "120", "-y", "40",
		bin+" tui --read-only --kubeconfig "+kubeconfig)
	t.Cleanup(func() { _ = exec.Command(tmux, "-L", s.socket, "kill-server").Run() })

	s.waitFor("context: envtest", "nodepools", smoke, "[read-only]")
	s.keys("/", smoke, "Enter")
	s.waitFor("filter: " + smoke)
	s.keys("Enter")
	s.waitFor("nodepools › "+smoke, smoke+"-aaaaa")
	s.keys("Enter")
	pane := s.waitFor(smoke+"-aaaaa", "1 Timeline", "Launched m5.large (on-demand)")
	t.Logf("the NodeClaim's timeline at 120x40:\n%s", pane)
	s.keys("Escape", "Escape")
	s.keys(":", "pending", "Enter")
	s.waitFor("web-2")
	s.keys("?")
	s.waitFor("Keys", "sort by column")
	s.keys("?", "q")
	err = wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 10*time.Second, true, func(context.Context) (bool, error) {
		return exec.Command(tmux, "-L", s.socket, "has-session", "-t", "smoke").Run() != nil, nil
	})
	if err != nil {
		t.Fatalf("q did not quit: %s", s.run("capture-pane", "-p", "-t", "smoke"))
	}
}
