package simulate

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func nodeClass(name string, terms ...ec2v1.SubnetSelectorTerm) ec2v1.EC2NodeClass {
	return ec2v1.EC2NodeClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: ec2v1.EC2NodeClassSpec{SubnetSelectorTerms: terms}}
}

func TestZones(t *testing.T) {
	its := NewInstanceTypes()
	if want := []string{"us-east-1a", "us-east-1b", "us-east-1c"}; !reflect.DeepEqual(its.defaultZones, want) {
		t.Fatalf("default zones = %v, want %v", its.defaultZones, want)
	}
	withStatus := nodeClass("s", ec2v1.SubnetSelectorTerm{Tags: map[string]string{"karpenter.sh/discovery": "x"}})
	withStatus.Status.Subnets = []ec2v1.Subnet{{ID: "subnet-1", Zone: "us-east-1b"}, {ID: "subnet-2", Zone: "us-east-1b"}}
	for _, tc := range []struct {
		name string
		nc   ec2v1.EC2NodeClass
		want []string
	}{
		{"status wins", withStatus, []string{"us-east-1b"}},
		{"discovery tag selects every zone", nodeClass("d", ec2v1.SubnetSelectorTerm{Tags: map[string]string{"karpenter.sh/discovery": "x"}}), []string{"us-east-1a", "us-east-1b", "us-east-1c"}},
		{"simulated subnet ids", nodeClass("i", ec2v1.SubnetSelectorTerm{ID: "subnet-a"}, ec2v1.SubnetSelectorTerm{ID: "subnet-c"}), []string{"us-east-1a", "us-east-1c"}},
		{"zone tag", nodeClass("z", ec2v1.SubnetSelectorTerm{Tags: map[string]string{corev1.LabelTopologyZone: "us-east-1b"}}), []string{"us-east-1b"}},
		{"zone tag outside the region", nodeClass("o", ec2v1.SubnetSelectorTerm{Tags: map[string]string{corev1.LabelTopologyZone: "eu-west-1a"}}), []string{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			types, zones := its.For(&tc.nc)
			if !reflect.DeepEqual(zones, tc.want) {
				t.Errorf("zones = %v, want %v", zones, tc.want)
			}
			if len(zones) == 0 {
				return
			}
			for _, o := range types[0].Offerings {
				if !contains(zones, o.Zone) {
					t.Errorf("offering in %s outside %v", o.Zone, zones)
				}
			}
			if got := types[0].Labels[corev1.LabelTopologyRegion]; got != "us-east-1" {
				t.Errorf("region label = %q", got)
			}
		})
	}
}

func TestKubeletMaxPods(t *testing.T) {
	its := NewInstanceTypes()
	plain := nodeClass("p", ec2v1.SubnetSelectorTerm{ID: "subnet-a"})
	base, _ := its.For(&plain)
	dense := plain
	maxPods := int32(8)
	dense.Spec.Kubelet = &ec2v1.KubeletConfiguration{MaxPods: &maxPods}
	capped, _ := its.For(&dense)
	if len(base) != len(capped) {
		t.Fatalf("%d vs %d types", len(base), len(capped))
	}
	for i := range base {
		b, c := base[i], capped[i]
		if c.Allocatable.Pods().Value() != 8 || c.Capacity.Pods().Value() != 8 {
			t.Fatalf("%s allows %v pods, want 8", c.Name, c.Allocatable.Pods())
		}
		fewer := b.Capacity.Pods().Value() - 8
		if want := b.Allocatable.Memory().Value() + fewer*kubeReservedMiBPerPod<<20; fewer > 0 && c.Allocatable.Memory().Value() != want {
			t.Errorf("%s memory %d, want %d (kube-reserved follows the pod count)", c.Name, c.Allocatable.Memory().Value(), want)
		}
	}
	if base[0].Allocatable.Pods().Value() == 8 {
		t.Error("the kubelet setting leaked into the plain node class's types")
	}
}

func TestBuildInputSkipsNodePoolsTheAgentSkips(t *testing.T) {
	ref := func(name string) *karpv1.NodeClassReference {
		return &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: name}
	}
	pool := func(name, class string) karpv1.NodePool {
		return karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{NodeClassRef: ref(class)}}}}
	}
	invalid := pool("invalid", "ok")
	invalid.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeValidationSucceeded, Status: metav1.ConditionFalse, Message: "bad requirement"}}
	cl := &Cluster{
		NodeClasses: []ec2v1.EC2NodeClass{nodeClass("ok", ec2v1.SubnetSelectorTerm{ID: "subnet-a"}), nodeClass("nowhere", ec2v1.SubnetSelectorTerm{Tags: map[string]string{corev1.LabelTopologyZone: "mars-1a"}})},
		NodePools:   []karpv1.NodePool{pool("good", "ok"), pool("missing", "gone"), pool("nowhere", "nowhere"), invalid},
		Pods: []corev1.Pod{
			{ObjectMeta: metav1.ObjectMeta{Name: "bound", UID: "1"}, Spec: corev1.PodSpec{NodeName: "n"}},
			{ObjectMeta: metav1.ObjectMeta{Name: "unschedulable", UID: "2"}, Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}}},
			{ObjectMeta: metav1.ObjectMeta{Name: "new", UID: "3"}},
		},
		NodeClaims: []karpv1.NodeClaim{{ObjectMeta: metav1.ObjectMeta{Name: "in-flight"}}, {ObjectMeta: metav1.ObjectMeta{Name: "registered"}, Status: karpv1.NodeClaimStatus{NodeName: "n"}}},
	}
	target := &cl.Pods[2]
	in := BuildInput(cl, []*corev1.Pod{target}, NewInstanceTypes())
	if len(in.NodePools) != 1 || in.NodePools[0].Name != "good" || len(in.NodePools[0].InstanceTypes) == 0 {
		t.Errorf("engine NodePools = %v, want good alone", in.NodePools)
	}
	skipped := map[string]string{}
	for _, s := range in.Skipped {
		skipped[s.NodePool] = s.Reason
	}
	for name, want := range map[string]string{
		"missing": "its EC2NodeClass gone does not exist",
		"nowhere": "EC2NodeClass nowhere selects no subnet, so no zone",
		"invalid": "not used by the agent: ValidationSucceeded=False: bad requirement",
	} {
		if skipped[name] != want {
			t.Errorf("skipped %s: %q, want %q", name, skipped[name], want)
		}
	}
	if len(in.Pods) != 2 || in.Pods[0].Name != "unschedulable" || in.Pods[1] != target {
		t.Errorf("pods = %v, want the provisionable pod, then the target", in.Pods)
	}
	if len(in.InFlight) != 1 || in.InFlight[0].Name != "in-flight" {
		t.Errorf("in-flight = %v", in.InFlight)
	}
}
