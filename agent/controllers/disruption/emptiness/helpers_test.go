package emptiness

import (
	"context"
	"fmt"
	"reflect"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/karpenter-tools/kubectl-karpenter/agent/nominations"

	"k8s.io/apimachinery/pkg/util/wait"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// t0 is the fake clock's start, a whole second as the API's timestamps are.
var t0 = time.Date(2026, time.March, 2, 10, 0, 0, 0, time.UTC)

// holdFinalizer stands in for the termination path: it keeps a deleted NodeClaim visible.
const holdFinalizer = "test.karpenter.sh/hold"

// recorder keeps every published decision.
type recorder struct {
	mu sync.Mutex
	ds []decisions.Decision
}

func (r *recorder) Publish(ds ...decisions.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ds = append(r.ds, ds...)
}

// find returns the decisions with the reason about obj (the same kind and name).
func (r *recorder) find(reason string, obj client.Object) []decisions.Decision {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []decisions.Decision
	for _, d := range r.ds {
		if o, ok := d.Object.(client.Object); ok && d.Reason == reason && o.GetName() == obj.GetName() &&
			reflect.TypeOf(o) == reflect.TypeOf(obj) {
			out = append(out, d)
		}
	}
	return out
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// unique turns the test name into a prefix for the cluster-scoped objects it creates.
func unique(t *testing.T) string {
	s := strings.ToLower(regexp.MustCompile(`[^a-zA-Z0-9]+`).ReplaceAllString(t.Name(), "-"))
	if len(s) > 40 {
		s = s[len(s)-40:]
	}
	return strings.Trim(s, "-")
}

// create creates the object and deletes it when the test ends, so that the controllers a later
// test runs do not act on it.
func (e *testEnv) create(t *testing.T, obj client.Object) {
	t.Helper()
	if err := e.direct.Create(e.ctx, obj); err != nil {
		t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
	}
	t.Cleanup(func() {
		ctx := context.Background()
		key := client.ObjectKeyFromObject(obj)
		cur := obj.DeepCopyObject().(client.Object)
		if err := e.direct.Get(ctx, key, cur); err != nil {
			return
		}
		if len(cur.GetFinalizers()) > 0 {
			cur.SetFinalizers(nil)
			_ = e.direct.Update(ctx, cur)
		}
		_ = e.direct.Delete(ctx, cur, client.GracePeriodSeconds(0))
	})
}

func (e *testEnv) newNodePool(t *testing.T, name, consolidateAfter string, budgets ...karpv1.Budget) *karpv1.NodePool {
	t.Helper()
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}},
				NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
			}},
			Disruption: karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration(consolidateAfter), Budgets: budgets},
		},
	}
	if budgets == nil {
		np.Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "100%"}}
	}
	e.create(t, np)
	return np
}

// newNode creates an initialized NodeClaim of the pool and its Node. lastPodEvent may be zero.
func (e *testEnv) newNode(t *testing.T, pool, name string, initializedAt, lastPodEvent time.Time, annotations map[string]string) (*karpv1.NodeClaim, *corev1.Node) {
	t.Helper()
	providerID := "sim:///us-east-1a/i-" + name
	nc := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: pool}, Finalizers: []string{holdFinalizer}},
		Spec: karpv1.NodeClaimSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
		},
	}
	e.create(t, nc)
	at := metav1.NewTime(initializedAt)
	nc.Status = karpv1.NodeClaimStatus{
		ProviderID: providerID,
		NodeName:   name,
		Conditions: []metav1.Condition{
			{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: at},
			{Type: karpv1.ConditionTypeRegistered, Status: metav1.ConditionTrue, Reason: "Registered", LastTransitionTime: at},
			{Type: karpv1.ConditionTypeInitialized, Status: metav1.ConditionTrue, Reason: "Initialized", LastTransitionTime: at},
		},
		LastPodEventTime: metav1.NewTime(lastPodEvent),
	}
	if err := e.direct.Status().Update(e.ctx, nc); err != nil {
		t.Fatalf("setting the status of nodeclaim %s: %v", name, err)
	}
	node := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: pool}, Annotations: annotations},
		Spec:       corev1.NodeSpec{ProviderID: providerID},
	}
	e.create(t, node)
	return nc, node
}

