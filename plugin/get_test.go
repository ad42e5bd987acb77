package plugin

import (
	"encoding/json"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/plugintest"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
)

// fields splits the table's lines into cells; the first line is the header.
func tableRows(t *testing.T, out string) [][]string {
	t.Helper()
	var rows [][]string
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		if line != "" {
			rows = append(rows, strings.Fields(line))
		}
	}
	return rows
}

func rowOf(t *testing.T, rows [][]string, name string) []string {
	t.Helper()
	for _, r := range rows {
		if len(r) > 0 && r[0] == name {
			return r
		}
	}
	t.Fatalf("no row %s in %v", name, rows)
	return nil
}

// getFixture creates NodePool get-a (two NodeClaims) and get-b (none), with a Ready condition
// and resources on get-a.
func getFixture(t *testing.T) *cluster {
	c := sharedCluster(t, "main", true)
	c.once(t, "get", func() { createGetFixture(t, c) })
	return c
}

func createGetFixture(t *testing.T, c *cluster) {
	a := plugintest.NodePool("get-a", func(np *karpv1.NodePool) {
		np.Labels = map[string]string{"team": "get"}
		w := int32(30)
		np.Spec.Weight = &w
		np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("100")}
		np.Status.Resources = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"), "nodes": resource.MustParse("2")}
		np.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", LastTransitionTime: metav1.Now()}}
	})
	b := plugintest.NodePool("get-b", func(np *karpv1.NodePool) { np.Labels = map[string]string{"team": "other"} })
	priced := newNodeClaim("get-a-priced", "get-a", "m5.large", "on-demand", "us-east-1a", "get-node-1")
	priced.Annotations = map[string]string{price.AnnotationKey: "0.0960"}
	priced.Status.Conditions = append(priced.Status.Conditions, metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", LastTransitionTime: metav1.Now()})
	spot := newNodeClaim("get-a-spot", "get-a", "c5.xlarge", "spot", "us-east-1b", "")
	c.create(t, a, b, priced, spot)
}

func TestGetNodePoolsTable(t *testing.T) {
	c := getFixture(t)
	r := c.kubectlKarpenter(t, "get", "nodepools", "-l", "team in (get,other)").mustSucceed(t)
	rows := tableRows(t, r.out)
	if got := strings.Join(rows[0], " "); got != "NAME NODECLASS NODES READY AGE $/H" {
		t.Errorf("header = %q", got)
	}
	spot := catalog.SpotPrice("c5.xlarge", "us-east-1b")
	a := rowOf(t, rows, "get-a")
	wantCost := price.Format(0.0960+spot) + " est."
	if a[1] != "default" || a[2] != "2" || a[3] != "True" || strings.Join(a[5:], " ") != wantCost {
		t.Errorf("row get-a = %v, want nodeclass default, 2 nodes, Ready True, %s", a, wantCost)
	}
	b := rowOf(t, rows, "get-b")
	// The API server defaults status.nodes to 0 once the status is written.
	if b[2] != "0" || b[3] != "<none>" || strings.Join(b[5:], " ") != "$0.0000" {
		t.Errorf("row get-b = %v, want 0 nodes, no Ready, $0.0000", b)
	}

	wide := c.kubectlKarpenter(t, "get", "np", "get-a", "-o", "wide").mustSucceed(t)
	rows = tableRows(t, wide.out)
	if got := strings.Join(rows[0], " "); got != "NAME NODECLASS NODES READY AGE $/H WEIGHT CPU MEMORY" {
		t.Errorf("wide header = %q", got)
	}
	if a := rowOf(t, rows, "get-a"); strings.Join(a[len(a)-3:], " ") != "30 4 16Gi" {
		t.Errorf("wide row = %v, want weight 30, cpu 4, memory 16Gi", a)
	}

	noHeaders := c.kubectlKarpenter(t, "get", "nodepools", "-l", "team=other", "--no-headers").mustSucceed(t)
	if rows := tableRows(t, noHeaders.out); len(rows) != 1 || rows[0][0] != "get-b" {
		t.Errorf("--no-headers printed %q, want the get-b row alone", noHeaders.out)
	}
}

