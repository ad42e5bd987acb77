package tui

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/charmbracelet/lipgloss"
	"github.com/go-logr/logr"
	"github.com/muesli/termenv"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/klog/v2"
	"k8s.io/utils/ptr"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
)

// Every golden file is rendered without colours, so that it reads as text and does not depend
// on the terminal running the tests.
func TestMain(m *testing.M) {
	// client-go reports watch failures through klog; the tests assert them on screen instead.
	klog.SetLogger(logr.Discard())
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	code := suite.Main(m)
	os.Exit(code)
}

var now = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return now }

func ago(d time.Duration) metav1.Time { return metav1.NewTime(now.Add(-d)) }

func rl(cpu, mem string) corev1.ResourceList {
	return corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem), corev1.ResourcePods: resource.MustParse("29")}
}

func fixtureNodePool(name string, weight int32, cpuLimit string) *karpv1.NodePool {
	np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: ago(72 * time.Hour)}}
	if weight > 0 {
		np.Spec.Weight = ptr.To(weight)
	}
	if cpuLimit != "" {
		np.Spec.Limits = karpv1.Limits{corev1.ResourceCPU: resource.MustParse(cpuLimit)}
	}
	np.Status.Conditions = []metav1.Condition{{Type: karpv1.ConditionTypeReady, Status: metav1.ConditionTrue}}
	return np
}

// fixtureNodeClaim is launched `age` ago; stages are how long it took to launch, register and
// initialize (0: not reached).
func fixtureNodeClaim(name, pool, it, ct, zone, node string, createdAgo time.Duration, stages ...time.Duration) *karpv1.NodeClaim {
	nc := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: ago(createdAgo), Labels: map[string]string{
			karpv1.NodePoolLabelKey: pool, corev1.LabelInstanceTypeStable: it, karpv1.CapacityTypeLabelKey: ct, corev1.LabelTopologyZone: zone,
		}},
		Status: karpv1.NodeClaimStatus{NodeName: node, Allocatable: rl("2", "8Gi")},
	}
	at := now.Add(-createdAgo)
	for i, typ := range []string{karpv1.ConditionTypeLaunched, karpv1.ConditionTypeRegistered, karpv1.ConditionTypeInitialized} {
		if i >= len(stages) || stages[i] == 0 {
			break
		}
		at = at.Add(stages[i])
		nc.Status.Conditions = append(nc.Status.Conditions, metav1.Condition{Type: typ, Status: metav1.ConditionTrue, Reason: typ, LastTransitionTime: metav1.NewTime(at)})
	}
	return nc
}

func fixtureNode(name, pool, it string) *corev1.Node {
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: ago(2 * time.Hour), Labels: map[string]string{
			karpv1.NodePoolLabelKey: pool, corev1.LabelInstanceTypeStable: it, karpv1.CapacityTypeLabelKey: "on-demand", corev1.LabelTopologyZone: "us-east-1a",
		}},
		Status: corev1.NodeStatus{Allocatable: rl("2", "8Gi"), Capacity: rl("2", "8Gi")},
	}
}

func fixturePod(ns, name, node, cpu, mem string) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, UID: types.UID(ns + "-" + name), CreationTimestamp: ago(10 * time.Minute), ResourceVersion: "1"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "app", Resources: corev1.ResourceRequirements{
			Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem)}}}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning},
	}
	if node == "" {
		p.Status = corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{{
			Type: corev1.PodScheduled, Status: corev1.ConditionFalse, Reason: corev1.PodReasonUnschedulable}}}
	}
	return p
}

func fixtureEvent(uid, kind, ns, name, typ, reason, msg string, seenAgo time.Duration, count int32) *corev1.Event {
	return &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: name + "." + uid, Namespace: "default", UID: types.UID(uid)},
		InvolvedObject: corev1.ObjectReference{Kind: kind, Namespace: ns, Name: name},
		Type:           typ, Reason: reason, Message: msg, Count: count,
		Source:        corev1.EventSource{Component: "karpenter"},
		LastTimestamp: ago(seenAgo), FirstTimestamp: ago(seenAgo),
	}
}

