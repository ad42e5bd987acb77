// Package controlplane starts a real, throwaway Kubernetes control plane for tests: etcd and
// kube-apiserver, and optionally kube-controller-manager, kube-scheduler and KWOK (the kubelet of
// simulated nodes), all on free ports of 127.0.0.1 in a temporary directory. It runs the same
// binaries, with the same flags, as hack/controlplane/up.sh; keep the two in step.
package controlplane

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane/pki"
)

// Network settings shared with hack/controlplane/lib.sh.
const (
	serviceCIDR      = "10.96.0.0/16"
	serviceClusterIP = "10.96.0.1"
	podCIDR          = "10.244.0.0/16"
	// KWOKNodeAnnotation marks the nodes KWOK plays the kubelet for.
	KWOKNodeAnnotation      = "kwok.x-k8s.io/node"
	KWOKNodeAnnotationValue = "fake"
)

// Options chooses the components beyond etcd and kube-apiserver, which always run.
type Options struct {
	// ControllerManager runs kube-controller-manager: the default ServiceAccount of every
	// namespace, garbage collection, node lifecycle (removing the not-ready taint that
	// TaintNodesByCondition puts on new nodes), ReplicaSets, ... Start waits for the default
	// ServiceAccount of "default" when it is on, since pods are rejected before it exists.
	ControllerManager bool
	// Scheduler runs kube-scheduler, which binds pending pods to nodes.
	Scheduler bool
	// KWOK runs KWOK for the nodes annotated kwok.x-k8s.io/node=fake (see NewKWOKNode), so that
	// pods bound to them become Running.
	KWOK bool

	// Dir holds certificates, data and logs. Empty: a new temporary directory, removed by Stop.
	// A given directory is left in place.
	Dir string
	// ReadyTimeout bounds the wait for every component to be healthy. Zero: 90 seconds.
	ReadyTimeout time.Duration
	// StopTimeout is how long each component gets to exit after SIGTERM. Zero: 20 seconds.
	StopTimeout time.Duration
	// APIServerArgs are appended to kube-apiserver's flags (for example --feature-gates=...).
	APIServerArgs []string
}

// AllComponents is the full control plane: controller-manager, scheduler and KWOK.
func AllComponents() Options {
	return Options{ControllerManager: true, Scheduler: true, KWOK: true}
}

// ControlPlane is a running control plane. Stop it when done.
type ControlPlane struct {
	opts       Options
	dir        string
	ownDir     bool
	url        string
	kubeconfig string
	rest       *rest.Config
	procs      []*process // in start order; stopped in reverse
	ports      ports
}

type ports struct {
	apiserver, etcd, etcdPeer, controllerManager, scheduler, kwok int
}

// Start starts the control plane and waits until every component is healthy. ctx bounds the start
// only: the components run until Stop. On failure Start stops what it started and returns an error
// that carries the tail of the failing component's log; the directory is then kept, so the full
// logs can be read.
func Start(ctx context.Context, opts Options) (*ControlPlane, error) {
	assets, err := Assets()
	if err != nil {
		return nil, errors.New(missingAssetsMessage(err))
	}
	if opts.ReadyTimeout == 0 {
		opts.ReadyTimeout = 90 * time.Second
	}
	if opts.StopTimeout == 0 {
		opts.StopTimeout = 20 * time.Second
	}
	cp := &ControlPlane{opts: opts, dir: opts.Dir}
	if cp.dir == "" {
		if cp.dir, err = os.MkdirTemp("", "controlplane-"); err != nil {
			return nil, fmt.Errorf("creating the control plane directory: %w", err)
		}
		cp.ownDir = true
	}
	if err := cp.start(ctx, assets); err != nil {
		// Stop errors matter less than why the start failed; the logs are kept either way.
		_ = cp.stopProcesses()
		return nil, fmt.Errorf("starting the control plane in %s: %w", cp.dir, err)
	}
	return cp, nil
}