func TestGetNodeClaimsTable(t *testing.T) {
	c := getFixture(t)
	r := c.kubectlKarpenter(t, "get", "nodeclaims", "-l", "karpenter.sh/nodepool=get-a", "-o", "wide").mustSucceed(t)
	rows := tableRows(t, r.out)
	if got := strings.Join(rows[0], " "); got != "NAME TYPE CAPACITY ZONE NODE READY AGE $/H ID NODEPOOL NODECLASS DRIFTED" {
		t.Errorf("header = %q", got)
	}
	p := rowOf(t, rows, "get-a-priced")
	if strings.Join(p[1:6], " ") != "m5.large on-demand us-east-1a get-node-1 True" || p[7] != "$0.0960" || p[9] != "get-a" {
		t.Errorf("row get-a-priced = %v", p)
	}
	s := rowOf(t, rows, "get-a-spot")
	if s[4] != "<none>" || s[7] != price.Format(catalog.SpotPrice("c5.xlarge", "us-east-1b")) || s[8] != "est." {
		t.Errorf("row get-a-spot = %v, want no node and the catalog spot price marked est.", s)
	}
}

func TestGetMachineOutput(t *testing.T) {
	c := getFixture(t)
	js := c.kubectlKarpenter(t, "get", "nodepools", "-l", "team=get", "-o", "json").mustSucceed(t)
	var list struct {
		Kind  string `json:"kind"`
		Items []map[string]interface{}
	}
	if err := json.Unmarshal([]byte(js.out), &list); err != nil {
		t.Fatalf("-o json is not JSON: %v\n%s", err, js.out)
	}
	if list.Kind != "List" || len(list.Items) != 1 || list.Items[0]["kind"] != "NodePool" {
		t.Errorf("-o json = kind %s with %d items", list.Kind, len(list.Items))
	}

	y := c.kubectlKarpenter(t, "get", "nodeclaim", "get-a-spot", "-o", "yaml").mustSucceed(t)
	var nc karpv1.NodeClaim
	if err := yaml.Unmarshal([]byte(y.out), &nc); err != nil || nc.Name != "get-a-spot" || nc.Kind != "NodeClaim" {
		t.Errorf("-o yaml of one name = %v, %v; want the NodeClaim itself\n%s", nc.Name, err, y.out)
	}

	names := c.kubectlKarpenter(t, "get", "nodeclaims", "-l", "karpenter.sh/nodepool=get-a", "-o", "name").mustSucceed(t)
	if names.out != "nodeclaim.karpenter.sh/get-a-priced\nnodeclaim.karpenter.sh/get-a-spot\n" {
		t.Errorf("-o name = %q", names.out)
	}

	jp := c.kubectlKarpenter(t, "get", "nodeclaims", "-l", "karpenter.sh/nodepool=get-a", "-o", `jsonpath={.items[*].metadata.labels.node\.kubernetes\.io/instance-type}`).mustSucceed(t)
	if jp.out != "m5.large c5.xlarge" {
		t.Errorf("-o jsonpath = %q", jp.out)
	}
}

func TestGetRejectsBadInput(t *testing.T) {
	c := getFixture(t)
	c.kubectlKarpenter(t, "get", "nodepools", "-l", "team in (").mustFail(t, "invalid label selector")
	c.kubectlKarpenter(t, "get", "pods").mustFail(t, `unknown resource type "pods"`, "nodepools (np) or nodeclaims (nc)")
	c.kubectlKarpenter(t, "get", "nodepools", "-o", "xml").mustFail(t, `unknown output format "xml"`, "wide", "json")
	c.kubectlKarpenter(t, "get", "nodepool", "does-not-exist").mustFail(t, `nodepools.karpenter.sh "does-not-exist" not found`)
	empty := c.kubectlKarpenter(t, "get", "nodepools", "-l", "team=nobody").mustSucceed(t)
	if empty.out != "" || !strings.Contains(empty.errOut, "No resources found") {
		t.Errorf("an empty list printed %q / %q", empty.out, empty.errOut)
	}
}
