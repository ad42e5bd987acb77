package usage

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// The measurements of metrics.k8s.io join the rows by node name; a node not measured and a
// NodeClaim without a node keep Used nil, and the totals sum only what was measured.
func TestNodesMergeUsage(t *testing.T) {
	in := Input{
		Nodes: []corev1.Node{node("n1", "a", "2", "8Gi"), node("n2", "a", "4", "16Gi")},
		Pods:  []corev1.Pod{pod("p1", "n1", "500m", "1Gi", corev1.PodRunning)},
		NodeClaims: []karpv1.NodeClaim{
			{ObjectMeta: metav1.ObjectMeta{Name: "launching", Labels: map[string]string{karpv1.NodePoolLabelKey: "a"}}},
		},
		Usage: map[string]kube.NodeUsage{
			"n1":   {CPU: 1500, Memory: 2 << 30},
			"gone": {CPU: 100, Memory: 1 << 30},
		},
	}
	rows := Nodes(in)
	if !HasUsage(rows) {
		t.Fatal("HasUsage = false with a measured node")
	}
	byName := map[string]Node{}
	for _, r := range rows {
		byName[r.Name] = r
	}
	n1 := byName["n1"]
	if n1.CPU.Used == nil || *n1.CPU.Used != 1500 || n1.Memory.Used == nil || *n1.Memory.Used != 2<<30 || n1.CPU.Requested != 500 {
		t.Fatalf("n1 = %+v, want 1500m and 2Gi used beside 500m requested", n1)
	}
	if p, ok := n1.CPU.UsedPercent(); !ok || p != 75 {
		t.Errorf("n1 cpu used = %v%% (%v), want 75%%", p, ok)
	}
	for _, name := range []string{"n2", "launching"} {
		if r := byName[name]; r.CPU.Used != nil || r.Memory.Used != nil {
			t.Errorf("%s = %+v, want no measurement", name, r)
		}
	}
	if _, ok := byName["n2"].CPU.UsedPercent(); ok {
		t.Error("UsedPercent of an unmeasured node reports a value")
	}
	total := Total(rows)
	if total.Measured != 1 || total.CPU.Used == nil || *total.CPU.Used != 1500 || total.MeasuredCPU != 2000 || total.MeasuredMemory != 8<<30 {
		t.Errorf("total = %+v, want n1's measurement only", total)
	}
	if HasUsage(Nodes(Input{Nodes: in.Nodes})) {
		t.Error("HasUsage = true without metrics")
	}
	if total := Total(Nodes(Input{Nodes: in.Nodes})); total.CPU.Used != nil || total.Measured != 0 {
		t.Errorf("total without metrics = %+v", total)
	}
}
