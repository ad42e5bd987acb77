package describe

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

var now = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

func at(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("reading %s (UPDATE_GOLDEN=1 creates it): %v", path, err)
	}
	if got != string(want) {
		t.Errorf("%s differs (UPDATE_GOLDEN=1 rewrites it)\n--- got:\n%s--- want:\n%s", path, got, want)
	}
}

func event(kind, name, reason, message string, age time.Duration) corev1.Event {
	return corev1.Event{
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: "shop", Name: name},
		Type:           "Normal", Reason: reason, Message: message, Count: 1,
		Source:        corev1.EventSource{Component: "karpenter"},
		LastTimestamp: at(age),
	}
}

func nodeClaim() *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: "default-abcde", CreationTimestamp: at(time.Hour), Labels: map[string]string{
			karpv1.NodePoolLabelKey: "default", corev1.LabelInstanceTypeStable: "m5.large", karpv1.CapacityTypeLabelKey: "spot", corev1.LabelTopologyZone: "us-east-1a",
		}},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"m5.large", "c5.large"}}},
			Resources:    karpv1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")}},
			ExpireAfter:  karpv1.MustParseNillableDuration("720h"),
		},
		Status: karpv1.NodeClaimStatus{
			NodeName: "node-a", ProviderID: "sim:///us-east-1a/i-00000000000000001",
			Capacity: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), corev1.ResourceMemory: resource.MustParse("8Gi")},
			Conditions: []metav1.Condition{
				{Type: karpv1.ConditionTypeReady, Status: "True", Reason: "Ready", LastTransitionTime: at(50 * time.Minute)},
				{Type: karpv1.ConditionTypeRegistered, Status: "True", Reason: "Registered", LastTransitionTime: at(55 * time.Minute)},
				{Type: karpv1.ConditionTypeLaunched, Status: "True", Reason: "Launched", LastTransitionTime: at(59 * time.Minute)},
				{Type: karpv1.ConditionTypeConsolidatable, Status: "False", Reason: "PodsScheduled", LastTransitionTime: at(40 * time.Minute)},
			},
		},
	}
}

func TestNodeClaimGolden(t *testing.T) {
	pod := corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "web-1"}, Status: corev1.PodStatus{Phase: corev1.PodRunning},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
			corev1.ResourceCPU: resource.MustParse("500m"), corev1.ResourceMemory: resource.MustParse("1Gi")}}}}}}
	var b bytes.Buffer
	err := NodeClaim(&b, NodeClaimInput{
		NodeClaim: nodeClaim(),
		Pods:      []corev1.Pod{pod},
		Nominations: []corev1.Event{
			event("Pod", "web-1", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/default-abcde", time.Hour),
			event("Pod", "web-1", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/default-abcde", time.Hour),
			event("Pod", "web-0", decisions.ReasonNominated, "Pod should schedule on: nodeclaim/default-abcde", time.Hour),
		},
		Events: []corev1.Event{
			event("NodeClaim", "default-abcde", "SomethingElse", "not a decision", 2*time.Hour),
			event("NodeClaim", "default-abcde", decisions.ReasonLaunched, "Launched m5.large (spot) in us-east-1a at $0.0420/h for 2 pod(s)", 59*time.Minute),
			event("NodeClaim", "default-abcde", decisions.ReasonRegistered, "Registered node node-a", 55*time.Minute),
		},
		Now: now,
	})
	if err != nil {
		t.Fatal(err)
	}
	golden(t, "nodeclaim", b.String())
}

func TestNodePoolGolden(t *testing.T) {
	w := int32(10)
	sched, dur := "0 9 * * 1-5", metav1.Duration{Duration: 8 * time.Hour}
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: "default", CreationTimestamp: at(72 * time.Hour), Labels: map[string]string{"team": "platform"}},
		Spec: karpv1.NodePoolSpec{
			Weight: &w,
			Template: karpv1.NodeClaimTemplate{
				ObjectMeta: karpv1.ObjectMeta{Labels: map[string]string{"tier": "web"}},
				Spec: karpv1.NodeClaimTemplateSpec{
					NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
					Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: "karpenter.k8s.aws/instance-family", Operator: corev1.NodeSelectorOpExists, MinValues: &[]int{3}[0]}},
					Taints:       []corev1.Taint{{Key: "dedicated", Value: "web", Effect: corev1.TaintEffectNoSchedule}},
					ExpireAfter:  karpv1.MustParseNillableDuration("Never"),
				},
			},
			Disruption: karpv1.Disruption{
				ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmpty, ConsolidateAfter: karpv1.MustParseNillableDuration("5m"),
				Budgets: []karpv1.Budget{{Nodes: "10%"}, {Nodes: "0", Reasons: []karpv1.DisruptionReason{"Drifted"}, Schedule: &sched, Duration: &dur}},
			},
			Limits: karpv1.Limits{corev1.ResourceCPU: resource.MustParse("100")},
		},
		Status: karpv1.NodePoolStatus{Resources: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("2"), "nodes": resource.MustParse("1")}},
	}
	var b bytes.Buffer
	if err := NodePool(&b, NodePoolInput{NodePool: np, NodeClaims: []karpv1.NodeClaim{*nodeClaim()}, NodeClassMissing: true, Now: now}); err != nil {
		t.Fatal(err)
	}
	golden(t, "nodepool", b.String())
}
