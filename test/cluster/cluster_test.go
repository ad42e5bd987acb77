// Package cluster tests the local control plane itself: the scripts behind make cluster-up and
// make cluster-down, and the Go harness that the end-to-end suites use.
package cluster_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// components are the processes up.sh records, one PID file each.
var components = []string{"etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler", "kwok"}

// scripts runs hack/controlplane/{up,down}.sh against a private state directory and private
// ports, so that a developer's own cluster (default .local and ports) is never touched.
type scripts struct {
	t     *testing.T
	dir   string // hack/controlplane
	state string
	env   []string
}

func newScripts(t *testing.T) *scripts {
	t.Helper()
	controlplane.RequireAssets(t)
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	ports, err := controlplane.FreePorts(6)
	if err != nil {
		t.Fatal(err)
	}
	s := &scripts{t: t, dir: filepath.Join(root, "hack", "controlplane"), state: t.TempDir()}
	s.env = append(os.Environ(),
		"CONTROLPLANE_STATE_DIR="+s.state,
		"CONTROLPLANE_APISERVER_PORT="+strconv.Itoa(ports[0]),
		"CONTROLPLANE_ETCD_PORT="+strconv.Itoa(ports[1]),
		"CONTROLPLANE_ETCD_PEER_PORT="+strconv.Itoa(ports[2]),
		"CONTROLPLANE_CONTROLLER_MANAGER_PORT="+strconv.Itoa(ports[3]),
		"CONTROLPLANE_SCHEDULER_PORT="+strconv.Itoa(ports[4]),
		"CONTROLPLANE_KWOK_PORT="+strconv.Itoa(ports[5]),
	)
	// Whatever happens, do not leave a cluster behind.
	t.Cleanup(func() {
		if _, err := s.run("down.sh"); err != nil {
			t.Errorf("cleanup: %v", err)
		}
	})
	return s
}

func (s *scripts) run(script string) (time.Duration, error) {
	// The first up.sh may compile the certificate generator; later ones take seconds.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(s.dir, script))
	cmd.Env = s.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		return took, fmt.Errorf("%s: %w\n%s", script, err, out.String())
	}
	return took, nil
}

func (s *scripts) mustRun(script string) time.Duration {
	s.t.Helper()
	took, err := s.run(script)
	if err != nil {
		s.t.Fatal(err)
	}
	return took
}

// pids reads the PID of every component from up.sh's PID files ("<pid> <binary>").
func (s *scripts) pids() map[string]int {
	s.t.Helper()
	pids := map[string]int{}
	for _, c := range components {
		data, err := os.ReadFile(filepath.Join(s.state, "controlplane", "pids", c+".pid"))
		if err != nil {
			s.t.Fatalf("PID file of %s: %v", c, err)
		}
		fields := strings.Fields(string(data))
		if len(fields) != 2 {
			s.t.Fatalf("PID file of %s: %q, want \"<pid> <binary>\"", c, data)
		}
		pid, err := strconv.Atoi(fields[0])
		if err != nil {
			s.t.Fatalf("PID file of %s: %v", c, err)
		}
		pids[c] = pid
	}
	return pids
}

// alive reports whether a PID is a running process (a zombie awaiting its reaper has exited).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// The state follows the command name, which is in parentheses and may contain spaces.
	rest := stat[bytes.LastIndexByte(stat, ')')+1:]
	fields := strings.Fields(string(rest))
	return len(fields) > 0 && fields[0] != "Z" && fields[0] != "X"
}

// rssKiB sums the resident memory of the processes, from /proc/<pid>/status.
func rssKiB(t *testing.T, pids map[string]int) int {
	t.Helper()
	total := 0
	for _, c := range components {
		pid := pids[c]
		status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
		if err != nil {
			t.Fatalf("%s: %v", c, err)
		}
		for _, line := range strings.Split(string(status), "\n") {
			if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
				kib, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
				if err != nil {
					t.Fatalf("%s: VmRSS %q: %v", c, rest, err)
				}
				t.Logf("  %-24s %4d MiB", c, kib/1024)
				total += kib
			}
		}
	}
	return total
}

func assertReady(t *testing.T, kubeconfig string) {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatalf("loading %s: %v", kubeconfig, err)
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	body, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(context.Background())
	if err != nil || string(body) != "ok" {
		t.Fatalf("/readyz = %q, %v; want ok", body, err)
	}
}