// StartT starts a control plane for a test: it fails the test (with the build command) when the
// binaries are missing, stops the control plane when the test ends, and prints the tail of every
// log if the test failed.
func StartT(t testing.TB, opts Options) *ControlPlane {
	t.Helper()
	RequireAssets(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cp, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Log(cp.LogTails(40))
		}
		if err := cp.Stop(); err != nil {
			t.Errorf("stopping the control plane: %v", err)
		}
	})
	return cp
}

// RESTConfig returns a copy of the admin (system:masters) client configuration. QPS and burst are
// raised from client-go's defaults, which throttle tests that create many objects.
func (cp *ControlPlane) RESTConfig() *rest.Config { return rest.CopyConfig(cp.rest) }

// KubeconfigPath is the admin kubeconfig, for kubectl or a binary under test.
func (cp *ControlPlane) KubeconfigPath() string { return cp.kubeconfig }

// APIServerURL is the API server's https URL on 127.0.0.1.
func (cp *ControlPlane) APIServerURL() string { return cp.url }

// Dir is the directory holding certificates, data and logs (logs/<component>.log).
func (cp *ControlPlane) Dir() string { return cp.dir }

// LogTails returns the last n lines of each component's log.
func (cp *ControlPlane) LogTails(n int) string {
	var b strings.Builder
	for _, p := range cp.procs {
		fmt.Fprintf(&b, "---- %s (%s)\n%s\n", p.name, p.logPath, tail(p.logPath, n))
	}
	return b.String()
}

// Stop stops the components in reverse start order, clients first and etcd last (an API server
// whose etcd is gone hangs in graceful shutdown), and removes the temporary directory Start made.
// It is safe to call more than once.
func (cp *ControlPlane) Stop() error {
	err := cp.stopProcesses()
	if err == nil && cp.ownDir {
		if rmErr := os.RemoveAll(cp.dir); rmErr != nil {
			return fmt.Errorf("removing %s: %w", cp.dir, rmErr)
		}
	}
	return err
}