// newPod creates a running pod bound to the node, owned by a controller of the kind ("" for a
// bare pod).
func (e *testEnv) newPod(t *testing.T, name, nodeName, ownerKind string, annotations map[string]string) *corev1.Pod {
	t.Helper()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name, Annotations: annotations},
		Spec:       corev1.PodSpec{NodeName: nodeName, Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}}},
	}
	if ownerKind != "" {
		pod.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: ownerKind, Name: name + "-owner", UID: types.UID(name + "-owner-uid"), Controller: ptr.To(true)}}
	}
	e.create(t, pod)
	return pod
}

// cached waits until the manager's cache holds the object at least as new as obj.
func (e *testEnv) cached(t *testing.T, obj client.Object) {
	t.Helper()
	key := client.ObjectKeyFromObject(obj)
	got := obj.DeepCopyObject().(client.Object)
	eventually(t, fmt.Sprintf("the cache to see %T %s at resourceVersion %s", obj, key.Name, obj.GetResourceVersion()), func() bool {
		return e.mgr.GetClient().Get(e.ctx, key, got) == nil && got.GetResourceVersion() == obj.GetResourceVersion()
	})
}

// nodeClaim reads a NodeClaim from the API server; nil when it is gone.
func (e *testEnv) nodeClaim(t *testing.T, name string) *karpv1.NodeClaim {
	t.Helper()
	nc := &karpv1.NodeClaim{}
	if err := e.direct.Get(e.ctx, types.NamespacedName{Name: name}, nc); err != nil {
		if apierrors.IsNotFound(err) {
			return nil
		}
		t.Fatal(err)
	}
	return nc
}

func (e *testEnv) deleting(t *testing.T, name string) bool {
	t.Helper()
	nc := e.nodeClaim(t, name)
	return nc == nil || nc.DeletionTimestamp != nil
}

// reconcile runs one pass over the pool once the cache shows the pool's NodeClaims as the API
// server has them, so that the pass sees what the test just wrote.
func (e *testEnv) reconcile(t *testing.T, c *Controller, pool string) reconcile.Result {
	t.Helper()
	var list karpv1.NodeClaimList
	if err := e.direct.List(e.ctx, &list, client.MatchingLabels{karpv1.NodePoolLabelKey: pool}); err != nil {
		t.Fatal(err)
	}
	for i := range list.Items {
		e.cached(t, &list.Items[i])
	}
	res, err := c.Reconcile(e.ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: pool}})
	if err != nil {
		t.Fatalf("reconciling nodepool %s: %v", pool, err)
	}
	return res
}

// testNominationTTL is the agent default: twice the 10s batch max duration.
const testNominationTTL = 20 * time.Second

// setup builds the controller on a fake clock at t0 and starts the manager. Without
// controllers, only the indexes are registered and the test drives Reconcile itself, so that it
// decides when time passes; with them, the watches are under test too.
func setup(t *testing.T, withControllers bool) (*testEnv, *Controller, *clocktesting.FakeClock, *recorder) {
	t.Helper()
	e := newTestEnv(t)
	clk := clocktesting.NewFakeClock(t0)
	rec := &recorder{}
	c := NewController(e.mgr.GetClient(), clk, rec, nominations.New(clk, testNominationTTL))
	var err error
	if withControllers {
		err = c.Register(e.mgr)
	} else {
		err = registerIndexes(e.ctx, e.mgr)
	}
	if err != nil {
		t.Fatal(err)
	}
	e.start(t)
	return e, c, clk, rec
}

func metav1ObjectKey(name string) types.NamespacedName { return types.NamespacedName{Name: name} }

func messages(ds []decisions.Decision) []string {
	out := make([]string, 0, len(ds))
	for _, d := range ds {
		out = append(out, d.Message)
	}
	return out
}
