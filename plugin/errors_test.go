package plugin

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"

	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

func TestCRDsNotInstalled(t *testing.T) {
	c := sharedCluster(t, "nocrds", false)
	for _, args := range [][]string{
		{"get", "nodepools"},
		{"get", "nodeclaims", "-o", "yaml"},
		{"describe", "nodepool", "default"},
		{"top"},
		{"why-pending", "-A"},
	} {
		r := c.kubectlKarpenter(t, args...)
		r.mustFail(t, "the Karpenter CRDs are not installed; install them with kubectl apply -f manifests/crds (or install Karpenter)")
		if !errors.Is(r.err, kube.ErrCRDsNotInstalled) {
			t.Errorf("%v: error does not wrap ErrCRDsNotInstalled: %v", args, r.err)
		}
	}
	// create nodepool fails on the NodePool and warns about the EC2NodeClass CRD.
	r := c.kubectlKarpenter(t, "create", "nodepool", "x").mustFail(t, "the Karpenter CRDs are not installed")
	if !strings.Contains(r.errOut, "the EC2NodeClass CRD is not installed") {
		t.Errorf("no warning about the EC2NodeClass CRD: %q", r.errOut)
	}
}

func TestForbiddenSaysWhichVerbOnWhichResource(t *testing.T) {
	c := sharedCluster(t, "main", true)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"get", "nodepools"}, "you may not list nodepools.karpenter.sh at the cluster scope"},
		{[]string{"get", "nodeclaim", "x"}, "you may not get nodeclaims.karpenter.sh at the cluster scope"},
		{[]string{"top"}, "you may not list nodes at the cluster scope"},
		{[]string{"why-pending", "-A"}, "you may not list nodepools.karpenter.sh"},
		{[]string{"create", "nodepool", "forbidden", "--nodeclass", "create-present"}, "you may not create nodepools.karpenter.sh"},
	} {
		r := c.kubectlKarpenter(t, append(tc.args, "--as", "nobody")...)
		r.mustFail(t, "forbidden: "+tc.want, "kubectl auth can-i")
		var fe *kube.ForbiddenError
		if !errors.As(r.err, &fe) {
			t.Errorf("%v: not a ForbiddenError: %v", tc.args, r.err)
		}
	}
}

func TestUnreachableSaysWhichServer(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	server := "https://" + l.Addr().String()
	_ = l.Close()
	kubeconfig := t.TempDir() + "/kubeconfig"
	if err := os.WriteFile(kubeconfig, []byte(`apiVersion: v1
kind: Config
clusters: [{name: gone, cluster: {server: "`+server+`", insecure-skip-tls-verify: true}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: gone, context: {cluster: gone, user: u}}]
current-context: gone
`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"get", "nodepools"}, {"top", "nodepools"}, {"why-pending"}, {"describe", "nodeclaim", "x"}} {
		r := runPlugin(t, append(args, "--kubeconfig", kubeconfig, "--request-timeout", "5s")...)
		r.mustFail(t, "cannot reach the Kubernetes API server at "+server)
		var ue *kube.UnreachableError
		if !errors.As(r.err, &ue) {
			t.Errorf("%v: not an UnreachableError: %v", args, r.err)
		}
	}
}
