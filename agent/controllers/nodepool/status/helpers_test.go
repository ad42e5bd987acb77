package status

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// recorder keeps every published decision.
type recorder struct {
	mu sync.Mutex
	ds []decisions.Decision
}

// Publish keeps the decisions that would become Events: like decisions.EventRecorder, it drops
// a repeat of an object's DedupeKey. Without that, a reconcile reading a cache that has not yet
// seen its predecessor's status patch counted as a second Event, which production suppresses.
func (r *recorder) Publish(ds ...decisions.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, d := range ds {
		if d.DedupeKey != "" && slices.ContainsFunc(r.ds, func(p decisions.Decision) bool {
			return p.DedupeKey == d.DedupeKey && sameObject(p, d)
		}) {
			continue
		}
		r.ds = append(r.ds, d)
	}
}

func sameObject(a, b decisions.Decision) bool {
	ao, aok := a.Object.(client.Object)
	bo, bok := b.Object.(client.Object)
	return aok && bok && ao.GetUID() == bo.GetUID() && ao.GetName() == bo.GetName()
}

// messages returns the messages of the decisions with the reason about the named object.
func (r *recorder) messages(reason, name string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.ds {
		if o, ok := d.Object.(client.Object); ok && d.Reason == reason && o.GetName() == name {
			out = append(out, d.Message)
		}
	}
	return out
}

// eventually polls cond until it returns "" or the deadline passes, then fails with its last
// complaint.
func eventually(t *testing.T, what string, cond func() string) {
	t.Helper()
	var msg string
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		msg = cond()
		return msg == "", nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s: %s", what, msg)
	}
}

func unique(t *testing.T) string {
	s := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	if len(s) > 40 {
		s = s[len(s)-40:]
	}
	return strings.Trim(s, "-")
}

// create creates the object and deletes it when the test ends.
func (e *testEnv) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := e.direct.Create(e.ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
	t.Cleanup(func() { _ = e.direct.Delete(context.Background(), obj) })
}

func (e *testEnv) newNodeClass(t *testing.T, name string) *ec2v1.EC2NodeClass {
	t.Helper()
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ec2v1.EC2NodeClassSpec{
			Role:                       "KarpenterNodeRole",
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
		},
	}
	e.create(t, nc)
	return nc
}

func (e *testEnv) newNodePool(t *testing.T, name, nodeClass string, mutate func(*karpv1.NodePool)) *karpv1.NodePool {
	t.Helper()
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}},
				NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: nodeClass},
			}},
			Disruption: karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("30s")},
		},
	}
	if mutate != nil {
		mutate(np)
	}
	e.create(t, np)
	return np
}

// newNodeClaim creates a NodeClaim of the pool; with an instance type it is launched into that
// offering with the capacity given.
func (e *testEnv) newNodeClaim(t *testing.T, pool, name, instanceType, zone, capacityType string, capacity corev1.ResourceList) *karpv1.NodeClaim {
	t.Helper()
	nc := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: pool}},
		Spec: karpv1.NodeClaimSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}},
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
		},
	}
	if instanceType != "" {
		nc.Labels[corev1.LabelInstanceTypeStable] = instanceType
		nc.Labels[corev1.LabelTopologyZone] = zone
		nc.Labels[karpv1.CapacityTypeLabelKey] = capacityType
	}
	e.create(t, nc)
	if instanceType != "" {
		nc.Status.ProviderID = "fake:///" + zone + "/i-" + name
		nc.Status.Capacity = capacity
		if err := e.direct.Status().Update(e.ctx, nc); err != nil {
			t.Fatalf("launching nodeclaim %s: %v", name, err)
		}
	}
	return nc
}

func (e *testEnv) nodePool(t *testing.T, name string) *karpv1.NodePool {
	t.Helper()
	np := &karpv1.NodePool{}
	if err := e.direct.Get(e.ctx, types.NamespacedName{Name: name}, np); err != nil {
		t.Fatal(err)
	}
	return np
}

// condition describes a NodePool condition for comparisons: "Status Reason: Message".
func condition(np *karpv1.NodePool, condType string) string {
	c := meta.FindStatusCondition(np.Status.Conditions, condType)
	if c == nil {
		return "<none>"
	}
	return string(c.Status) + " " + c.Reason + ": " + c.Message
}

// setup starts the controller against the CloudProvider.
func setup(t *testing.T, cp cloudprovider.CloudProvider) (*testEnv, *Controller, *recorder) {
	t.Helper()
	e := newTestEnv(t)
	rec := &recorder{}
	c := NewController(e.mgr.GetClient(), cp, rec, clocktesting.NewFakeClock(time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)))
	if err := c.Register(e.mgr); err != nil {
		t.Fatal(err)
	}
	e.start(t)
	return e, c, rec
}