// fixtureStore is a small cluster: two NodePools, three NodeClaims (one without a node yet),
// their nodes and pods, two pending pods, the agent's decisions and its leader Lease.
func fixtureStore() *Store {
	s := NewStore()
	s.UpsertNodePool(fixtureNodePool("default", 10, "100"), nil)
	s.UpsertNodePool(fixtureNodePool("gpu", 0, ""), nil)
	a := fixtureNodeClaim("default-abcde", "default", "m5.large", "on-demand", "us-east-1a", "node-a", 2*time.Hour, 40*time.Second, 25*time.Second, 5*time.Second)
	a.Annotations = map[string]string{price.AnnotationKey: "0.0960"}
	a.Status.Conditions = append(a.Status.Conditions, metav1.Condition{Type: karpv1.ConditionTypeDrifted, Status: metav1.ConditionTrue, Reason: "NodePoolDrifted", LastTransitionTime: ago(time.Hour)})
	b := fixtureNodeClaim("default-fghij", "default", "c5.xlarge", "spot", "us-east-1b", "", 90*time.Second, 30*time.Second)
	c := fixtureNodeClaim("gpu-klmno", "gpu", "g5.xlarge", "on-demand", "us-east-1c", "node-c", 5*time.Hour, 50*time.Second, 20*time.Second, 10*time.Second)
	c.Annotations = map[string]string{price.AnnotationKey: "1.0060"}
	for _, nc := range []*karpv1.NodeClaim{a, b, c} {
		s.UpsertNodeClaim(nc, nil)
	}
	s.UpsertNode(fixtureNode("node-a", "default", "m5.large"))
	nodeC := fixtureNode("node-c", "gpu", "g5.xlarge")
	nodeC.Annotations = map[string]string{karpv1.DoNotDisruptAnnotationKey: "true"}
	s.UpsertNode(nodeC)
	s.UpsertPod(fixturePod("shop", "web-1", "node-a", "500m", "1Gi"))
	s.UpsertPod(fixturePod("shop", "web-2", "node-a", "1", "2Gi"))
	s.UpsertPod(fixturePod("ml", "train-0", "node-c", "1500m", "4Gi"))
	s.UpsertPod(fixturePod("shop", "web-3", "", "500m", "1Gi"))
	s.UpsertPod(fixturePod("ml", "train-1", "", "64", "256Gi"))
	for _, e := range []*corev1.Event{
		fixtureEvent("e1", "NodeClaim", "", "default-abcde", "Normal", "Launched", "Launched m5.large (on-demand) in us-east-1a at $0.0960/h for 2 pod(s)", 2*time.Hour-40*time.Second, 1),
		fixtureEvent("e2", "Pod", "shop", "web-1", "Normal", "Nominated", "Pod should schedule on: nodeclaim/default-abcde", 2*time.Hour-time.Second, 1),
		fixtureEvent("e3", "Pod", "ml", "train-1", "Warning", "FailedScheduling", "Failed to schedule pod: nodepool default: insufficient cpu", 2*time.Minute, 4),
		fixtureEvent("e4", "NodePool", "", "default", "Warning", "NodePoolLimitReached", "Limit cpu reached (100 in use of 100); 1 pending pod(s) cannot get a node from this NodePool. Raise spec.limits.cpu or add another NodePool", time.Minute, 2),
	} {
		s.UpsertEvent(e)
	}
	s.UpsertLease(&coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "karpenter", Name: LeaseName},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("karpenter-agent-7d9f_1b2c"), LeaseDurationSeconds: ptr.To(int32(15)),
			RenewTime: ptr.To(metav1.NewMicroTime(now.Add(-3 * time.Second)))},
	})
	for _, r := range watchedResources {
		s.MarkSynced(r)
	}
	return s
}

// fakeExplainer answers the simulation from fixed reports.
func fakeExplainer(calls *int) Explainer {
	return func(_ context.Context, snap *Snapshot) (map[string]simulate.Report, error) {
		*calls++
		out := map[string]simulate.Report{}
		for _, p := range snap.Pending {
			r := simulate.Report{Namespace: p.Pod.Namespace, Name: p.Pod.Name, PendingSince: p.Pod.CreationTimestamp}
			if p.Pod.Name == "train-1" {
				r.Simulation = simulate.Simulation{Outcome: simulate.OutcomeUnplaced, Summary: "nodepool default: insufficient cpu; nodepool gpu: no instance type has 64 cpu",
					Explanation: "Pod ml/train-1 cannot be placed.\nNodePool default: insufficient cpu (requests 64, largest type offers 48)\n  fix: request at most 48 cpu\nNodePool gpu: no instance type has 64 cpu\n"}
			} else {
				r.WillSchedule = true
				r.Simulation = simulate.Simulation{Outcome: simulate.OutcomeNewNodeClaim, NodePool: "default", InstanceTypes: []string{"m5.large"},
					Offering: &simulate.Offering{InstanceType: "m5.large", Zone: "us-east-1a", CapacityType: "on-demand", PricePerHour: 0.096}}
			}
			out[p.Key] = r
		}
		return out, nil
	}
}

// fakeActions records the actions it was asked for.
type fakeActions struct {
	calls []string
	err   error
}

func (f *fakeActions) DeleteNodeClaim(_ context.Context, name string) error {
	f.calls = append(f.calls, "delete "+name)
	return f.err
}

func (f *fakeActions) SetDoNotDisrupt(_ context.Context, node string, on bool) error {
	f.calls = append(f.calls, "do-not-disrupt "+node+" "+map[bool]string{true: "on", false: "off"}[on])
	return f.err
}

func (f *fakeActions) Cordon(_ context.Context, node string, on bool) error {
	f.calls = append(f.calls, "cordon "+node+" "+map[bool]string{true: "on", false: "off"}[on])
	return f.err
}
