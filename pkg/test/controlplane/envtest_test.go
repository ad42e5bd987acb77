package controlplane_test

import (
	"context"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/controller-runtime/pkg/envtest"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane"
)

// envtest must start from the cache, as the integration tests beside the controllers use it.
func TestEnvtestStartsFromTheCachedBinaries(t *testing.T) {
	env := &envtest.Environment{BinaryAssetsDirectory: controlplane.RequireEnvtestAssetsDir(t)}
	cfg, err := env.Start()
	if err != nil {
		t.Fatalf("starting envtest: %v", err)
	}
	t.Cleanup(func() {
		if err := env.Stop(); err != nil {
			t.Errorf("stopping envtest: %v", err)
		}
	})
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.CoreV1().Namespaces().Get(context.Background(), metav1.NamespaceDefault, metav1.GetOptions{}); err != nil {
		t.Fatalf("getting the default namespace: %v", err)
	}
	v, err := client.Discovery().ServerVersion()
	if err != nil {
		t.Fatal(err)
	}
	if want := controlplane.RequireAssets(t).KubernetesVersion; v.GitVersion != want {
		t.Errorf("server version %s, want %s", v.GitVersion, want)
	}
}
