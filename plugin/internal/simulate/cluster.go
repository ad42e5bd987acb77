// Package simulate runs the agent's scheduling engine (pkg/scheduling) on a snapshot of the
// cluster read from the API, so that `why-pending` says what the agent would do, and reports
// per pending pod: what the kube-scheduler said, what the agent decided (its Events), and what
// a fresh simulation gives.
package simulate

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
)

// Cluster is what the simulation reads: one list per resource kind, no per-object calls.
type Cluster struct {
	Pods           []corev1.Pod
	Nodes          []corev1.Node
	NodeClaims     []karpv1.NodeClaim
	NodePools      []karpv1.NodePool
	NodeClasses    []ec2v1.EC2NodeClass
	DaemonSets     []appsv1.DaemonSet
	Namespaces     []corev1.Namespace
	PVCs           []corev1.PersistentVolumeClaim
	PVs            []corev1.PersistentVolume
	StorageClasses []storagev1.StorageClass
	// PodEvents are the Events about pods (the kube-scheduler's and the agent's); LaunchEvents
	// are the agent's Launched Events on NodeClaims.
	PodEvents    []corev1.Event
	LaunchEvents []corev1.Event
}

// Load lists everything the simulation needs, across all namespaces: the agent's decision for
// one pod depends on every other pending pod it packs together with it.
func Load(ctx context.Context, c *kube.Clients) (*Cluster, error) {
	cl := &Cluster{}
	var err error
	if cl.NodePools, err = items(c.ListNodePools(ctx, "")); err != nil {
		return nil, err
	}
	if cl.NodeClaims, err = items(c.ListNodeClaims(ctx, "")); err != nil {
		return nil, err
	}
	if cl.NodeClasses, err = items(c.ListEC2NodeClasses(ctx)); err != nil {
		return nil, err
	}
	if cl.Pods, err = c.ListPods(ctx, metav1.NamespaceAll, "", ""); err != nil {
		return nil, err
	}
	if cl.Nodes, err = c.ListNodes(ctx, ""); err != nil {
		return nil, err
	}
	if err := loadCore(ctx, c, cl); err != nil {
		return nil, err
	}
	if cl.PodEvents, err = c.ListEvents(ctx, fields.Set{"involvedObject.kind": "Pod"}.AsSelector().String()); err != nil {
		return nil, err
	}
	if cl.LaunchEvents, err = c.ListEvents(ctx, fields.Set{"involvedObject.kind": "NodeClaim", "reason": decisions.ReasonLaunched}.AsSelector().String()); err != nil {
		return nil, err
	}
	return cl, nil
}

func items[T any](objs kube.Objects[T], err error) ([]T, error) {
	return objs.Items, err
}

func loadCore(ctx context.Context, c *kube.Clients, cl *Cluster) error {
	all := metav1.ListOptions{}
	op := func(group, resource string) kube.Op {
		return kube.Op{Verb: "list", Resource: schema.GroupResource{Group: group, Resource: resource}, AllNamespaces: true}
	}
	ds, err := c.Kube.AppsV1().DaemonSets(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		return c.Explain(err, op("apps", "daemonsets"))
	}
	cl.DaemonSets = ds.Items
	nss, err := c.Kube.CoreV1().Namespaces().List(ctx, all)
	if err != nil {
		return c.Explain(err, kube.Op{Verb: "list", Resource: schema.GroupResource{Resource: "namespaces"}})
	}
	cl.Namespaces = nss.Items
	pvcs, err := c.Kube.CoreV1().PersistentVolumeClaims(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		return c.Explain(err, op("", "persistentvolumeclaims"))
	}
	cl.PVCs = pvcs.Items
	pvs, err := c.Kube.CoreV1().PersistentVolumes().List(ctx, all)
	if err != nil {
		return c.Explain(err, kube.Op{Verb: "list", Resource: schema.GroupResource{Resource: "persistentvolumes"}})
	}
	cl.PVs = pvs.Items
	scs, err := c.Kube.StorageV1().StorageClasses().List(ctx, all)
	if err != nil {
		return c.Explain(err, kube.Op{Verb: "list", Resource: schema.GroupResource{Group: "storage.k8s.io", Resource: "storageclasses"}})
	}
	cl.StorageClasses = scs.Items
	return nil
}
