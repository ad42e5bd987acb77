package plugin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/cli-runtime/pkg/genericiooptions"
	"k8s.io/client-go/dynamic"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// cluster is the package's control plane (etcd, kube-apiserver, kube-controller-manager,
// kube-scheduler and KWOK), started on first use and stopped by TestMain, with an admin
// kubeconfig. Tests name the cluster state they want (sharedCluster): asking for another state
// than the current one empties the cluster first, so the NodePools of one group of tests never
// take part in another's simulation.
type cluster struct {
	cp         *controlplane.ControlPlane
	kubeconfig string
	client     client.Client

	mu       sync.Mutex
	state    string
	crds     bool
	fixtures map[string]bool
	// namespaces are the namespaces tests made; a reset empties them. nsMu guards them apart
	// from mu, which once holds while a fixture's setup makes namespaces.
	nsMu       sync.Mutex
	namespaces map[string]bool
}

// once runs setup the first time a test asks for the named fixture in the current state.
func (c *cluster) once(t *testing.T, name string, setup func()) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.fixtures[name] {
		return
	}
	setup()
	c.fixtures[name] = true
}

var (
	sharedMu sync.Mutex
	shared   *cluster
)

// TestMain stops the control plane the tests started.
func TestMain(m *testing.M) {
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		if err := shared.cp.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "stopping the control plane:", err)
		}
	}
	sharedMu.Unlock()
	os.Exit(code)
}

// sharedCluster returns the control plane in the state named name, with the Karpenter CRDs
// installed or not as withCRDs says; the first call starts it. Tests of one state share its
// objects and use distinct names. Missing binaries fail the test with the command that builds
// them.
func sharedCluster(t *testing.T, name string, withCRDs bool) *cluster {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil {
		controlplane.RequireAssets(t)
		ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
		defer cancel()
		cp, err := controlplane.Start(ctx, controlplane.AllComponents())
		if err != nil {
			t.Fatal(err)
		}
		shared = &cluster{cp: cp, kubeconfig: cp.KubeconfigPath(), namespaces: map[string]bool{metav1.NamespaceDefault: true}}
		if err := shared.newClient(); err != nil {
			t.Fatal(err)
		}
	}
	c := shared
	if c.state == name && c.crds == withCRDs && c.state != "" {
		return c
	}
	c.reset(t)
	c.setCRDs(t, withCRDs)
	c.state, c.fixtures = name, map[string]bool{}
	return c
}

func (c *cluster) newClient() error {
	cl, err := client.New(c.cp.RESTConfig(), client.Options{Scheme: scheme.New()})
	if err != nil {
		return fmt.Errorf("building the test client: %w", err)
	}
	c.client = cl
	return nil
}

// reset deletes what tests create: Karpenter objects, nodes, volumes, and the pods,
// DaemonSets and Events of the tests' namespaces.
func (c *cluster) reset(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	c.nsMu.Lock()
	defer c.nsMu.Unlock()
	for ns := range c.namespaces {
		inNS := client.InNamespace(ns)
		for _, obj := range []client.Object{&corev1.Pod{}, &appsv1.DaemonSet{}, &corev1.PersistentVolumeClaim{}, &corev1.Event{}} {
			if err := c.client.DeleteAllOf(ctx, obj, inNS, client.GracePeriodSeconds(0)); err != nil {
				t.Fatalf("deleting the %T of %s: %v", obj, ns, err)
			}
		}
	}
	kinds := []client.Object{&corev1.PersistentVolume{}, &corev1.Node{}}
	if c.crds {
		kinds = append(kinds, &karpv1.NodeClaim{}, &karpv1.NodePool{}, &ec2v1.EC2NodeClass{})
	}
	for _, obj := range kinds {
		if err := c.client.DeleteAllOf(ctx, obj); err != nil {
			t.Fatalf("deleting every %T: %v", obj, err)
		}
	}
	c.poll(t, "an empty cluster", func(ctx context.Context) (bool, error) {
		lists := []client.ObjectList{&corev1.NodeList{}, &corev1.PersistentVolumeList{}}
		if c.crds {
			lists = append(lists, &karpv1.NodePoolList{}, &karpv1.NodeClaimList{}, &ec2v1.EC2NodeClassList{})
		}
		for ns := range c.namespaces {
			var pods corev1.PodList
			if err := c.client.List(ctx, &pods, client.InNamespace(ns)); err != nil || len(pods.Items) > 0 {
				return false, err
			}
		}
		for _, l := range lists {
			if err := c.client.List(ctx, l); err != nil {
				return false, err
			}
			if meta.LenList(l) > 0 {
				return false, nil
			}
		}
		return true, nil
	})
}

