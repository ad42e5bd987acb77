package apis

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// column is a printer column as kubectl shows it: priority 0 always, 1 with -o wide.
type column struct {
	name     string
	priority int32
	jsonPath string
	typ      string
}

// Upstream Karpenter's NodePool columns.
var nodePoolColumns = []column{
	{"NodeClass", 0, ".spec.template.spec.nodeClassRef.name", "string"},
	{"Nodes", 0, ".status.nodes", "string"},
	{"Ready", 0, `.status.conditions[?(@.type=="Ready")].status`, "string"},
	{"Age", 0, ".metadata.creationTimestamp", "date"},
	{"Weight", 1, ".spec.weight", "integer"},
	{"CPU", 1, ".status.resources.cpu", "string"},
	{"Memory", 1, ".status.resources.memory", "string"},
}

// Upstream Karpenter's NodeClaim columns: the default ones, then those of -o wide.
var (
	nodeClaimColumns = []column{
		{"Type", 0, `.metadata.labels.node\.kubernetes\.io/instance-type`, "string"},
		{"Capacity", 0, `.metadata.labels.karpenter\.sh/capacity-type`, "string"},
		{"Zone", 0, `.metadata.labels.topology\.kubernetes\.io/zone`, "string"},
		{"Node", 0, ".status.nodeName", "string"},
		{"Ready", 0, `.status.conditions[?(@.type=="Ready")].status`, "string"},
		{"Age", 0, ".metadata.creationTimestamp", "date"},
	}
	nodeClaimWideColumns = []column{
		{"ID", 1, ".status.providerID", "string"},
		{"NodePool", 1, `.metadata.labels.karpenter\.sh/nodepool`, "string"},
		{"NodeClass", 1, ".spec.nodeClassRef.name", "string"},
	}
)

func crdColumns(t *testing.T, s *suite, crdName string) []column {
	t.Helper()
	crd, err := s.extensions.ApiextensionsV1().CustomResourceDefinitions().Get(testContext(t), crdName, getOptions)
	if err != nil {
		t.Fatal(err)
	}
	var cols []column
	for _, c := range crd.Spec.Versions[0].AdditionalPrinterColumns {
		cols = append(cols, column{c.Name, c.Priority, c.JSONPath, c.Type})
	}
	return cols
}

func withPriority(cols []column, p int32) []column {
	var out []column
	for _, c := range cols {
		if c.priority == p {
			out = append(out, c)
		}
	}
	return out
}

// isSubsequence reports whether want appears in got in order, possibly with others between.
func isSubsequence(want, got []column) bool {
	i := 0
	for _, c := range got {
		if i < len(want) && c == want[i] {
			i++
		}
	}
	return i == len(want)
}

// The CRDs declare the printer columns upstream declares.
func TestPrinterColumnsAreDeclared(t *testing.T) {
	s := requireEnv(t)
	if got := crdColumns(t, s, "nodepools.karpenter.sh"); fmt.Sprint(got) != fmt.Sprint(nodePoolColumns) {
		t.Errorf("NodePool columns:\n got %v\nwant %v", got, nodePoolColumns)
	}
	got := crdColumns(t, s, "nodeclaims.karpenter.sh")
	if d := withPriority(got, 0); fmt.Sprint(d) != fmt.Sprint(nodeClaimColumns) {
		t.Errorf("NodeClaim default columns:\n got %v\nwant %v", d, nodeClaimColumns)
	}
	if w := withPriority(got, 1); !isSubsequence(nodeClaimWideColumns, w) {
		t.Errorf("NodeClaim wide columns:\n got %v\nwant %v in this order", w, nodeClaimWideColumns)
	}
}

// getTable asks the API server for an object as a kubectl Table.
func getTable(t *testing.T, s *suite, gvr schema.GroupVersionResource, name string) *metav1.Table {
	t.Helper()
	raw, err := s.kube.CoreV1().RESTClient().Get().
		AbsPath("/apis", gvr.Group, gvr.Version, gvr.Resource, name).
		SetHeader("Accept", "application/json;as=Table;v=v1;g=meta.k8s.io").
		DoRaw(testContext(t))
	if err != nil {
		t.Fatalf("getting %s %s as a Table: %v", gvr.Resource, name, err)
	}
	table := &metav1.Table{}
	if err := json.Unmarshal(raw, table); err != nil {
		t.Fatalf("decoding the Table: %v\n%s", err, raw)
	}
	if table.Kind != "Table" || len(table.Rows) != 1 {
		t.Fatalf("want a Table with one row, got kind %q with %d rows", table.Kind, len(table.Rows))
	}
	return table
}

