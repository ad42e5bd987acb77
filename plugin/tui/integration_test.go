package tui

import (
	"bytes"
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/charmbracelet/x/exp/teatest"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/test/envsuite"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
)

var seq atomic.Int32

// uniq names a test's objects apart from those of other tests and of earlier runs (-count)
// on the shared API server.
func uniq(prefix string) string { return fmt.Sprintf("%s%d", prefix, seq.Add(1)) }

// suite is the package's API server, started by the first test that needs one.
var suite = &envsuite.Suite{}

// apiCluster is a direct client on the suite's API server for setup and assertions.
type apiCluster struct {
	t      *testing.T
	client client.Client
}

func newAPICluster(t *testing.T) (*apiCluster, *kube.Clients) {
	t.Helper()
	cfg := suite.APIServer(t)
	cl, err := client.New(cfg, client.Options{Scheme: scheme.New()})
	if err != nil {
		t.Fatal(err)
	}
	c, err := kube.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &apiCluster{t: t, client: cl}, c
}

// create creates the objects, then writes the status each was given (create ignores it).
func (a *apiCluster) create(objs ...client.Object) {
	a.t.Helper()
	ctx := context.Background()
	for _, obj := range objs {
		withStatus := obj.DeepCopyObject().(client.Object)
		err := a.client.Create(ctx, obj)
		if apierrors.IsAlreadyExists(err) {
			continue
		}
		if err != nil {
			a.t.Fatalf("creating %T %s: %v", obj, obj.GetName(), err)
		}
		switch obj.(type) {
		case *corev1.Event, *corev1.Namespace, *coordinationv1.Lease:
			continue
		}
		withStatus.SetResourceVersion(obj.GetResourceVersion())
		if err := a.client.Status().Update(ctx, withStatus); err != nil {
			a.t.Fatalf("writing the status of %T %s: %v", obj, obj.GetName(), err)
		}
	}
}

func apiNodePool(name string) *karpv1.NodePool {
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: karpv1.CapacityTypeLabelKey, Operator: corev1.NodeSelectorOpIn, Values: []string{"on-demand"}}},
		}}},
	}
}

func apiNodeClaim(name, pool, node string) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{
			karpv1.NodePoolLabelKey: pool, corev1.LabelInstanceTypeStable: "m5.large", karpv1.CapacityTypeLabelKey: "on-demand", corev1.LabelTopologyZone: "us-east-1a",
		}},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{{Key: corev1.LabelInstanceTypeStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"m5.large"}}},
		},
		Status: karpv1.NodeClaimStatus{NodeName: node, Allocatable: rl("2", "8Gi"), Conditions: []metav1.Condition{
			{Type: karpv1.ConditionTypeLaunched, Status: metav1.ConditionTrue, Reason: "Launched", LastTransitionTime: metav1.Now()}}},
	}
}

func apiNode(name, pool string) *corev1.Node {
	n := fixtureNode(name, pool, "m5.large")
	n.CreationTimestamp = metav1.Time{}
	return n
}

func apiPod(ns, name, node string) *corev1.Pod {
	p := fixturePod(ns, name, node, "250m", "256Mi")
	p.UID, p.ResourceVersion, p.CreationTimestamp = "", "", metav1.Time{}
	p.Spec.Containers[0].Image = "registry.k8s.io/pause:3.10"
	return p
}

// seed creates a NodePool with a registered NodeClaim, its node and a pod, a pending pod, a
// decision Event and the agent's Lease, all named with the prefix.
func (a *apiCluster) seed(prefix string) {
	a.t.Helper()
	a.create(&corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "karpenter"}}, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: prefix}})
	a.create(apiNodePool(prefix), apiNode(prefix+"-node-1", prefix), apiNodeClaim(prefix+"-aaaaa", prefix, prefix+"-node-1"),
		apiPod(prefix, "web-1", prefix+"-node-1"), apiPod(prefix, "web-2", ""))
	now := metav1.Now()
	a.create(&corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Namespace: "default", Name: prefix + "-launched"},
		InvolvedObject: corev1.ObjectReference{Kind: "NodeClaim", Name: prefix + "-aaaaa", APIVersion: karpv1.SchemeGroupVersion.String()},
		Type:           corev1.EventTypeNormal, Reason: "Launched", Message: "Launched m5.large (on-demand) in us-east-1a at $0.0960/h for 1 pod(s)",
		Source: corev1.EventSource{Component: "karpenter"}, FirstTimestamp: now, LastTimestamp: now, Count: 1,
	}, &coordinationv1.Lease{
		ObjectMeta: metav1.ObjectMeta{Namespace: "karpenter", Name: LeaseName},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("agent-0_" + prefix), LeaseDurationSeconds: ptr.To(int32(3600)),
			RenewTime: ptr.To(metav1.NewMicroTime(time.Now()))},
	})
}

