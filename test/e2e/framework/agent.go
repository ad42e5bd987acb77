package framework

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// Agent is a running karpenter-agent process.
type Agent struct {
	Name    string
	cmd     *exec.Cmd
	logPath string
	health  int
	metrics int
	done    chan error
	peakRSS int64
}

// AgentOptions are extra flags; the framework sets the kubeconfig, ports and a fast launch.
type AgentOptions struct {
	Args []string
	// Name tells replicas apart in logs.
	Name string
}

// StartAgent runs the agent binary against the environment's control plane with the simulated
// provider, waits until it answers /healthz, and kills it when the test ends.
func (e *Env) StartAgent(t testing.TB, o AgentOptions) *Agent {
	t.Helper()
	bin := AgentBinary(t)
	ports, err := controlplane.FreePorts(2)
	if err != nil {
		t.Fatal(err)
	}
	if o.Name == "" {
		o.Name = "agent"
	}
	a := &Agent{Name: o.Name, health: ports[0], metrics: ports[1], done: make(chan error, 1),
		logPath: filepath.Join(t.TempDir(), o.Name+".log")}
	args := append([]string{
		"--kubeconfig=" + e.CP.KubeconfigPath(),
		"--cloud-provider=simulated",
		"--leader-election-namespace=karpenter",
		"--sim-launch-delay=200ms",
		"--log-level=debug",
		fmt.Sprintf("--health-probe-bind-address=127.0.0.1:%d", a.health),
		fmt.Sprintf("--metrics-bind-address=127.0.0.1:%d", a.metrics),
	}, o.Args...)
	logFile, err := os.Create(a.logPath)
	if err != nil {
		t.Fatal(err)
	}
	a.cmd = exec.Command(bin, args...)
	a.cmd.Stdout, a.cmd.Stderr = logFile, logFile
	if err := a.cmd.Start(); err != nil {
		t.Fatalf("starting the agent: %v", err)
	}
	go func() {
		a.done <- a.cmd.Wait()
		_ = logFile.Close()
	}()
	t.Cleanup(func() {
		a.Kill()
		if t.Failed() {
			t.Logf("---- %s log (last 60 lines)\n%s", a.Name, a.LogTail(60))
		}
	})
	a.waitHealthy(t)
	return a
}

func (a *Agent) waitHealthy(t testing.TB) {
	t.Helper()
	url := fmt.Sprintf("http://127.0.0.1:%d/healthz", a.health)
	var lastProbe error
	err := wait.PollUntilContextTimeout(context.Background(), 100*time.Millisecond, 60*time.Second, true, func(ctx context.Context) (bool, error) {
		select {
		case err := <-a.done:
			a.done <- err
			if err == nil {
				return false, fmt.Errorf("the agent exited with status 0\n%s", a.LogTail(40))
			}
			return false, fmt.Errorf("the agent exited: %w\n%s", err, a.LogTail(40))
		default:
		}
		healthy, err := probeHealth(url)
		if err != nil {
			// Not listening yet: keep polling, and report the error if the deadline passes first.
			lastProbe = err
		}
		return healthy, nil
	})
	if err != nil {
		t.Fatalf("waiting for %s to be healthy: %v (last probe error: %v)", a.Name, err, lastProbe)
	}
}

// probeHealth reports whether the health endpoint at url answers 200 OK; the error says why it
// could not be reached.
func probeHealth(url string) (bool, error) {
	resp, err := http.Get(url) //nolint:gosec,noctx // a loopback probe in a test
	if err != nil {
		return false, fmt.Errorf("probing %s: %w", url, err)
	}
	_ = resp.Body.Close()
	return resp.StatusCode == http.StatusOK, nil
}

// Kill stops the agent at once, as a crash or an OOM kill would: no graceful shutdown, no Lease
// release.
func (a *Agent) Kill() {
	if a.cmd.ProcessState != nil {
		return
	}
	a.samplePeakRSS()
	_ = a.cmd.Process.Signal(syscall.SIGKILL)
	a.wait()
}

// Stop asks the agent to shut down gracefully and waits for it.
func (a *Agent) Stop() {
	if a.cmd.ProcessState != nil {
		return
	}
	a.samplePeakRSS()
	_ = a.cmd.Process.Signal(syscall.SIGTERM)
	a.wait()
}

func (a *Agent) wait() {
	select {
	case err := <-a.done:
		a.done <- err
	case <-time.After(30 * time.Second):
		_ = a.cmd.Process.Kill()
	}
}

// samplePeakRSS reads the process's high-water mark of resident memory (VmHWM) while it lives.
func (a *Agent) samplePeakRSS() {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", a.cmd.Process.Pid))
	if err != nil {
		return
	}
	defer func() { _ = f.Close() }() // read-only: a close error cannot matter
	s := bufio.NewScanner(f)
	for s.Scan() {
		if rest, ok := strings.CutPrefix(s.Text(), "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err == nil {
				a.peakRSS = kb * 1024
			}
		}
	}
}

// PeakRSS is the agent's peak resident memory in bytes, read from /proc while it runs.
func (a *Agent) PeakRSS() int64 {
	if a.cmd.ProcessState == nil {
		a.samplePeakRSS()
	}
	return a.peakRSS
}

// Metrics returns the agent's /metrics text.
func (a *Agent) Metrics() (string, error) {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", a.metrics)) //nolint:gosec,noctx // loopback
	if err != nil {
		return "", fmt.Errorf("fetching metrics: %w", err)
	}
	defer func() { _ = resp.Body.Close() }() // only read from: a close error cannot matter
	var b strings.Builder
	s := bufio.NewScanner(resp.Body)
	s.Buffer(make([]byte, 1<<20), 1<<20)
	for s.Scan() {
		b.WriteString(s.Text())
		b.WriteByte('\n')
	}
	return b.String(), nil
}

// LogTail returns the last n lines of the agent's log.
func (a *Agent) LogTail(n int) string {
	b, err := os.ReadFile(a.logPath)
	if err != nil {
		return err.Error()
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// Log returns the agent's whole log.
func (a *Agent) Log() string {
	b, _ := os.ReadFile(a.logPath)
	return string(b)
}
