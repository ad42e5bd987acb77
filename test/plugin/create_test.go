package plugin_test

import (
	"context"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
)

func getNodePool(name string) (*karpv1.NodePool, error) {
	var np karpv1.NodePool
	err := env.client.Get(context.Background(), client.ObjectKey{Name: name}, &np)
	return &np, err
}

// -o yaml alone creates the NodePool and prints the server's object, as kubectl create does;
// --dry-run=client -o yaml prints it and creates nothing; a second create of the same name
// fails and says what to do.
func TestCreateNodePoolOutputAndDryRun(t *testing.T) {
	reset(t)
	create(t, plugintest.EC2NodeClass(plugintest.NodeClassName, "us-east-1a"))

	dry := kk(t, "create", "nodepool", "printed", "--dry-run=client", "-o", "yaml").ok(t)
	var np karpv1.NodePool
	if err := yaml.Unmarshal([]byte(dry.out), &np); err != nil || np.Name != "printed" || np.UID != "" {
		t.Fatalf("--dry-run=client -o yaml: want the NodePool without a uid (%v): %s", err, dry)
	}
	if _, err := getNodePool("printed"); !apierrors.IsNotFound(err) {
		t.Errorf("--dry-run=client created the NodePool (get: %v)", err)
	}

	created := kk(t, "create", "nodepool", "made", "-o", "yaml").ok(t)
	np = karpv1.NodePool{}
	if err := yaml.Unmarshal([]byte(created.out), &np); err != nil || np.UID == "" {
		t.Fatalf("-o yaml without --dry-run: want the created object with its uid (%v): %s", err, created)
	}
	stored, err := getNodePool("made")
	if err != nil || stored.UID != np.UID {
		t.Fatalf("-o yaml without --dry-run: want the NodePool created with uid %s, got %v (%v)", np.UID, stored.UID, err)
	}

	again := kk(t, "create", "nodepool", "made")
	again.fails(t, `error: NodePool "made" already exists; choose another name, or change it with: kubectl edit nodepools.karpenter.sh made`)
	if again.code != 1 {
		t.Errorf("exit %d, want 1", again.code)
	}
	help := kk(t, "create", "nodepool", "--help").ok(t)
	if !strings.Contains(help.out, "without\n--dry-run the NodePool is created") {
		t.Errorf("help does not say that -o yaml alone creates the NodePool:\n%s", help.out)
	}
}

// Bad input gives an error that says what to do, and exit code 1.
func TestBadInput(t *testing.T) {
	shop(t)
	for _, tc := range []struct {
		name  string
		args  []string
		wants []string
	}{
		{"unknown pod", []string{"why-pending", "nope", "-n", "shop"},
			[]string{`error: pod "nope" not found in namespace "shop"; list the pending pods with: kubectl karpenter why-pending -A`}},
		{"wrong namespace", []string{"why-pending", "web-pending", "-n", "other"},
			[]string{`error: pod "web-pending" not found in namespace "other"; a pod of that name is in namespace shop (use -n shop)`}},
		{"malformed selector", []string{"why-pending", "-A", "-l", "app in (web"},
			[]string{`error: invalid label selector "app in (web"`}},
		{"malformed selector of top", []string{"top", "-l", "=x"},
			[]string{`error: invalid label selector "=x"`}},
		{"malformed selector of get", []string{"get", "nodepools", "-l", "a b"},
			[]string{"error: ", "selector"}},
		{"existing NodePool", []string{"create", "nodepool", "general"},
			[]string{`error: NodePool "general" already exists; choose another name, or change it with: kubectl edit nodepools.karpenter.sh general`}},
		{"unknown NodePool", []string{"describe", "nodepool", "nope"},
			[]string{`error: nodepools.karpenter.sh "nope" not found; list them with: kubectl karpenter get nodepools`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := kk(t, tc.args...)
			r.fails(t, tc.wants...)
			if r.code != 1 {
				t.Errorf("exit %d, want 1: %s", r.code, r)
			}
		})
	}
}