// waitOutput waits until the program has written every want. The renderer writes only the
// lines that changed, so texts shown in the same frame must be awaited together.
func waitOutput(t *testing.T, tm *teatest.TestModel, wants ...string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(b []byte) bool {
		for _, w := range wants {
			if !bytes.Contains(b, []byte(w)) {
				return false
			}
		}
		return true
	}, teatest.WithDuration(30*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// A change in the cluster reaches the screen through the informers, without a keypress; the
// actions change the cluster.
func TestLiveAgainstAPIServer(t *testing.T) {
	api, c := newAPICluster(t)
	live := uniq("live")
	api.seed(live)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := NewStore()
	if err := NewSource(c, store).Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := New(ctx, Config{Context: "envtest", Store: store, Actions: KubeActions{Clients: c}, Start: viewNodeClaims, Window: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(160, 30))
	// The Lease is shared by the tests on this API server: its first seeder holds it.
	waitOutput(t, tm, live+"-aaaaa", "agent: running, leader agent-0_")
	// Other tests' NodeClaims share the server: keep this test's only.
	tm.Send(keyMsg("/"))
	for _, k := range keysOf(live, "enter") {
		tm.Send(k)
	}
	waitOutput(t, tm, "filter: "+live)

	// Without a key: a new NodeClaim appears.
	api.create(apiNodeClaim(live+"-bbbbb", live, ""))
	waitOutput(t, tm, live+"-bbbbb")

	// Cordon the first NodeClaim's node, after confirming.
	tm.Send(keyMsg("c"))
	waitOutput(t, tm, "Cordon node "+live+"-node-1?")
	tm.Send(keyMsg("y"))
	poll(t, func(ctx context.Context) (bool, error) {
		n := &corev1.Node{}
		err := api.client.Get(ctx, client.ObjectKey{Name: live + "-node-1"}, n)
		return err == nil && n.Spec.Unschedulable, err
	})
	// The node's change comes back through the informer: the row is marked cordoned.
	waitOutput(t, tm, "Cordoned")

	// Delete the other NodeClaim.
	tm.Send(keyMsg("j"))
	tm.Send(keyMsg("ctrl+d"))
	waitOutput(t, tm, "Delete NodeClaim "+live+"-bbbbb?")
	tm.Send(keyMsg("y"))
	poll(t, func(ctx context.Context) (bool, error) {
		err := api.client.Get(ctx, client.ObjectKey{Name: live + "-bbbbb"}, &karpv1.NodeClaim{})
		return client.IgnoreNotFound(err) == nil && err != nil, client.IgnoreNotFound(err)
	})
	waitOutput(t, tm, "delete nodeclaim "+live+"-bbbbb: done")

	// The decisions stream shows the agent's Event.
	for _, k := range keysOf(":", "decisions", "enter") {
		tm.Send(k)
	}
	waitOutput(t, tm, "Launched m5.large (on-demand)")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))
}

func poll(t *testing.T, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, 30*time.Second, true, cond); err != nil {
		t.Fatal(err)
	}
}

