// Package apis holds the integration tests of the Karpenter v1 wire API: the generated CRDs in
// manifests/crds are installed into a real kube-apiserver (envtest, from the binaries that
// hack/controlplane/build.sh caches), and manifests written as a Karpenter v1 user writes them
// must apply unchanged, invalid ones must be rejected naming the field, and defaults, printer
// columns and round-trips must match upstream Karpenter.
package apis

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	apiextensionsclient "k8s.io/apiextensions-apiserver/pkg/client/clientset/clientset"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/envtest"
	"sigs.k8s.io/yaml"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	karpv1alpha1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// crdDir holds the generated CRDs; tests run in their package directory.
var crdDir = filepath.Join("..", "..", "manifests", "crds")

// fieldManager is the server-side-apply manager of everything these tests write.
const fieldManager = "kubectl-karpenter-apis-test"

// suite is the control plane shared by every test of the package: one kube-apiserver and etcd,
// started once by TestMain.
type suite struct {
	config     *rest.Config
	dynamic    dynamic.Interface
	typed      client.Client
	kube       kubernetes.Interface
	extensions apiextensionsclient.Interface
	// crds are the CRD files of manifests/crds, by CRD name.
	crds map[string]crdFile
}

var (
	env *suite
	// envErr says why env is nil; every test fails with it.
	envErr error
)

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	testEnv, s, err := start()
	if err != nil {
		envErr = err
		// Run anyway: every test fails with envErr, so the cause shows up per test.
		return m.Run()
	}
	env = s
	code := m.Run()
	if err := testEnv.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stopping the control plane: %v\n", err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// requireEnv returns the shared control plane, or fails the test with the reason it is missing
// (and, when the binaries are not built, the command that builds them). It never skips.
func requireEnv(t testing.TB) *suite {
	t.Helper()
	if env == nil {
		t.Fatalf("the control plane for the API tests is not running: %v", envErr)
	}
	return env
}

func start() (*envtest.Environment, *suite, error) {
	assets, err := controlplane.EnvtestAssetsDir()
	if err != nil {
		if errors.Is(err, controlplane.ErrAssetsMissing) {
			return nil, nil, fmt.Errorf("%w\nBuild them once (about 15 minutes cold on 2 cores; cached afterwards) with:\n  %s", err, controlplane.BuildCommand)
		}
		return nil, nil, fmt.Errorf("locating the control-plane binaries: %w", err)
	}
	crds, err := readCRDs(crdDir)
	if err != nil {
		return nil, nil, err
	}
	// The CRDs are installed below from the files exactly as written, not by envtest, which
	// decodes them into Go structs first and would drop anything the structs do not know.
	testEnv := &envtest.Environment{BinaryAssetsDirectory: assets}
	cfg, err := testEnv.Start()
	if err != nil {
		return nil, nil, fmt.Errorf("starting kube-apiserver and etcd from %s: %w", assets, err)
	}
	s, err := newSuite(cfg, crds)
	if err == nil {
		err = installCRDs(s)
	}
	if err != nil {
		_ = testEnv.Stop()
		return nil, nil, err
	}
	return testEnv, s, nil
}

func newSuite(cfg *rest.Config, crds map[string]crdFile) (*suite, error) {
	cfg = rest.CopyConfig(cfg)
	// Invalid-object cases run in parallel; the default client-side rate limit would serialise
	// them for no benefit.
	cfg.QPS, cfg.Burst = 200, 400
	scheme := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{karpv1.AddToScheme, karpv1alpha1.AddToScheme, ec2v1.AddToScheme} {
		if err := add(scheme); err != nil {
			return nil, fmt.Errorf("building the scheme: %w", err)
		}
	}
	s := &suite{config: cfg, crds: crds}
	var err error
	if s.dynamic, err = dynamic.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("dynamic client: %w", err)
	}
	if s.typed, err = client.New(cfg, client.Options{Scheme: scheme}); err != nil {
		return nil, fmt.Errorf("typed client: %w", err)
	}
	if s.kube, err = kubernetes.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("kubernetes client: %w", err)
	}
	if s.extensions, err = apiextensionsclient.NewForConfig(cfg); err != nil {
		return nil, fmt.Errorf("apiextensions client: %w", err)
	}
	return s, nil
}

