package cloudprovider

import (
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

func TestNodeTaints(t *testing.T) {
	now := metav1.Now()
	nc := &karpv1.NodeClaim{Spec: karpv1.NodeClaimSpec{
		Taints:        []corev1.Taint{{Key: "a", Value: "1", Effect: corev1.TaintEffectNoSchedule, TimeAdded: &now}},
		StartupTaints: []corev1.Taint{{Key: "a", Value: "2", Effect: corev1.TaintEffectNoSchedule}, {Key: "b", Effect: corev1.TaintEffectNoExecute}},
	}}
	got := NodeTaints(nc)
	want := []corev1.Taint{
		{Key: karpv1.UnregisteredNoExecuteTaint.Key, Value: karpv1.UnregisteredNoExecuteTaint.Value, Effect: karpv1.UnregisteredNoExecuteTaint.Effect},
		{Key: "a", Value: "1", Effect: corev1.TaintEffectNoSchedule},
		{Key: "b", Effect: corev1.TaintEffectNoExecute},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("NodeTaints = %v, want %v", got, want)
	}
}

func TestNewInsufficientCapacityErrorBoundsTheList(t *testing.T) {
	offerings := make([]OfferingKey, MaxListedOfferings+3)
	err := NewInsufficientCapacityError("none", offerings)
	if len(err.Offerings) != MaxListedOfferings || !strings.HasSuffix(err.Message, "(3 more not listed)") {
		t.Errorf("got %d offerings, message %q", len(err.Offerings), err.Message)
	}
	if err := NewInsufficientCapacityError("none", offerings[:2]); len(err.Offerings) != 2 || err.Message != "none" {
		t.Errorf("got %d offerings, message %q", len(err.Offerings), err.Message)
	}
}
