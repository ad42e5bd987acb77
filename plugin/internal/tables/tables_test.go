package tables

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/cli-runtime/pkg/printers"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func golden(t *testing.T, name string, table *metav1.Table, wide bool) {
	t.Helper()
	var b bytes.Buffer
	if err := printers.NewTablePrinter(printers.PrintOptions{Wide: wide}).PrintObj(table, &b); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", name+".golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (UPDATE_GOLDEN=1 creates it): %v", path, err)
	}
	if b.String() != string(want) {
		t.Errorf("%s differs (UPDATE_GOLDEN=1 rewrites it)\n--- got:\n%s--- want:\n%s", path, b.String(), want)
	}
}

func fixtureNodeClaims() []karpv1.NodeClaim {
	nc := func(name, pool, it, ct, zone, node string, age time.Duration) karpv1.NodeClaim {
		return karpv1.NodeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: ago(age), Labels: map[string]string{
				karpv1.NodePoolLabelKey: pool, corev1.LabelInstanceTypeStable: it, karpv1.CapacityTypeLabelKey: ct, corev1.LabelTopologyZone: zone,
			}},
			Spec:   karpv1.NodeClaimSpec{NodeClassRef: &karpv1.NodeClassReference{Name: "default"}},
			Status: karpv1.NodeClaimStatus{NodeName: node, ProviderID: "sim:///" + zone + "/i-00000000000000001"},
		}
	}
	a := nc("default-abcde", "default", "m5.large", "on-demand", "us-east-1a", "node-a", 3*time.Hour)
	a.Annotations = map[string]string{price.AnnotationKey: "0.0960"}
	a.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: "True"}, {Type: "Drifted", Status: "True"}}
	b := nc("default-fghij", "default", "c5.xlarge", "spot", "us-east-1b", "", 90*time.Second)
	b.Status.Conditions = []metav1.Condition{{Type: "Ready", Status: "Unknown"}}
	c := nc("gpu-klmno", "gpu", "unknown.type", "on-demand", "us-east-1c", "node-c", 49*time.Hour)
	return []karpv1.NodeClaim{a, b, c}
}

func TestNodeClaimsGolden(t *testing.T) {
	table := NodeClaims(fixtureNodeClaims(), now)
	golden(t, "nodeclaims", table, false)
	golden(t, "nodeclaims-wide", table, true)
}

func TestNodePoolsGolden(t *testing.T) {
	w := int32(10)
	nps := []karpv1.NodePool{
		{
			ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: ago(72 * time.Hour)},
			Spec:       karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{NodeClassRef: &karpv1.NodeClassReference{Name: "default"}}}},
			Status: karpv1.NodePoolStatus{
				Resources:  corev1.ResourceList{"nodes": resource.MustParse("2"), corev1.ResourceCPU: resource.MustParse("6"), corev1.ResourceMemory: resource.MustParse("24Gi")},
				Conditions: []metav1.Condition{{Type: "Ready", Status: "True"}},
			},
		},
		{
			ObjectMeta: metav1.ObjectMeta{Name: "gpu", CreationTimestamp: ago(10 * time.Minute)},
			Spec:       karpv1.NodePoolSpec{Weight: &w, Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{NodeClassRef: &karpv1.NodeClassReference{Name: "gpu"}}}},
		},
	}
	table := NodePools(nps, CostByNodePool(fixtureNodeClaims()), now)
	golden(t, "nodepools", table, false)
	golden(t, "nodepools-wide", table, true)
}

func TestCostByNodePool(t *testing.T) {
	costs := CostByNodePool(fixtureNodeClaims())
	d := costs["default"]
	if !d.Estimated || d.Unknown != 0 || d.PerHour <= 0.0960 {
		t.Errorf("default = %+v, want the offering price plus an estimated spot price", d)
	}
	if g := costs["gpu"]; g.Unknown != 1 || g.PerHour != 0 || g.Estimated {
		t.Errorf("gpu = %+v, want one unpriced NodeClaim", g)
	}
}

