// Package pki generates the certificates, keys and kubeconfigs of the local control plane.
//
// It depends on the standard library only, so that hack/controlplane/certs (run by up.sh through
// `go run`) compiles in a second, and the Go test harness shares the exact same layout.
package pki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Names of the identities the components authenticate as. The controller-manager and scheduler
// use the users that the bootstrap RBAC policy binds to their ClusterRoles; the admin and KWOK are
// in system:masters because they need everything and this cluster only ever runs locally.
const (
	AdminUser             = "kubernetes-admin"
	ControllerManagerUser = "system:kube-controller-manager"
	SchedulerUser         = "system:kube-scheduler"
	KWOKUser              = "kwok-controller"
	FrontProxyClientName  = "front-proxy-client"
	mastersGroup          = "system:masters"
)

// File names inside the directory Generate writes.
const (
	CACert                  = "ca.crt"
	CAKey                   = "ca.key"
	APIServerCert           = "apiserver.crt"
	APIServerKey            = "apiserver.key"
	FrontProxyCACert        = "front-proxy-ca.crt"
	FrontProxyCAKey         = "front-proxy-ca.key"
	FrontProxyClientCert    = "front-proxy-client.crt"
	FrontProxyClientKey     = "front-proxy-client.key"
	ServiceAccountKey       = "sa.key"
	ServiceAccountPub       = "sa.pub"
	AdminKubeconfig         = "admin.kubeconfig"
	ControllerManagerConfig = "controller-manager.kubeconfig"
	SchedulerKubeconfig     = "scheduler.kubeconfig"
	KWOKKubeconfig          = "kwok.kubeconfig"
)

const (
	validity                = 365 * 24 * time.Hour
	defaultServiceClusterIP = "10.96.0.1"
	defaultClusterName      = "kubectl-karpenter-local"
)

// Options says what to generate.
type Options struct {
	// Dir receives every file. It is created with mode 0700.
	Dir string
	// Server is the API server URL written into the kubeconfigs, e.g. https://127.0.0.1:26443.
	Server string
	// ServiceClusterIP is the first address of the service range; it is a SAN of the serving
	// certificate so that in-cluster clients reaching kubernetes.default can verify it.
	ServiceClusterIP string
	// ClusterName names the cluster and context in the kubeconfigs.
	ClusterName string
}

// Generate writes a CA, the API server's serving certificate, a front-proxy CA and client
// certificate, the service-account signing key pair, and one kubeconfig per component, each
// embedding its client certificate so that the files can be copied elsewhere.
func Generate(o Options) error {
	if o.Dir == "" || o.Server == "" {
		return errors.New("pki: Dir and Server are required")
	}
	if o.ServiceClusterIP == "" {
		o.ServiceClusterIP = defaultServiceClusterIP
	}
	if o.ClusterName == "" {
		o.ClusterName = defaultClusterName
	}
	if err := os.MkdirAll(o.Dir, 0o700); err != nil {
		return fmt.Errorf("creating %s: %w", o.Dir, err)
	}
	w := writer{dir: o.Dir}

	ca, err := newCA("kubernetes-ca")
	if err != nil {
		return err
	}
	w.pair(CACert, CAKey, ca)

	serving, err := ca.issue(template{
		cn:     "kube-apiserver",
		server: true,
		dns: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		ips: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback, net.ParseIP(o.ServiceClusterIP)},
	})
	if err != nil {
		return err
	}
	w.pair(APIServerCert, APIServerKey, serving)

	frontProxyCA, err := newCA("front-proxy-ca")
	if err != nil {
		return err
	}
	w.pair(FrontProxyCACert, FrontProxyCAKey, frontProxyCA)
	frontProxyClient, err := frontProxyCA.issue(template{cn: FrontProxyClientName})
	if err != nil {
		return err
	}
	w.pair(FrontProxyClientCert, FrontProxyClientKey, frontProxyClient)

	// RSA, like kubeadm's default: every consumer of service-account tokens understands RS256.
	saKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return fmt.Errorf("generating the service-account key: %w", err)
	}
	saPub, err := x509.MarshalPKIXPublicKey(&saKey.PublicKey)
	if err != nil {
		return fmt.Errorf("encoding the service-account public key: %w", err)
	}
	w.file(ServiceAccountKey, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(saKey)}))
	w.file(ServiceAccountPub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: saPub}))

	for _, c := range []struct {
		file, user string
		groups     []string
	}{
		{AdminKubeconfig, AdminUser, []string{mastersGroup}},
		{ControllerManagerConfig, ControllerManagerUser, nil},
		{SchedulerKubeconfig, SchedulerUser, nil},
		{KWOKKubeconfig, KWOKUser, []string{mastersGroup}},
	} {
		client, err := ca.issue(template{cn: c.user, orgs: c.groups})
		if err != nil {
			return err
		}
		w.file(c.file, kubeconfig(o.ClusterName, o.Server, c.user, ca.certPEM, client))
	}
	return w.err
}