func (cp *ControlPlane) stopProcesses() error {
	var errs []error
	for i := len(cp.procs) - 1; i >= 0; i-- {
		if err := cp.procs[i].stop(cp.opts.StopTimeout); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (cp *ControlPlane) start(ctx context.Context, a BinaryAssets) error {
	pkiDir := filepath.Join(cp.dir, "pki")
	logDir := filepath.Join(cp.dir, "logs")
	if err := os.MkdirAll(logDir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", logDir, err)
	}
	p, err := FreePorts(6)
	if err != nil {
		return err
	}
	cp.ports = ports{apiserver: p[0], etcd: p[1], etcdPeer: p[2], controllerManager: p[3], scheduler: p[4], kwok: p[5]}
	cp.url = "https://127.0.0.1:" + strconv.Itoa(cp.ports.apiserver)
	if err := pki.Generate(pki.Options{Dir: pkiDir, Server: cp.url, ServiceClusterIP: serviceClusterIP}); err != nil {
		return fmt.Errorf("generating certificates: %w", err)
	}
	cp.kubeconfig = filepath.Join(pkiDir, pki.AdminKubeconfig)
	cfg, err := clientcmd.BuildConfigFromFlags("", cp.kubeconfig)
	if err != nil {
		return fmt.Errorf("loading %s: %w", cp.kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 200, 400
	cp.rest = cfg
	pkiFile := func(name string) string { return filepath.Join(pkiDir, name) }
	run := func(name, bin string, args []string, env ...string) (*process, error) {
		proc, err := startProcess(name, bin, args, env, logDir)
		if err != nil {
			return nil, err
		}
		cp.procs = append(cp.procs, proc)
		return proc, nil
	}
	deadline := time.Now().Add(cp.opts.ReadyTimeout)
	wait := func(proc *process, what string, healthy func(context.Context) bool) error {
		return waitHealthy(ctx, deadline, proc, what, healthy)
	}

	// etcd: plain HTTP on loopback, fsync off, as the data is thrown away.
	etcdURL := "http://127.0.0.1:" + strconv.Itoa(cp.ports.etcd)
	peerURL := "http://127.0.0.1:" + strconv.Itoa(cp.ports.etcdPeer)
	etcd, err := run("etcd", a.Etcd, []string{
		"--name=controlplane", "--data-dir=" + filepath.Join(cp.dir, "etcd"),
		"--listen-client-urls=" + etcdURL, "--advertise-client-urls=" + etcdURL,
		"--listen-peer-urls=" + peerURL, "--initial-advertise-peer-urls=" + peerURL,
		"--initial-cluster=controlplane=" + peerURL, "--unsafe-no-fsync", "--log-level=warn",
	})
	if err != nil {
		return err
	}
	if err := wait(etcd, "etcd /health", httpOK(plainClient, etcdURL+"/health")); err != nil {
		return err
	}

	// See hack/controlplane/up.sh for why each flag is there.
	apiserverArgs := append([]string{
		"--bind-address=127.0.0.1", "--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(cp.ports.apiserver),
		"--endpoint-reconciler-type=none",
		"--etcd-servers=" + etcdURL,
		"--tls-cert-file=" + pkiFile(pki.APIServerCert), "--tls-private-key-file=" + pkiFile(pki.APIServerKey),
		"--client-ca-file=" + pkiFile(pki.CACert),
		"--authorization-mode=Node,RBAC",
		"--allow-privileged=true",
		"--service-cluster-ip-range=" + serviceCIDR,
		"--service-account-issuer=https://kubernetes.default.svc.cluster.local",
		"--service-account-key-file=" + pkiFile(pki.ServiceAccountPub),
		"--service-account-signing-key-file=" + pkiFile(pki.ServiceAccountKey),
		"--requestheader-client-ca-file=" + pkiFile(pki.FrontProxyCACert),
		"--requestheader-allowed-names=" + pki.FrontProxyClientName,
		"--requestheader-username-headers=X-Remote-User",
		"--requestheader-group-headers=X-Remote-Group",
		"--requestheader-extra-headers-prefix=X-Remote-Extra-",
		"--proxy-client-cert-file=" + pkiFile(pki.FrontProxyClientCert),
		"--proxy-client-key-file=" + pkiFile(pki.FrontProxyClientKey),
	}, cp.opts.APIServerArgs...)
	apiserver, err := run("kube-apiserver", a.KubeAPIServer, apiserverArgs)
	if err != nil {
		return err
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("creating a client: %w", err)
	}
	if err := wait(apiserver, "kube-apiserver /readyz", func(ctx context.Context) bool {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		_, err := client.Discovery().RESTClient().Get().AbsPath("/readyz").DoRaw(ctx)
		return err == nil
	}); err != nil {
		return err
	}

	type check struct {
		proc    *process
		what    string
		healthy func(context.Context) bool
	}
	var checks []check
	if cp.opts.ControllerManager {
		kc := pkiFile(pki.ControllerManagerConfig)
		proc, err := run("kube-controller-manager", a.KubeControllerManager, []string{
			"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(cp.ports.controllerManager),
			"--cert-dir=" + filepath.Join(cp.dir, "controller-manager"),
			"--leader-elect=false",
			"--controllers=*", // 1.37 has no cloud controllers left to exclude
			"--use-service-account-credentials=true",
			"--service-account-private-key-file=" + pkiFile(pki.ServiceAccountKey),
			"--root-ca-file=" + pkiFile(pki.CACert),
		})
		if err != nil {
			return err
		}
		checks = append(checks,
			check{proc, "kube-controller-manager /healthz", httpOK(insecureClient, fmt.Sprintf("https://127.0.0.1:%d/healthz", cp.ports.controllerManager))},
			check{proc, "the default ServiceAccount", func(ctx context.Context) bool {
				ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
				defer cancel()
				_, err := client.CoreV1().ServiceAccounts(metav1.NamespaceDefault).Get(ctx, "default", metav1.GetOptions{})
				return err == nil
			}})
	}
	if cp.opts.Scheduler {
		kc := pkiFile(pki.SchedulerKubeconfig)
		proc, err := run("kube-scheduler", a.KubeScheduler, []string{
			"--kubeconfig=" + kc, "--authentication-kubeconfig=" + kc, "--authorization-kubeconfig=" + kc,
			"--bind-address=127.0.0.1", "--secure-port=" + strconv.Itoa(cp.ports.scheduler),
			"--cert-dir=" + filepath.Join(cp.dir, "scheduler"),
			"--leader-elect=false",
		})
		if err != nil {
			return err
		}
		checks = append(checks, check{proc, "kube-scheduler /healthz", httpOK(insecureClient, fmt.Sprintf("https://127.0.0.1:%d/healthz", cp.ports.scheduler))})
	}
	if cp.opts.KWOK {
		args := []string{
			"--kubeconfig=" + pkiFile(pki.KWOKKubeconfig),
			"--manage-all-nodes=false",
			"--manage-nodes-with-annotation-selector=" + KWOKNodeAnnotation + "=" + KWOKNodeAnnotationValue,
			"--server-address=127.0.0.1:" + strconv.Itoa(cp.ports.kwok),
			"--cidr=" + podCIDR,
		}
		for _, stage := range a.KWOKStages {
			args = append(args, "--config="+stage)
		}
		// KWOK_WORKDIR keeps a developer's ~/.kwok/kwok.yaml out of the test.
		proc, err := run("kwok", a.KWOK, args, "KWOK_WORKDIR="+filepath.Join(cp.dir, "kwok"))
		if err != nil {
			return err
		}
		checks = append(checks, check{proc, "kwok /healthz", httpOK(plainClient, fmt.Sprintf("http://127.0.0.1:%d/healthz", cp.ports.kwok))})
	}
	for _, c := range checks {
		if err := wait(c.proc, c.what, c.healthy); err != nil {
			return err
		}
	}
	return nil
}

// waitHealthy polls until healthy returns true, failing early if the process exits.
func waitHealthy(ctx context.Context, deadline time.Time, proc *process, what string, healthy func(context.Context) bool) error {
	err := wait.PollUntilContextTimeout(ctx, 100*time.Millisecond, time.Until(deadline), true,
		func(ctx context.Context) (bool, error) {
			if proc.exited() {
				return false, proc.exitError()
			}
			return healthy(ctx), nil
		})
	if err != nil {
		if proc.exited() {
			return proc.exitError()
		}
		return fmt.Errorf("waiting for %s: %w; last lines of %s:\n%s", what, err, proc.logPath, tail(proc.logPath, 25))
	}
	return nil
}

var (
	plainClient = &http.Client{Timeout: 2 * time.Second}
	// The controller-manager and scheduler serve /healthz with a self-signed certificate they
	// generate at start; these requests never leave 127.0.0.1.
	insecureClient = &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // loopback health checks only
	}}
)

func httpOK(client *http.Client, url string) func(context.Context) bool {
	return func(ctx context.Context) bool {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return false
		}
		resp, err := client.Do(req)
		if err != nil {
			return false
		}
		defer func() { _ = resp.Body.Close() }()
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode == http.StatusOK
	}
}

// FreePorts returns n distinct free ports on 127.0.0.1 by listening on port 0, holding every listener
// until all are chosen so that the kernel cannot hand out the same port twice. A port can still
// be taken by another process between here and the component's bind; the component then exits
// and Start reports it with its log.
func FreePorts(n int) ([]int, error) {
	ports := make([]int, 0, n)
	listeners := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range listeners {
			_ = l.Close()
		}
	}()
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("finding a free port: %w", err)
		}
		listeners = append(listeners, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}
