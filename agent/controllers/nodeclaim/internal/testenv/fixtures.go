package testenv

import (
	"context"
	"fmt"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// NodeClaim returns a NodeClaim of NodePool "default" as the provisioner creates it: a unique
// name, the nodepool label, the termination finalizer, a node class reference, and the
// requirement that it run linux. Overrides adjust it.
func NodeClaim(overrides ...func(*karpv1.NodeClaim)) *karpv1.NodeClaim {
	nc := &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:       "default-" + rand.String(6),
			Labels:     map[string]string{karpv1.NodePoolLabelKey: "default"},
			Finalizers: []string{karpv1.TerminationFinalizer},
		},
		Spec: karpv1.NodeClaimSpec{
			Requirements: []karpv1.NodeSelectorRequirementWithMinValues{
				{Key: corev1.LabelOSStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"linux"}},
			},
			NodeClassRef: &karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"},
		},
	}
	for _, o := range overrides {
		o(nc)
	}
	return nc
}

// Requirement adds an In requirement.
func Requirement(key string, values ...string) func(*karpv1.NodeClaim) {
	return func(nc *karpv1.NodeClaim) {
		nc.Spec.Requirements = append(nc.Spec.Requirements, karpv1.NodeSelectorRequirementWithMinValues{
			Key: key, Operator: corev1.NodeSelectorOpIn, Values: values,
		})
	}
}

// Create creates the objects, failing the test on error.
func Create(t testing.TB, c client.Client, objs ...client.Object) {
	t.Helper()
	for _, o := range objs {
		if err := c.Create(context.Background(), o); err != nil {
			t.Fatalf("creating %T %s: %v", o, o.GetName(), err)
		}
	}
}

// Get reads the object's current state into it.
func Get(ctx context.Context, c client.Client, o client.Object) error {
	return c.Get(ctx, client.ObjectKeyFromObject(o), o)
}

// ConditionIs returns nil when the NodeClaim (read fresh) has the condition with the status
// (and, if given, reason), otherwise an error describing its conditions.
func ConditionIs(ctx context.Context, c client.Client, nc *karpv1.NodeClaim, typ string, status metav1.ConditionStatus, reason string) error {
	if err := Get(ctx, c, nc); err != nil {
		return err
	}
	cond := meta.FindStatusCondition(nc.Status.Conditions, typ)
	if cond == nil || cond.Status != status || (reason != "" && cond.Reason != reason) {
		return fmt.Errorf("want %s=%s (%s), have %s", typ, status, reason, describe(nc.Status.Conditions))
	}
	return nil
}

