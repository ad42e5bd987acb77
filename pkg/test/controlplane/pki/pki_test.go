package pki_test

import (
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"

	"k8s.io/client-go/tools/clientcmd"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/controlplane/pki"
)

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatalf("%s: no PEM block", path)
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cert
}

func pool(certs ...*x509.Certificate) *x509.CertPool {
	p := x509.NewCertPool()
	for _, c := range certs {
		p.AddCert(c)
	}
	return p
}

func TestGenerateServingCertVerifiesForLoopbackAndServiceNames(t *testing.T) {
	dir := t.TempDir()
	if err := pki.Generate(pki.Options{Dir: dir, Server: "https://127.0.0.1:1234", ServiceClusterIP: "10.96.0.1"}); err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, filepath.Join(dir, pki.CACert))
	serving := readCert(t, filepath.Join(dir, pki.APIServerCert))
	for _, name := range []string{"127.0.0.1", "localhost", "kubernetes.default.svc", "10.96.0.1"} {
		if _, err := serving.Verify(x509.VerifyOptions{DNSName: name, Roots: pool(ca)}); err != nil {
			t.Errorf("serving certificate does not verify for %s: %v", name, err)
		}
	}
}

func TestGenerateFrontProxyClientIsSignedByFrontProxyCA(t *testing.T) {
	dir := t.TempDir()
	if err := pki.Generate(pki.Options{Dir: dir, Server: "https://127.0.0.1:1234"}); err != nil {
		t.Fatal(err)
	}
	client := readCert(t, filepath.Join(dir, pki.FrontProxyClientCert))
	if client.Subject.CommonName != pki.FrontProxyClientName {
		t.Errorf("CN = %q, want %q", client.Subject.CommonName, pki.FrontProxyClientName)
	}
	opts := x509.VerifyOptions{Roots: pool(readCert(t, filepath.Join(dir, pki.FrontProxyCACert))), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	if _, err := client.Verify(opts); err != nil {
		t.Errorf("front-proxy client does not verify against the front-proxy CA: %v", err)
	}
	opts.Roots = pool(readCert(t, filepath.Join(dir, pki.CACert)))
	if _, err := client.Verify(opts); err == nil {
		t.Error("front-proxy client verifies against the cluster CA; the two must be separate")
	}
}

func TestGenerateKubeconfigsCarryTheirIdentity(t *testing.T) {
	dir := t.TempDir()
	const server = "https://127.0.0.1:4321"
	if err := pki.Generate(pki.Options{Dir: dir, Server: server}); err != nil {
		t.Fatal(err)
	}
	ca := readCert(t, filepath.Join(dir, pki.CACert))
	for file, want := range map[string]struct {
		user  string
		group string
	}{
		pki.AdminKubeconfig:         {pki.AdminUser, "system:masters"},
		pki.ControllerManagerConfig: {pki.ControllerManagerUser, ""},
		pki.SchedulerKubeconfig:     {pki.SchedulerUser, ""},
		pki.KWOKKubeconfig:          {pki.KWOKUser, "system:masters"},
	} {
		cfg, err := clientcmd.BuildConfigFromFlags("", filepath.Join(dir, file))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if cfg.Host != server {
			t.Errorf("%s: server %q, want %q", file, cfg.Host, server)
		}
		block, _ := pem.Decode(cfg.CertData)
		if block == nil {
			t.Fatalf("%s: no client certificate", file)
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		if cert.Subject.CommonName != want.user {
			t.Errorf("%s: user %q, want %q", file, cert.Subject.CommonName, want.user)
		}
		if got := cert.Subject.Organization; want.group != "" && (len(got) != 1 || got[0] != want.group) {
			t.Errorf("%s: groups %v, want [%s]", file, got, want.group)
		}
		if _, err := cert.Verify(x509.VerifyOptions{Roots: pool(ca), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
			t.Errorf("%s: client certificate does not verify against the CA: %v", file, err)
		}
	}
}

func TestGenerateRequiresDirAndServer(t *testing.T) {
	if err := pki.Generate(pki.Options{Dir: t.TempDir()}); err == nil {
		t.Error("Generate without Server succeeded")
	}
}
