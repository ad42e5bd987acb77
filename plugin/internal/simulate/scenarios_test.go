package simulate

import (
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// A cluster of one NodePool "pool" (on-demand amd64, node class in us-east-1a and b) and one
// pending pod; each scenario changes one of them and expects the pool's constraint and a fix.
func scenario(mutate func(cl *Cluster, pod *corev1.Pod)) (*Cluster, *corev1.Pod) {
	nc := ec2v1.EC2NodeClass{ObjectMeta: metav1.ObjectMeta{Name: "default"}}
	nc.Status.Subnets = []ec2v1.Subnet{{ID: "subnet-a", Zone: "us-east-1a"}, {ID: "subnet-b", Zone: "us-east-1b"}}
	np := karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: "pool"}, Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
		NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
		Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
			{Key: karpv1.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"on-demand"}},
			{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}},
		},
	}}}}
	pod := corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "p", UID: "p"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("1"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}}},
	}
	cl := &Cluster{NodeClasses: []ec2v1.EC2NodeClass{nc}, NodePools: []karpv1.NodePool{np}}
	if mutate != nil {
		mutate(cl, &pod)
	}
	cl.Pods = append(cl.Pods, pod)
	return cl, &cl.Pods[len(cl.Pods)-1]
}

func TestScenarioFits(t *testing.T) {
	cl, pod := scenario(nil)
	reports, err := Run(cl, []*corev1.Pod{pod})
	if err != nil {
		t.Fatal(err)
	}
	s := reports[0].Simulation
	if !reports[0].WillSchedule || s.NodePool != "pool" || s.Offering == nil || s.Offering.CapacityType != "on-demand" {
		t.Errorf("simulation = %+v", s)
	}
}

func TestScenarioPerConstraintFamily(t *testing.T) {
	zoneC := corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{MatchExpressions: []corev1.NodeSelectorRequirement{
		{Key: corev1.LabelTopologyZone, Operator: corev1.NodeSelectorOpIn, Values: []string{"us-east-1c"}}}}}}
	for _, tc := range []struct {
		name       string
		mutate     func(cl *Cluster, pod *corev1.Pod)
		constraint scheduling.ReasonKind
		message    string
		fix        string
	}{
		{"taint", func(cl *Cluster, _ *corev1.Pod) {
			cl.NodePools[0].Spec.Template.Spec.Taints = []corev1.Taint{{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}}
		}, scheduling.ReasonTaint, "dedicated=gpu:NoSchedule", "toleration"},
		{"custom label", func(_ *Cluster, pod *corev1.Pod) {
			pod.Spec.NodeSelector = map[string]string{"team": "web"}
		}, scheduling.ReasonRequirement, "team", "team"},
		{"architecture", func(_ *Cluster, pod *corev1.Pod) {
			pod.Spec.NodeSelector = map[string]string{corev1.LabelArchStable: "arm64"}
		}, scheduling.ReasonRequirement, "kubernetes.io/arch", "arm64"},
		{"resources", func(_ *Cluster, pod *corev1.Pod) {
			pod.Spec.Containers[0].Resources.Requests[corev1.ResourceCPU] = resource.MustParse("1000")
		}, scheduling.ReasonResources, "insufficient cpu", "request at most"},
		{"limits", func(cl *Cluster, _ *corev1.Pod) {
			cl.NodePools[0].Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse("1")}
		}, scheduling.ReasonLimits, "limit", "limits"},
		{"zone", func(_ *Cluster, pod *corev1.Pod) {
			pod.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{RequiredDuringSchedulingIgnoredDuringExecution: &zoneC}}
		}, scheduling.ReasonNoOffering, "us-east-1c", "zones"},
		{"volume in another zone", func(cl *Cluster, pod *corev1.Pod) {
			cl.PVs = []corev1.PersistentVolume{{ObjectMeta: metav1.ObjectMeta{Name: "pv"},
				Spec: corev1.PersistentVolumeSpec{NodeAffinity: &corev1.VolumeNodeAffinity{Required: &zoneC}, ClaimRef: &corev1.ObjectReference{Namespace: "ns", Name: "data"}}}}
			cl.PVCs = []corev1.PersistentVolumeClaim{{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "data"}, Spec: corev1.PersistentVolumeClaimSpec{VolumeName: "pv"},
				Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimBound}}}
			pod.Spec.Volumes = []corev1.Volume{{Name: "data", VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: "data"}}}}
		}, scheduling.ReasonVolume, "us-east-1c", "zone"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cl, pod := scenario(tc.mutate)
			reports, err := Run(cl, []*corev1.Pod{pod})
			if err != nil {
				t.Fatal(err)
			}
			s := reports[0].Simulation
			if reports[0].WillSchedule || len(s.NodePools) != 1 {
				t.Fatalf("simulation = %+v, want the pod unplaced with the pool's reason", s)
			}
			r := s.NodePools[0]
			if r.Constraint != string(tc.constraint) || !strings.Contains(r.Message, tc.message) || !strings.Contains(r.Fix, tc.fix) {
				t.Errorf("pool reason = %+v, want %s mentioning %q with a fix about %q", r, tc.constraint, tc.message, tc.fix)
			}
			if !strings.Contains(s.Explanation, "NodePool pool: "+r.Message) || !strings.Contains(s.Summary, "nodepool pool: ") {
				t.Errorf("explanation and summary do not carry the reason:\n%s\n%s", s.Explanation, s.Summary)
			}
		})
	}
}