// setCRDs installs or removes manifests/crds, and waits until the API server agrees.
func (c *cluster) setCRDs(t *testing.T, want bool) {
	t.Helper()
	if c.crds == want {
		return
	}
	root, err := controlplane.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	opts := envtest.CRDInstallOptions{Paths: []string{filepath.Join(root, "manifests", "crds")}, ErrorIfPathMissing: true}
	if want {
		if _, err := envtest.InstallCRDs(c.cp.RESTConfig(), opts); err != nil {
			t.Fatalf("installing the CRDs: %v", err)
		}
	} else {
		if err := envtest.UninstallCRDs(c.cp.RESTConfig(), opts); err != nil {
			t.Fatalf("removing the CRDs: %v", err)
		}
		c.poll(t, "the CRDs gone", func(ctx context.Context) (bool, error) {
			for _, crd := range opts.CRDs {
				var got unstructured.Unstructured
				got.SetAPIVersion("apiextensions.k8s.io/v1")
				got.SetKind("CustomResourceDefinition")
				err := c.client.Get(ctx, client.ObjectKey{Name: crd.GetName()}, &got)
				if !apierrors.IsNotFound(err) {
					return false, client.IgnoreNotFound(err)
				}
			}
			// The API server drops a CRD's handler shortly after the object is gone.
			_, err := dynamic.NewForConfigOrDie(c.cp.RESTConfig()).Resource(karpv1.SchemeGroupVersion.WithResource("nodepools")).List(ctx, metav1.ListOptions{})
			return apierrors.IsNotFound(err), client.IgnoreNotFound(err)
		})
	}
	c.crds = want
	// The client's REST mapper remembers the resources it saw; start afresh.
	if err := c.newClient(); err != nil {
		t.Fatal(err)
	}
}

// poll checks cond every 200ms until it holds, for at most a minute.
func (c *cluster) poll(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 200*time.Millisecond, time.Minute, true, cond); err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// result is what one command run printed and returned.
type result struct {
	out, errOut string
	err         error
	code        int
}

// kubectlKarpenter runs the plugin against the cluster, as a user would with --kubeconfig.
func (c *cluster) kubectlKarpenter(t *testing.T, args ...string) result {
	t.Helper()
	return runPlugin(t, append(args, "--kubeconfig", c.kubeconfig)...)
}

func runPlugin(t *testing.T, args ...string) result {
	t.Helper()
	var in, out, errOut bytes.Buffer
	streams := genericiooptions.IOStreams{In: &in, Out: &out, ErrOut: &errOut}
	cmd := newRootCommand(streams, nil)
	cmd.SetArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	err := cmd.ExecuteContext(ctx)
	r := result{out: out.String(), errOut: errOut.String(), err: err}
	r.code = exitCode(err)
	return r
}

// exitCode is the code Run would return.
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var e *ExitError
	if errors.As(err, &e) {
		return e.Code
	}
	return 1
}

// mustSucceed fails the test when the command failed.
func (r result) mustSucceed(t *testing.T) result {
	t.Helper()
	if r.err != nil {
		t.Fatalf("command failed: %v\nstdout:\n%s\nstderr:\n%s", r.err, r.out, r.errOut)
	}
	return r
}

// mustFail fails the test unless the command failed with an error containing every want.
func (r result) mustFail(t *testing.T, wants ...string) result {
	t.Helper()
	if r.err == nil {
		t.Fatalf("command succeeded, want an error containing %q\nstdout:\n%s", wants, r.out)
	}
	for _, w := range wants {
		if !strings.Contains(r.err.Error(), w) {
			t.Errorf("error %q lacks %q", r.err, w)
		}
	}
	return r
}