func describe(conds []metav1.Condition) string {
	parts := make([]string, 0, len(conds))
	for _, c := range conds {
		parts = append(parts, fmt.Sprintf("%s=%s (%s: %s)", c.Type, c.Status, c.Reason, c.Message))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Gone returns nil once the object no longer exists, or once it is being deleted when
// deletingIsEnough (a finalizer holds it).
func Gone(ctx context.Context, c client.Client, o client.Object, deletingIsEnough bool) error {
	if err := Get(ctx, c, o); err != nil {
		return ignoreNotFound(err)
	}
	if deletingIsEnough && !o.GetDeletionTimestamp().IsZero() {
		return nil
	}
	return fmt.Errorf("%T %s still exists (deletionTimestamp %v, finalizers %v)", o, o.GetName(), o.GetDeletionTimestamp(), o.GetFinalizers())
}

// Pod returns a pod bound to the node, with a 30 s grace period. Overrides adjust it.
func Pod(namespace, nodeName string, overrides ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: "pod-" + rand.String(6), Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{
			NodeName:                      nodeName,
			TerminationGracePeriodSeconds: ptr.To[int64](30),
			Containers:                    []corev1.Container{{Name: "app", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
	for _, o := range overrides {
		o(p)
	}
	return p
}

// OwnedBy makes the pod's controller an object of the kind (DaemonSet, ReplicaSet, Node...).
func OwnedBy(kind string) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		apiVersion := "apps/v1"
		if kind == "Node" {
			apiVersion = "v1"
		}
		p.OwnerReferences = append(p.OwnerReferences, metav1.OwnerReference{
			APIVersion: apiVersion, Kind: kind, Name: "owner", UID: "00000000-0000-0000-0000-000000000001", Controller: ptr.To(true),
		})
	}
}

// Running marks the pod Running and Ready, as a kubelet would; the Eviction API only consults
// PodDisruptionBudgets for running pods.
func Running(t testing.TB, c client.Client, p *corev1.Pod) {
	t.Helper()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	if err := c.Status().Update(context.Background(), p); err != nil {
		t.Fatalf("marking pod %s running: %v", p.Name, err)
	}
}

// App labels the pod app=<name>; Pod labels app=web by default.
func App(name string) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Labels["app"] = name }
}

// BlockingPDB creates a PodDisruptionBudget named app with maxUnavailable 0 over the pods
// labelled app=<app>, with the status the disruption controller would give it for one healthy
// pod (envtest runs no controller-manager).
func BlockingPDB(t testing.TB, c client.Client, namespace, app string) *policyv1.PodDisruptionBudget {
	t.Helper()
	pdb := &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Namespace: namespace, Name: app},
		Spec: policyv1.PodDisruptionBudgetSpec{
			MaxUnavailable: ptr.To(intstr.FromInt32(0)),
			Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		},
	}
	Create(t, c, pdb)
	pdb.Status = policyv1.PodDisruptionBudgetStatus{
		ObservedGeneration: pdb.Generation, DisruptionsAllowed: 0,
		CurrentHealthy: 1, DesiredHealthy: 1, ExpectedPods: 1,
	}
	if err := c.Status().Update(context.Background(), pdb); err != nil {
		t.Fatalf("setting the PDB's status: %v", err)
	}
	return pdb
}

// ForceDelete deletes the object at once, as a kubelet confirms a pod's termination.
func ForceDelete(t testing.TB, c client.Client, o client.Object) {
	t.Helper()
	if err := c.Delete(context.Background(), o, client.GracePeriodSeconds(0)); client.IgnoreNotFound(err) != nil {
		t.Fatalf("deleting %s: %v", o.GetName(), err)
	}
}

// SetNodeReady sets the node's Ready condition, as its kubelet would, and when it is True
// lifts the node.kubernetes.io/not-ready taint that the API server puts on new nodes, as the
// node lifecycle controller would (envtest runs no controller-manager). It retries on
// conflicts: the controllers under test write the node too.
func SetNodeReady(t testing.TB, c client.Client, node *corev1.Node, status corev1.ConditionStatus) {
	t.Helper()
	ctx := context.Background()
	err := retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if err := Get(ctx, c, node); err != nil {
			return err
		}
		if status != corev1.ConditionTrue {
			return nil
		}
		var taints []corev1.Taint
		for _, taint := range node.Spec.Taints {
			if taint.Key != corev1.TaintNodeNotReady {
				taints = append(taints, taint)
			}
		}
		node.Spec.Taints = taints
		return c.Update(ctx, node)
	})
	if err != nil {
		t.Fatalf("lifting the not-ready taint of node %s: %v", node.Name, err)
	}
	err = retry.RetryOnConflict(retry.DefaultBackoff, func() error {
		if err := Get(ctx, c, node); err != nil {
			return err
		}
		node.Status.Conditions = []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: status, Reason: "KubeletReady",
			LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now(),
		}}
		return c.Status().Update(ctx, node)
	})
	if err != nil {
		t.Fatalf("setting node %s Ready=%s: %v", node.Name, status, err)
	}
}

// ignoreNotFound is client.IgnoreNotFound, named for what Gone means by it.
func ignoreNotFound(err error) error { return client.IgnoreNotFound(err) }