// requireCells checks the cells of a one-row table by column name. A want of "<age>" accepts any
// human-readable age.
func requireCells(t *testing.T, table *metav1.Table, want map[string]string) {
	t.Helper()
	if table.ColumnDefinitions[0].Name != "Name" {
		t.Errorf("first column %q, want Name", table.ColumnDefinitions[0].Name)
	}
	seen := map[string]bool{}
	for i, def := range table.ColumnDefinitions {
		w, ok := want[def.Name]
		if !ok {
			continue
		}
		seen[def.Name] = true
		cell := table.Rows[0].Cells[i]
		got := fmt.Sprint(cell)
		if cell == nil {
			got = "<none>"
		}
		if w == "<age>" {
			if s, ok := cell.(string); !ok || s == "" || s == "<invalid>" {
				t.Errorf("column %s = %v, want an age", def.Name, cell)
			}
			continue
		}
		if got != w {
			t.Errorf("column %s = %s, want %s", def.Name, got, w)
		}
	}
	for name := range want {
		if !seen[name] {
			t.Errorf("the Table has no column %s", name)
		}
	}
}

func readyCondition() metav1.Condition {
	return metav1.Condition{Type: "Ready", Status: metav1.ConditionTrue, Reason: "Ready", Message: "", LastTransitionTime: metav1.NewTime(time.Now().Truncate(time.Second))}
}

// kubectl get nodepools shows the pool's node class, node count, readiness, weight and capacity.
func TestNodePoolTableCells(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: columns
spec:
  weight: 30
  template:
    spec:
      requirements: []
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: columns-class}
`))
	s.createObject(t, u)
	ctx := testContext(t)
	np := &karpv1.NodePool{}
	if err := s.typed.Get(ctx, client.ObjectKey{Name: u.GetName()}, np); err != nil {
		t.Fatal(err)
	}
	np.Status.Resources = corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse("16"),
		corev1.ResourceMemory: resource.MustParse("64Gi"),
		"nodes":               resource.MustParse("2"),
	}
	np.Status.Nodes = ptr.To[int64](2)
	np.Status.Conditions = []metav1.Condition{readyCondition()}
	if err := s.typed.Status().Update(ctx, np); err != nil {
		t.Fatalf("updating the status: %v", err)
	}
	requireCells(t, getTable(t, s, nodePools, u.GetName()), map[string]string{
		"Name": "columns", "NodeClass": "columns-class", "Nodes": "2", "Ready": "True", "Age": "<age>",
		"Weight": "30", "CPU": "16", "Memory": "64Gi",
	})
}

// kubectl get nodeclaims shows instance type, capacity type, zone, node and readiness, and with
// -o wide the provider ID, pool and node class.
func TestNodeClaimTableCells(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1
kind: NodeClaim
metadata:
  name: columns-x7k2p
  labels:
    karpenter.sh/nodepool: columns
    karpenter.sh/capacity-type: spot
    node.kubernetes.io/instance-type: m5.xlarge
    topology.kubernetes.io/zone: us-west-2c
spec:
  requirements:
  - {key: karpenter.sh/nodepool, operator: In, values: [columns]}
  nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: columns-class}
`))
	s.createObject(t, u)
	ctx := testContext(t)
	nc := &karpv1.NodeClaim{}
	if err := s.typed.Get(ctx, client.ObjectKey{Name: u.GetName()}, nc); err != nil {
		t.Fatal(err)
	}
	nc.Status.NodeName = "ip-10-0-12-34.us-west-2.compute.internal"
	nc.Status.ProviderID = "aws:///us-west-2c/i-0123456789abcdef0"
	nc.Status.ImageID = "ami-0123456789abcdef0"
	nc.Status.Capacity = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi")}
	nc.Status.Allocatable = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("3920m"), corev1.ResourceMemory: resource.MustParse("14Gi")}
	nc.Status.Conditions = []metav1.Condition{readyCondition()}
	if err := s.typed.Status().Update(ctx, nc); err != nil {
		t.Fatalf("updating the status: %v", err)
	}
	table := getTable(t, s, nodeClaims, u.GetName())
	requireCells(t, table, map[string]string{
		"Name": "columns-x7k2p", "Type": "m5.xlarge", "Capacity": "spot", "Zone": "us-west-2c",
		"Node": "ip-10-0-12-34.us-west-2.compute.internal", "Ready": "True", "Age": "<age>",
		"ID": "aws:///us-west-2c/i-0123456789abcdef0", "NodePool": "columns", "NodeClass": "columns-class",
	})
	for _, def := range table.ColumnDefinitions {
		for _, wide := range nodeClaimWideColumns {
			if def.Name == wide.name && def.Priority != 1 {
				t.Errorf("column %s has priority %d in the Table, want 1 (shown with -o wide)", def.Name, def.Priority)
			}
		}
	}
}