func TestTopGolden(t *testing.T) {
	rows := []usage.Node{
		{Name: "node-a", NodeClaim: "default-abcde", NodePool: "default", InstanceType: "m5.large", CapacityType: "on-demand", Zone: "us-east-1a",
			Pods: 12, MaxPods: 29, CPU: usage.Amount{Requested: 1500, Allocatable: 1930}, Memory: usage.Amount{Requested: 3 << 30, Allocatable: 7 << 30},
			Price: price.Price{PerHour: 0.096, Source: price.Offering}, Created: now.Add(-3 * time.Hour), State: usage.StateInitialized},
		{Name: "default-fghij", NodeClaim: "default-fghij", NodePool: "default", InstanceType: "c5.xlarge", CapacityType: "spot", Zone: "us-east-1b",
			MaxPods: 58, CPU: usage.Amount{Allocatable: 3920}, Memory: usage.Amount{Allocatable: 6 << 30},
			Price: price.Price{PerHour: 0.0712, Source: price.Catalog}, Created: now.Add(-time.Minute), State: usage.StateLaunched},
		{Name: "control-plane", Pods: 9, MaxPods: 110, CPU: usage.Amount{Requested: 4500, Allocatable: 4000}, Memory: usage.Amount{Requested: 1 << 30, Allocatable: 16 << 30},
			Created: now.Add(-400 * time.Hour), State: usage.StateUnmanaged},
	}
	golden(t, "top-nodes", TopNodes(rows, now), false)
	golden(t, "top-nodes-wide", TopNodes(rows, now), true)
	pools := usage.NodePools(rows, []karpv1.NodePool{{ObjectMeta: metav1.ObjectMeta{Name: "default"}, Spec: karpv1.NodePoolSpec{Limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("100")}}}})
	golden(t, "top-nodepools", TopNodePools(pools), true)
	if got, want := TotalLine(usage.Total(rows)), "Total: 3 nodes, 21 pods, CPU 6/9.8 cores (61%), memory 4/29 GiB (14%), $0.1672/h est. ($122.06/month)"; got != want {
		t.Errorf("TotalLine = %q\nwant        %q", got, want)
	}
}

// With metrics.k8s.io, a used column follows each requested one; a node without a measurement
// shows <unknown>, and the total says how many nodes were measured.
func TestTopNodesWithUsage(t *testing.T) {
	used := func(v int64) *int64 { return &v }
	rows := []usage.Node{
		{Name: "node-a", NodePool: "default", InstanceType: "m5.large", CapacityType: "on-demand", Zone: "us-east-1a",
			Pods: 3, MaxPods: 29, CPU: usage.Amount{Requested: 1000, Allocatable: 2000, Used: used(500)}, Memory: usage.Amount{Requested: 2 << 30, Allocatable: 8 << 30, Used: used(6 << 30)},
			Price: price.Price{PerHour: 0.096, Source: price.Offering}, Created: now.Add(-3 * time.Hour), State: usage.StateInitialized},
		{Name: "node-b", NodePool: "default", InstanceType: "m5.large", CapacityType: "on-demand", Zone: "us-east-1b",
			MaxPods: 29, CPU: usage.Amount{Allocatable: 2000}, Memory: usage.Amount{Allocatable: 8 << 30},
			Price: price.Price{PerHour: 0.096, Source: price.Offering}, Created: now.Add(-time.Minute), State: usage.StateRegistered},
	}
	golden(t, "top-nodes-usage", TopNodes(rows, now), false)
	golden(t, "top-nodes-usage-wide", TopNodes(rows, now), true)
	want := "Total: 2 nodes, 3 pods, CPU 1/4 cores (25%), memory 2/16 GiB (13%), $0.1920/h ($140.16/month); in use on 1 measured node(s): CPU 0.5 cores (25%), memory 6 GiB (75%)"
	if got := TotalLine(usage.Total(rows)); got != want {
		t.Errorf("TotalLine = %q\nwant        %q", got, want)
	}
}

func TestBar(t *testing.T) {
	for p, want := range map[float64]string{0: "[----------]", 34: "[###-------]", 100: "[##########]", 250: "[##########!"} {
		if got := Bar(p); got != want {
			t.Errorf("Bar(%v) = %q, want %q", p, got, want)
		}
	}
}
