package decisions

import (
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func TestLaunchedRoundTrips(t *testing.T) {
	in := Launch{InstanceType: "m5.large", CapacityType: "spot", Zone: "us-east-1a", PricePerHour: 0.0412, Pods: 12}
	d := Launched(&corev1.Node{}, in)
	if d.Reason != ReasonLaunched || d.Type != Normal {
		t.Fatalf("reason/type = %s/%s", d.Reason, d.Type)
	}
	got, ok := ParseLaunched(d.Message)
	if !ok {
		t.Fatalf("ParseLaunched(%q) did not parse", d.Message)
	}
	if got != in {
		t.Fatalf("ParseLaunched = %+v, want %+v", got, in)
	}
	if _, ok := ParseLaunched("Status condition transitioned, Type: Launched"); ok {
		t.Fatal("an unrelated message parsed as Launched")
	}
}

func TestNominatedAndFailedSchedulingParse(t *testing.T) {
	pod := &corev1.Pod{}
	if target, ok := ParseNominated(Nominated(pod, "nodeclaim/default-x2k").Message); !ok || target != "nodeclaim/default-x2k" {
		t.Fatalf("ParseNominated = %q, %v", target, ok)
	}
	d := FailedScheduling(pod, `nodepool "gpu": taint nvidia.com/gpu:NoSchedule not tolerated`)
	if d.Type != Warning {
		t.Fatalf("FailedScheduling type = %s, want Warning", d.Type)
	}
	if exp, ok := ParseFailedScheduling(d.Message); !ok || !strings.Contains(exp, "nvidia.com/gpu") {
		t.Fatalf("ParseFailedScheduling = %q, %v", exp, ok)
	}
	if _, ok := ParseFailedScheduling("0/3 nodes are available: 3 Insufficient cpu."); ok {
		t.Fatal("kube-scheduler's own FailedScheduling message parsed as the agent's")
	}
}

func TestMessagesStayUnderLimit(t *testing.T) {
	long := strings.Repeat("x", 5000)
	for _, d := range []Decision{
		FailedScheduling(&corev1.Pod{}, long),
		LaunchFailed(&corev1.Node{}, errors.New(long)),
		FailedDraining(&corev1.Node{}, long),
	} {
		if len(d.Message) > maxMessage {
			t.Errorf("%s message is %d bytes, limit %d", d.Reason, len(d.Message), maxMessage)
		}
	}
}

func TestActionableMessagesNameTheFix(t *testing.T) {
	d := NodePoolLimitReached(&corev1.Node{}, "cpu", "96", "100", 3)
	for _, want := range []string{"cpu", "96", "100", "3 pending", "spec.limits.cpu"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("NodePoolLimitReached message %q lacks %q", d.Message, want)
		}
	}
	if d.DedupeKey == "" {
		t.Error("limit Events must de-duplicate per resource")
	}
	to := Timeout(&corev1.Node{}, ReasonRegistrationTimeout, "registered", 15*time.Minute)
	if !strings.Contains(to.Message, "15m0s") || to.Type != Warning {
		t.Errorf("Timeout = %+v", to)
	}
}

func TestNodeDeletedNamesTheNodeAndWhatFollows(t *testing.T) {
	d := NodeDeleted(&corev1.Node{}, "ip-10-0-0-1")
	if d.Reason != ReasonNodeClaimDeletedByUser || d.Type != Normal {
		t.Fatalf("reason/type = %s/%s", d.Reason, d.Type)
	}
	for _, want := range []string{"ip-10-0-0-1", "drain", "terminate"} {
		if !strings.Contains(d.Message, want) {
			t.Errorf("message %q does not mention %q", d.Message, want)
		}
	}
}

func TestInstanceTerminatedNamesTheInstance(t *testing.T) {
	d := InstanceTerminated(&corev1.Node{}, "sim:///us-east-1a/i-0abc")
	if d.Reason != ReasonInstanceTerminated || d.Type != Warning {
		t.Fatalf("reason/type = %s/%s", d.Reason, d.Type)
	}
	if !strings.Contains(d.Message, "sim:///us-east-1a/i-0abc") || !strings.Contains(d.Message, "deleting the NodeClaim") {
		t.Errorf("message %q does not name the instance and what follows", d.Message)
	}
}

func TestRenewedDecisionsDedupeUntilTheyChange(t *testing.T) {
	pod := &corev1.Pod{}
	if a, b := Nominated(pod, "nodeclaim/a"), Nominated(pod, "nodeclaim/a"); a.DedupeKey == "" || a.DedupeKey != b.DedupeKey {
		t.Errorf("a renewed nomination must dedupe: keys %q and %q", a.DedupeKey, b.DedupeKey)
	}
	if a, b := Nominated(pod, "nodeclaim/a"), Nominated(pod, "node/b"); a.DedupeKey == b.DedupeKey {
		t.Errorf("a nomination to a new target must be recorded: both keys are %q", a.DedupeKey)
	}
	if a, b := FailedScheduling(pod, "x"), FailedScheduling(pod, "y"); a.DedupeKey == "" || a.DedupeKey == b.DedupeKey {
		t.Errorf("a changed explanation must be recorded: keys %q and %q", a.DedupeKey, b.DedupeKey)
	}
}

func TestRebalanceRecommendationSaysNothingHappens(t *testing.T) {
	d := RebalanceRecommendation(&corev1.Node{}, "EC2 recommends rebalancing spot instance i-0abc")
	if d.Reason != ReasonRebalanceRecommendation || d.Type != Normal {
		t.Fatalf("reason/type = %s/%s", d.Reason, d.Type)
	}
	if !strings.Contains(d.Message, "i-0abc") || !strings.Contains(d.Message, "no action") || strings.Contains(d.Message, "draining") {
		t.Errorf("message %q should name the instance and say that nothing is done", d.Message)
	}
}