// TestUpDownTwice is make cluster-up / make cluster-down, twice in a row: each up is healthy, a
// second up while running starts nothing, and each down leaves no process and no data behind.
func TestUpDownTwice(t *testing.T) {
	s := newScripts(t)
	kubeconfig := filepath.Join(s.state, "kubeconfig")
	for round := 1; round <= 2; round++ {
		took := s.mustRun("up.sh")
		t.Logf("round %d: up.sh returned healthy after %s", round, took.Round(10*time.Millisecond))
		assertReady(t, kubeconfig)
		pids := s.pids()
		for c, pid := range pids {
			if !alive(pid) {
				t.Fatalf("round %d: %s (pid %d) is not running after up.sh", round, c, pid)
			}
		}
		if round == 1 {
			t.Logf("RSS of the control plane just after start: %d MiB", rssKiB(t, pids)/1024)
		}

		s.mustRun("up.sh")
		if again := s.pids(); fmt.Sprint(again) != fmt.Sprint(pids) {
			t.Fatalf("round %d: up.sh while running changed the processes: %v -> %v", round, pids, again)
		}
		assertReady(t, kubeconfig)

		s.mustRun("down.sh")
		for c, pid := range pids {
			if alive(pid) {
				t.Errorf("round %d: %s (pid %d) still runs after down.sh", round, c, pid)
			}
		}
		for _, gone := range []string{kubeconfig, filepath.Join(s.state, "controlplane", "etcd"), filepath.Join(s.state, "controlplane", "pki")} {
			if _, err := os.Stat(gone); !os.IsNotExist(err) {
				t.Errorf("round %d: %s survived down.sh (%v)", round, gone, err)
			}
		}
	}
	// down.sh with nothing running is harmless.
	s.mustRun("down.sh")
}

// TestPodRunsOnKWOKNode: with the Go harness, a pod created next to a KWOK node is bound to it by
// kube-scheduler and becomes Running through KWOK.
func TestPodRunsOnKWOKNode(t *testing.T) {
	cp := controlplane.StartT(t, controlplane.AllComponents())
	client, err := kubernetes.NewForConfig(cp.RESTConfig())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	node := controlplane.NewKWOKNode("kwok-node-1", "4", "16Gi", map[string]string{"topology.kubernetes.io/zone": "test-1a"})
	if _, err := client.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the node: %v", err)
	}
	// Ready (KWOK) and without the not-ready taint (controller-manager), so that the timing below
	// measures the pod alone.
	err = wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		n, err := client.CoreV1().Nodes().Get(ctx, node.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, taint := range n.Spec.Taints {
			if taint.Key == corev1.TaintNodeNotReady {
				return false, nil
			}
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.Status == corev1.ConditionTrue, nil
			}
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("waiting for the node to be Ready and untainted: %v", err)
	}

	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:  "web",
			Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU:    resource.MustParse("500m"),
				corev1.ResourceMemory: resource.MustParse("256Mi"),
			}},
		}}},
	}
	created := time.Now()
	if _, err := client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating the pod: %v", err)
	}
	var last *corev1.Pod
	err = wait.PollUntilContextTimeout(ctx, 50*time.Millisecond, time.Minute, true, func(ctx context.Context) (bool, error) {
		p, err := client.CoreV1().Pods(pod.Namespace).Get(ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		last = p
		return p.Spec.NodeName != "" && p.Status.Phase == corev1.PodRunning, nil
	})
	if err != nil {
		t.Fatalf("waiting for the pod to run: %v; last seen: node %q, phase %q, conditions %v",
			err, last.Spec.NodeName, last.Status.Phase, last.Status.Conditions)
	}
	t.Logf("pod Running on a KWOK node %s after creation", time.Since(created).Round(time.Millisecond))
	if last.Spec.NodeName != node.Name {
		t.Errorf("pod bound to %q, want %q", last.Spec.NodeName, node.Name)
	}
	if last.Spec.ServiceAccountName != "default" {
		t.Errorf("pod service account %q, want default", last.Spec.ServiceAccountName)
	}
	if last.Status.PodIP == "" {
		t.Error("KWOK gave the running pod no IP")
	}
}
