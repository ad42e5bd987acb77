package simulate

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/style"
)

// A node whose pod holds the host port the pending pod needs: the report names the constraint
// for the nodes and says how to free it, and the text prints that fix; with no NodePool, the
// pod is unplaced.
func TestNodeGroupsCarryAFix(t *testing.T) {
	withPort := func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = []corev1.ContainerPort{{ContainerPort: 8080, HostPort: 8080, Protocol: corev1.ProtocolTCP}}
	}
	cl, pod := scenario(func(cl *Cluster, pod *corev1.Pod) {
		cl.NodePools = nil
		rl := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}
		cl.Nodes = []corev1.Node{{ObjectMeta: metav1.ObjectMeta{Name: "n1", Labels: map[string]string{corev1.LabelHostname: "n1"}},
			Status: corev1.NodeStatus{Allocatable: rl, Capacity: rl}}}
		holder := *pod.DeepCopy()
		holder.Name, holder.UID, holder.Spec.NodeName = "holder", "holder", "n1"
		holder.Status.Phase = corev1.PodRunning
		withPort(&holder)
		cl.Pods = append(cl.Pods, holder)
		withPort(pod)
	})
	reports, err := Run(cl, []*corev1.Pod{pod})
	if err != nil {
		t.Fatal(err)
	}
	s := reports[0].Simulation
	if reports[0].WillSchedule || len(s.Nodes) != 1 {
		t.Fatalf("simulation = %+v, want the pod unplaced with one group of nodes", s)
	}
	g := s.Nodes[0]
	if g.Constraint != string(scheduling.ReasonHostPort) || !strings.HasPrefix(g.Fix, "free host port TCP/8080 on these nodes") {
		t.Errorf("node group = %+v, want HostPort with a fix freeing TCP/8080", g)
	}
	var b strings.Builder
	writeSimulation(&b, s, style.Style{})
	if want := "fix (existing nodes that " + g.Reason + "): " + g.Fix; !strings.Contains(b.String(), want) {
		t.Errorf("text lacks %q:\n%s", want, b.String())
	}
}
