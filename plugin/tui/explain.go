package tui

import (
	"context"
	"errors"
	"hash/fnv"

	tea "github.com/charmbracelet/bubbletea"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/kube"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/simulate"
)

// maxSimulated bounds the pending pods simulated at once: the engine's cost grows with them and
// the screen shows a page at a time.
const maxSimulated = 500

// Explainer runs the agent's scheduling engine for the pending pods of a snapshot and returns a
// report per pod, keyed namespace/name.
type Explainer func(ctx context.Context, snap *Snapshot) (map[string]simulate.Report, error)

// explanation is the last simulation: the pending set it was for, and its reports.
type explanation struct {
	sig     uint64
	reports map[string]simulate.Report
	err     error
	done    bool
}

// explainedMsg carries a finished simulation.
type explainedMsg struct {
	sig     uint64
	reports map[string]simulate.Report
	err     error
}

// pendingSignature identifies a set of pending pods (and their versions), so that the
// simulation reruns only when it changes.
func pendingSignature(rows []PendingRow) uint64 {
	h := fnv.New64a()
	for _, r := range rows {
		_, _ = h.Write([]byte(r.Key))
		_, _ = h.Write([]byte(r.Pod.ResourceVersion))
		_, _ = h.Write([]byte{0})
	}
	return h.Sum64()
}

func runExplain(e *env, snap *Snapshot, sig uint64) tea.Cmd {
	return func() tea.Msg {
		reports, err := e.explain(e.ctx, snap)
		return explainedMsg{sig: sig, reports: reports, err: err}
	}
}

// ClusterExplainer builds the simulation's input from the store (pods, nodes, NodeClaims,
// NodePools and the agent's Events) and lists the rest once per run: the kinds the TUI does not
// watch because only the simulation needs them, the kube-scheduler's Events among them.
func ClusterExplainer(c *kube.Clients) Explainer {
	return func(ctx context.Context, snap *Snapshot) (map[string]simulate.Report, error) {
		cl, targets := snap.simCluster()
		if len(targets) == 0 {
			return map[string]simulate.Report{}, nil
		}
		if err := listExtras(ctx, c, cl); err != nil {
			return nil, err
		}
		reports, err := simulate.Run(cl, targets)
		if err != nil {
			return nil, err
		}
		out := make(map[string]simulate.Report, len(reports))
		for _, r := range reports {
			out[podKey(r.Namespace, r.Name)] = r
		}
		return out, nil
	}
}

// simCluster copies the store's objects into the simulation's input; the targets are the first
// maxSimulated pending pods.
func (s *Snapshot) simCluster() (*simulate.Cluster, []*corev1.Pod) {
	cl := &simulate.Cluster{}
	if s.store != nil {
		s.store.mu.RLock()
		cl.Pods = make([]corev1.Pod, 0, len(s.store.pods))
		for _, r := range s.store.pods {
			cl.Pods = append(cl.Pods, *r.pod)
		}
		s.store.mu.RUnlock()
	}
	for _, n := range s.Nodes {
		cl.Nodes = append(cl.Nodes, *n)
	}
	for i := range s.Claims {
		cl.NodeClaims = append(cl.NodeClaims, *s.Claims[i].NC)
	}
	for _, p := range s.PoolObjects {
		cl.NodePools = append(cl.NodePools, *p.np)
	}
	for _, e := range s.Events {
		switch {
		case e.InvolvedObject.Kind == "Pod":
			cl.PodEvents = append(cl.PodEvents, *e)
		case e.InvolvedObject.Kind == "NodeClaim" && e.Reason == decisions.ReasonLaunched:
			cl.LaunchEvents = append(cl.LaunchEvents, *e)
		}
	}
	want := map[string]bool{}
	for i, r := range s.Pending {
		if i == maxSimulated {
			break
		}
		want[r.Key] = true
	}
	var targets []*corev1.Pod
	for i := range cl.Pods {
		if p := &cl.Pods[i]; want[podKey(p.Namespace, p.Name)] {
			targets = append(targets, p)
		}
	}
	return cl, targets
}

func listExtras(ctx context.Context, c *kube.Clients, cl *simulate.Cluster) error {
	ncs, err := c.ListEC2NodeClasses(ctx)
	if err != nil && !errors.Is(err, kube.ErrCRDsNotInstalled) {
		return err
	}
	cl.NodeClasses = ncs.Items
	all := metav1.ListOptions{}
	op := func(group, resource string, namespaced bool) kube.Op {
		return kube.Op{Verb: "list", Resource: schema.GroupResource{Group: group, Resource: resource}, AllNamespaces: namespaced}
	}
	ds, err := c.Kube.AppsV1().DaemonSets(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		return c.Explain(err, op("apps", "daemonsets", true))
	}
	cl.DaemonSets = ds.Items
	nss, err := c.Kube.CoreV1().Namespaces().List(ctx, all)
	if err != nil {
		return c.Explain(err, op("", "namespaces", false))
	}
	cl.Namespaces = nss.Items
	pvcs, err := c.Kube.CoreV1().PersistentVolumeClaims(metav1.NamespaceAll).List(ctx, all)
	if err != nil {
		return c.Explain(err, op("", "persistentvolumeclaims", true))
	}
	cl.PVCs = pvcs.Items
	pvs, err := c.Kube.CoreV1().PersistentVolumes().List(ctx, all)
	if err != nil {
		return c.Explain(err, op("", "persistentvolumes", false))
	}
	cl.PVs = pvs.Items
	scs, err := c.Kube.StorageV1().StorageClasses().List(ctx, all)
	if err != nil {
		return c.Explain(err, op("storage.k8s.io", "storageclasses", false))
	}
	cl.StorageClasses = scs.Items
	return listSchedulerEvents(ctx, c, cl)
}

// listSchedulerEvents adds the FailedScheduling Events on pods that the agent did not write:
// the kube-scheduler's (under whatever scheduler name). The explanation says first what the
// kube-scheduler said, as why-pending does: its latest such Event, else the pod's PodScheduled
// condition. The informers watch the agent's Events only; watching all Events for these would
// follow every Event of the cluster. The API server narrows this list to the one reason, and
// it runs once per simulation, when the pending pods change.
func listSchedulerEvents(ctx context.Context, c *kube.Clients, cl *simulate.Cluster) error {
	sel := fields.AndSelectors(
		fields.OneTermEqualSelector("involvedObject.kind", "Pod"),
		fields.OneTermEqualSelector("reason", decisions.ReasonFailedScheduling),
		// The agent's own are in the store already.
		fields.OneTermNotEqualSelector("source", agentSource),
	)
	events, err := c.ListEvents(ctx, sel.String())
	if err != nil {
		return err
	}
	cl.PodEvents = append(cl.PodEvents, events...)
	return nil
}