// crdFile is one CRD manifest: its bytes as written and its decoded form.
type crdFile struct {
	path string
	data []byte
	crd  *apiextensionsv1.CustomResourceDefinition
}

// readCRDs decodes every CRD file in dir, strictly, so that a typo in a generated file fails
// here. Other files (a kustomization.yaml) are not CRDs and are left alone.
func readCRDs(dir string) (map[string]crdFile, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("listing %s: %w", dir, err)
	}
	crds := map[string]crdFile{}
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", p, err)
		}
		var typeMeta metav1.TypeMeta
		if err := yaml.Unmarshal(data, &typeMeta); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", p, err)
		}
		if typeMeta.Kind != "CustomResourceDefinition" {
			continue
		}
		crd := &apiextensionsv1.CustomResourceDefinition{}
		if err := yaml.UnmarshalStrict(data, crd); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", p, err)
		}
		crds[crd.Name] = crdFile{path: p, data: data, crd: crd}
	}
	if len(crds) == 0 {
		return nil, fmt.Errorf("no CRDs in %s; run make generate", dir)
	}
	return crds, nil
}

// installCRDs server-side applies every CRD file as written (strict field validation), then
// waits until each is Established and its resources are served.
func installCRDs(s *suite) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	names := make([]string, 0, len(s.crds))
	for name := range s.crds {
		names = append(names, name)
	}
	sort.Strings(names)
	force := true
	for _, name := range names {
		f := s.crds[name]
		if _, err := s.extensions.ApiextensionsV1().CustomResourceDefinitions().Patch(ctx, name, types.ApplyYAMLPatchType, f.data,
			metav1.PatchOptions{FieldManager: fieldManager, Force: &force, FieldValidation: metav1.FieldValidationStrict}); err != nil {
			return fmt.Errorf("installing %s: %w", f.path, err)
		}
	}
	for _, name := range names {
		if err := waitEstablished(ctx, s, name); err != nil {
			return err
		}
	}
	return nil
}

func waitEstablished(ctx context.Context, s *suite, name string) error {
	var last *apiextensionsv1.CustomResourceDefinition
	err := wait.PollUntilContextCancel(ctx, 100*time.Millisecond, true, func(ctx context.Context) (bool, error) {
		crd, err := s.extensions.ApiextensionsV1().CustomResourceDefinitions().Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, nil //nolint:nilerr // keep polling until the deadline
		}
		last = crd
		if !crdCondition(crd, apiextensionsv1.Established) || !crdCondition(crd, apiextensionsv1.NamesAccepted) {
			return false, nil
		}
		// Established can precede discovery by a moment; the tests use the resource right away.
		gv := crd.Spec.Group + "/" + crd.Spec.Versions[0].Name
		list, err := s.kube.Discovery().ServerResourcesForGroupVersion(gv)
		if err != nil {
			return false, nil //nolint:nilerr // keep polling until the deadline
		}
		for _, r := range list.APIResources {
			if r.Name == crd.Spec.Names.Plural {
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		conds := "never read"
		if last != nil {
			conds = fmt.Sprintf("%+v", last.Status.Conditions)
		}
		return fmt.Errorf("CRD %s did not become Established and served: %w (conditions: %s)", name, err, conds)
	}
	return nil
}

func crdCondition(crd *apiextensionsv1.CustomResourceDefinition, t apiextensionsv1.CustomResourceDefinitionConditionType) bool {
	for _, c := range crd.Status.Conditions {
		if c.Type == t {
			return c.Status == apiextensionsv1.ConditionTrue
		}
	}
	return false
}
