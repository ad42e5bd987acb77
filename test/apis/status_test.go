package apis

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// statusNodeClass creates the default EC2NodeClass under a name of its own and returns it typed.
func statusNodeClass(t *testing.T, s *suite, name string) *ec2v1.EC2NodeClass {
	t.Helper()
	_, u := readManifest(t, "valid/"+ec2Base)
	u.SetName(name)
	s.createObject(t, u)
	nc := &ec2v1.EC2NodeClass{}
	if err := s.typed.Get(testContext(t), client.ObjectKey{Name: name}, nc); err != nil {
		t.Fatal(err)
	}
	return nc
}

// The agent can record the capacity reservations and root devices it resolved, as upstream's
// controller does; the reservation type and state default as upstream's do.
func TestEC2NodeClassStatusHoldsCapacityReservations(t *testing.T) {
	s := requireEnv(t)
	ctx := testContext(t)
	nc := statusNodeClass(t, s, "status-capacity-reservations")
	end := metav1.NewTime(time.Date(2026, 12, 1, 11, 30, 0, 0, time.UTC))
	nc.Status.CapacityReservations = []ec2v1.CapacityReservation{
		{AvailabilityZone: "us-west-2a", ID: "cr-56fac701cc1951b03", InstanceMatchCriteria: "open", InstanceType: "m5.large", OwnerID: "012345678901"},
		{AvailabilityZone: "us-west-2b", EndTime: &end, ID: "cr-0123456789abcdef0", InstanceMatchCriteria: "targeted", InstanceType: "p5.48xlarge",
			OwnerID: "012345678901", ReservationType: ec2v1.CapacityReservationTypeCapacityBlock, State: ec2v1.CapacityReservationStateExpiring},
	}
	nc.Status.AMIs = []ec2v1.AMI{{ID: "ami-0123456789abcdef0", Name: "al2023", Requirements: []corev1.NodeSelectorRequirement{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}}, RootDeviceName: "/dev/xvda", RootDeviceSnapshotID: "snap-0123456789abcdef0"}}
	if err := s.typed.Status().Update(ctx, nc); err != nil {
		t.Fatalf("updating the status: %v", err)
	}
	got, err := s.resource(ec2NodeClasses).Get(ctx, nc.Name, getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, "default", "status", "capacityReservations", "0", "reservationType")
	requireField(t, got, "active", "status", "capacityReservations", "0", "state")
	requireUnset(t, got, "status", "capacityReservations", "0", "endTime")
	requireField(t, got, "capacity-block", "status", "capacityReservations", "1", "reservationType")
	requireField(t, got, "expiring", "status", "capacityReservations", "1", "state")
	requireField(t, got, "2026-12-01T11:30:00Z", "status", "capacityReservations", "1", "endTime")
	requireField(t, got, "/dev/xvda", "status", "amis", "0", "rootDeviceName")
	requireField(t, got, "snap-0123456789abcdef0", "status", "amis", "0", "rootDeviceSnapshotID")

	typed := &ec2v1.EC2NodeClass{}
	if err := s.typed.Get(ctx, client.ObjectKey{Name: nc.Name}, typed); err != nil {
		t.Fatal(err)
	}
	if n := len(typed.Status.CapacityReservations); n != 2 {
		t.Fatalf("%d capacity reservations read back, want 2", n)
	}
	if r := typed.Status.CapacityReservations[0]; r.ReservationType != ec2v1.CapacityReservationTypeDefault || r.State != ec2v1.CapacityReservationStateActive {
		t.Errorf("reservation 0 read back as type %q state %q, want default and active", r.ReservationType, r.State)
	}
}

// A status the agent writes wrongly is refused at the field, as a user's spec would be.
func TestEC2NodeClassStatusRejectsMalformedReservations(t *testing.T) {
	s := requireEnv(t)
	for _, tc := range []struct {
		name   string
		mutate func(*ec2v1.CapacityReservation)
		want   fieldError
	}{
		{"owner", func(r *ec2v1.CapacityReservation) { r.OwnerID = "me" },
			fieldError{"status.capacityReservations[0].ownerID", mustMatchMsg}},
		{"state", func(r *ec2v1.CapacityReservation) { r.State = "expired" },
			fieldError{"status.capacityReservations[0].state", `Unsupported value: "expired"`}},
		{"type", func(r *ec2v1.CapacityReservation) { r.ReservationType = "spot-block" },
			fieldError{"status.capacityReservations[0].reservationType", `Unsupported value: "spot-block"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nc := statusNodeClass(t, s, objectName("status-invalid", tc.name))
			r := ec2v1.CapacityReservation{AvailabilityZone: "us-west-2a", ID: "cr-56fac701cc1951b03", InstanceMatchCriteria: "open", InstanceType: "m5.large", OwnerID: "012345678901"}
			tc.mutate(&r)
			nc.Status.CapacityReservations = []ec2v1.CapacityReservation{r}
			requireRejected(t, s.typed.Status().Update(testContext(t), nc, client.DryRunAll), tc.want)
		})
	}
}

// kubectl scale works on a static NodePool, as upstream's scale subresource allows: it reads
// spec.replicas and status.nodes, and writes spec.replicas.
func TestStaticNodePoolScales(t *testing.T) {
	s := requireEnv(t)
	ctx := testContext(t)
	_, u := readManifest(t, "valid/nodepool-static.yaml")
	u.SetName("static-scale")
	s.createObject(t, u)

	scale, err := s.resource(nodePools).Get(ctx, u.GetName(), getOptions, "scale")
	if err != nil {
		t.Fatalf("reading the scale subresource: %v", err)
	}
	requireField(t, scale, 3, "spec", "replicas")
	if err := unstructured.SetNestedField(scale.Object, int64(5), "spec", "replicas"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.resource(nodePools).Update(ctx, scale, metav1.UpdateOptions{}, "scale"); err != nil {
		t.Fatalf("scaling to 5: %v", err)
	}
	got, err := s.resource(nodePools).Get(ctx, u.GetName(), getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, 5, "spec", "replicas")

	// A status written without a node count reports 0 nodes, as upstream's default does, so
	// that kubectl scale and the Nodes column never read a missing count.
	np := &karpv1.NodePool{}
	if err := s.typed.Get(ctx, client.ObjectKey{Name: u.GetName()}, np); err != nil {
		t.Fatal(err)
	}
	np.Status.Nodes = nil
	np.Status.Conditions = []metav1.Condition{readyCondition()}
	if err := s.typed.Status().Update(ctx, np); err != nil {
		t.Fatalf("updating the status: %v", err)
	}
	scale, err = s.resource(nodePools).Get(ctx, u.GetName(), getOptions, "scale")
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, scale, 0, "status", "replicas")
}