// The pending screen runs the agent's scheduling engine on what the informers hold and what
// the simulation lists (EC2NodeClasses, DaemonSets, volumes), and Enter shows its explanation.
func TestPendingVerdictFromTheEngine(t *testing.T) {
	api, c := newAPICluster(t)
	name := uniq("why")
	api.seed(name)
	// The kube-scheduler's word on the pod, which the informers do not watch (they follow the
	// agent's Events only): why-pending shows it first, and so must the explanation.
	scheduler := api.schedulerEvent(name, "web-2", "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }.")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	store := NewStore()
	if err := NewSource(c, store).Run(ctx); err != nil {
		t.Fatal(err)
	}
	m := New(ctx, Config{Context: "envtest", Store: store, Explain: ClusterExplainer(c), Start: viewPending, Window: 20 * time.Millisecond})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(200, 30))
	// Other tests' pods share the server, and their verdicts may name this test's NodePool:
	// filter on this test's namespace and pod.
	tm.Send(keyMsg("/"))
	for _, k := range keysOf(name+" web-2", "enter") {
		tm.Send(k)
	}
	waitOutput(t, tm, "filter: "+name+" web-2", "cannot be placed: ")
	// The seeded node is not Ready and the NodePool's EC2NodeClass does not exist: the engine
	// says both, as why-pending would.
	tm.Send(keyMsg("enter"))
	waitOutput(t, tm, "Pod "+name+"/web-2", "NodePool "+name+": its EC2NodeClass default does not exist", "fix: create it",
		"kube-scheduler: "+scheduler.Message+" (")
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	tm.WaitFinished(t, teatest.WithFinalTimeout(10*time.Second))

	// The same as why-pending: its report on the pod, from its own lists, says the same of the
	// kube-scheduler as the TUI's, from the store and the Events it lists.
	whyPending, err := simulate.Load(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	want := schedulerSays(t, whyPending, name, "web-2")
	tui, err := ClusterExplainer(c)(ctx, store.Snapshot(time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	got, ok := tui[name+"/web-2"]
	switch {
	case !ok:
		t.Fatalf("the TUI's simulation has no report on %s/web-2", name)
	case !equality.Semantic.DeepEqual(got.Scheduler, want):
		t.Fatalf("the TUI says the kube-scheduler said %+v, why-pending %+v", got.Scheduler, want)
	}
}

// schedulerSays is what why-pending reports the kube-scheduler said about the pod.
func schedulerSays(t *testing.T, cl *simulate.Cluster, namespace, name string) *simulate.Message {
	t.Helper()
	for i := range cl.Pods {
		if p := &cl.Pods[i]; p.Namespace == namespace && p.Name == name {
			reports, err := simulate.Run(cl, []*corev1.Pod{p})
			if err != nil {
				t.Fatal(err)
			}
			if reports[0].Scheduler == nil {
				t.Fatalf("why-pending reports nothing from the kube-scheduler on %s/%s", namespace, name)
			}
			return reports[0].Scheduler
		}
	}
	t.Fatalf("why-pending does not see the pod %s/%s", namespace, name)
	return nil
}

// schedulerEvent records a FailedScheduling Event on the pod as the kube-scheduler does through
// the events.k8s.io API: no source component, its name as the reporting controller, a series.
func (a *apiCluster) schedulerEvent(namespace, pod, message string) *corev1.Event {
	a.t.Helper()
	p := &corev1.Pod{}
	if err := a.client.Get(context.Background(), client.ObjectKey{Namespace: namespace, Name: pod}, p); err != nil {
		a.t.Fatal(err)
	}
	first := metav1.NewMicroTime(time.Now().Add(-time.Minute).Truncate(time.Second))
	e := &corev1.Event{
		ObjectMeta:          metav1.ObjectMeta{Namespace: namespace, Name: pod + ".scheduler"},
		InvolvedObject:      corev1.ObjectReference{Kind: "Pod", APIVersion: "v1", Namespace: namespace, Name: pod, UID: p.UID},
		Type:                corev1.EventTypeWarning,
		Reason:              "FailedScheduling",
		Action:              "Scheduling",
		Message:             message,
		EventTime:           first,
		Series:              &corev1.EventSeries{Count: 3, LastObservedTime: metav1.NewMicroTime(first.Add(30 * time.Second))},
		ReportingController: "default-scheduler",
		ReportingInstance:   "default-scheduler-" + namespace,
	}
	a.create(e)
	return e
}