type keyPair struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certPEM []byte
	keyPEM  []byte
}

type template struct {
	cn     string
	orgs   []string
	server bool
	dns    []string
	ips    []net.IP
}

func newKey() (*ecdsa.PrivateKey, []byte, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("generating a key: %w", err)
	}
	der, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("encoding a key: %w", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der}), nil
}

func serial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("generating a serial number: %w", err)
	}
	return n, nil
}

func newCA(cn string) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	// Backdated by an hour so that a clock that moves a little does not make it "not yet valid".
	now := time.Now().Add(-time.Hour)
	tmpl := &x509.Certificate{
		SerialNumber:          sn,
		Subject:               pkix.Name{CommonName: cn},
		NotBefore:             now,
		NotAfter:              now.Add(validity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, fmt.Errorf("creating CA %s: %w", cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing CA %s: %w", cn, err)
	}
	return &keyPair{cert: cert, key: key, certPEM: pemCert(der), keyPEM: keyPEM}, nil
}

func (ca *keyPair) issue(t template) (*keyPair, error) {
	key, keyPEM, err := newKey()
	if err != nil {
		return nil, err
	}
	sn, err := serial()
	if err != nil {
		return nil, err
	}
	now := time.Now().Add(-time.Hour)
	usage := []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
	if t.server {
		usage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: t.cn, Organization: t.orgs},
		NotBefore:    now,
		NotAfter:     now.Add(validity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  usage,
		DNSNames:     t.dns,
		IPAddresses:  t.ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, key.Public(), ca.key)
	if err != nil {
		return nil, fmt.Errorf("issuing a certificate for %s: %w", t.cn, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("parsing the certificate for %s: %w", t.cn, err)
	}
	return &keyPair{cert: cert, key: key, certPEM: pemCert(der), keyPEM: keyPEM}, nil
}

func pemCert(der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
}

// kubeconfig renders a kubeconfig by hand: the format is small and stable, and this keeps the
// package free of client-go.
func kubeconfig(cluster, server, user string, caPEM []byte, client *keyPair) []byte {
	b64 := base64.StdEncoding.EncodeToString
	var sb strings.Builder
	fmt.Fprintf(&sb, `apiVersion: v1
kind: Config
clusters:
- name: %[1]s
  cluster:
    server: %[2]s
    certificate-authority-data: %[3]s
users:
- name: %[4]q
  user:
    client-certificate-data: %[5]s
    client-key-data: %[6]s
contexts:
- name: %[1]s
  context:
    cluster: %[1]s
    user: %[4]q
current-context: %[1]s
`, cluster, server, b64(caPEM), user, b64(client.certPEM), b64(client.keyPEM))
	return []byte(sb.String())
}

// writer remembers the first error so that Generate reads as a list of files.
type writer struct {
	dir string
	err error
}

func (w *writer) file(name string, data []byte) {
	if w.err != nil {
		return
	}
	if err := os.WriteFile(filepath.Join(w.dir, name), data, 0o600); err != nil {
		w.err = fmt.Errorf("writing %s: %w", name, err)
	}
}

func (w *writer) pair(certName, keyName string, kp *keyPair) {
	w.file(certName, kp.certPEM)
	w.file(keyName, kp.keyPEM)
}
