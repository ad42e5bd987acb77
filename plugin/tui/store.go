package tui

import (
	"sort"
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/types"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/describe"
)

// maxEvents bounds the decisions kept in memory; the oldest go first.
const maxEvents = 2000

// podRec is what the views need of a pod, computed once when the informer delivers it, so that
// a snapshot never walks the pods.
type podRec struct {
	pod      *corev1.Pod
	node     string
	cpu, mem int64
	// bound is true for a pod on a node that has not finished: it counts against the node.
	bound   bool
	pending bool
}

// nodeAgg is the sum of the bound pods of one node, kept up to date pod by pod.
type nodeAgg struct {
	pods     int64
	cpu, mem int64
}

// claimRec is a NodeClaim decoded, with the object as the server sent it for the YAML view.
type claimRec struct {
	nc  *karpv1.NodeClaim
	raw *unstructured.Unstructured
}

type poolRec struct {
	np  *karpv1.NodePool
	raw *unstructured.Unstructured
}

// Store is the TUI's copy of the cluster, written by informer handlers and read by snapshots.
// Per-node sums are maintained incrementally, so 20000 pods cost nothing per frame.
type Store struct {
	mu         sync.RWMutex
	pods       map[string]*podRec
	podsByNode map[string]map[string]*podRec
	pending    map[string]*podRec
	agg        map[string]*nodeAgg
	nodes      map[string]*corev1.Node
	claims     map[string]*claimRec
	pools      map[string]*poolRec
	events     map[types.UID]*corev1.Event
	leases     map[string]*coordinationv1.Lease
	// errs holds, per resource, the last error of its watch; a delivery clears it.
	errs map[string]string
	// synced counts the resources whose first list arrived.
	synced  map[string]bool
	version uint64

	changed chan struct{}
}

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{
		pods: map[string]*podRec{}, podsByNode: map[string]map[string]*podRec{}, pending: map[string]*podRec{},
		agg: map[string]*nodeAgg{}, nodes: map[string]*corev1.Node{}, claims: map[string]*claimRec{},
		pools: map[string]*poolRec{}, events: map[types.UID]*corev1.Event{}, leases: map[string]*coordinationv1.Lease{},
		errs: map[string]string{}, synced: map[string]bool{},
		changed: make(chan struct{}, 1),
	}
}

// Changed is signalled (without blocking, at most one pending signal) after every write.
func (s *Store) Changed() <-chan struct{} { return s.changed }

// touch marks a write; the caller holds the lock.
func (s *Store) touch(resource string) {
	s.version++
	delete(s.errs, resource)
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Version counts writes.
func (s *Store) Version() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.version
}

// SetError records the failure of a resource's watch, for the status bar.
func (s *Store) SetError(resource, msg string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.errs[resource] == msg {
		return
	}
	s.errs[resource] = msg
	s.version++
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// ClearError forgets a resource's watch error once its connection works again.
func (s *Store) ClearError(resource string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.errs[resource]; ok {
		s.touch(resource)
	}
}

// MarkSynced records that a resource's first list has been delivered.
func (s *Store) MarkSynced(resource string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.synced[resource] = true
	s.touch(resource)
}

func podKey(namespace, name string) string { return namespace + "/" + name }

// UpsertPod adds or replaces a pod.
func (s *Store) UpsertPod(p *corev1.Pod) {
	rec := &podRec{pod: p, node: p.Spec.NodeName}
	finished := p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
	rec.bound = rec.node != "" && !finished
	rec.pending = scheduling.IsPending(p)
	if rec.bound || rec.pending {
		rl := scheduling.PodRequests(p)
		rec.cpu, rec.mem = rl.Cpu().MilliValue(), rl.Memory().Value()
	}
	key := podKey(p.Namespace, p.Name)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removePod(key)
	s.pods[key] = rec
	if rec.node != "" {
		m := s.podsByNode[rec.node]
		if m == nil {
			m = map[string]*podRec{}
			s.podsByNode[rec.node] = m
		}
		m[key] = rec
	}
	if rec.bound {
		a := s.agg[rec.node]
		if a == nil {
			a = &nodeAgg{}
			s.agg[rec.node] = a
		}
		a.pods++
		a.cpu += rec.cpu
		a.mem += rec.mem
	}
	if rec.pending {
		s.pending[key] = rec
	}
	s.touch("pods")
}

// DeletePod removes a pod.
func (s *Store) DeletePod(namespace, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.removePod(podKey(namespace, name))
	s.touch("pods")
}

func (s *Store) removePod(key string) {
	old := s.pods[key]
	if old == nil {
		return
	}
	delete(s.pods, key)
	delete(s.pending, key)
	if old.node != "" {
		if m := s.podsByNode[old.node]; m != nil {
			delete(m, key)
			if len(m) == 0 {
				delete(s.podsByNode, old.node)
			}
		}
	}
	if old.bound {
		if a := s.agg[old.node]; a != nil {
			a.pods--
			a.cpu -= old.cpu
			a.mem -= old.mem
			if a.pods <= 0 {
				delete(s.agg, old.node)
			}
		}
	}
}

// UpsertNode adds or replaces a node.
func (s *Store) UpsertNode(n *corev1.Node) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nodes[n.Name] = n
	s.touch("nodes")
}

// DeleteNode removes a node.
func (s *Store) DeleteNode(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.nodes, name)
	s.touch("nodes")
}

// UpsertNodeClaim adds or replaces a NodeClaim; raw may be nil.
func (s *Store) UpsertNodeClaim(nc *karpv1.NodeClaim, raw *unstructured.Unstructured) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.claims[nc.Name] = &claimRec{nc: nc, raw: raw}
	s.touch("nodeclaims")
}

// DeleteNodeClaim removes a NodeClaim.
func (s *Store) DeleteNodeClaim(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.claims, name)
	s.touch("nodeclaims")
}

// UpsertNodePool adds or replaces a NodePool; raw may be nil.
func (s *Store) UpsertNodePool(np *karpv1.NodePool, raw *unstructured.Unstructured) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.pools[np.Name] = &poolRec{np: np, raw: raw}
	s.touch("nodepools")
}

// DeleteNodePool removes a NodePool.
func (s *Store) DeleteNodePool(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pools, name)
	s.touch("nodepools")
}

// UpsertEvent adds or replaces an Event (a repeat bumps the count of the same object).
func (s *Store) UpsertEvent(e *corev1.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.events[eventID(e)] = e
	if len(s.events) > 2*maxEvents {
		s.pruneEvents()
	}
	s.touch("events")
}

// DeleteEvent removes an Event (they expire after an hour on the server).
func (s *Store) DeleteEvent(e *corev1.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.events, eventID(e))
	s.touch("events")
}

func eventID(e *corev1.Event) types.UID {
	if e.UID != "" {
		return e.UID
	}
	return types.UID(e.Namespace + "/" + e.Name)
}

// pruneEvents keeps the newest maxEvents; amortised by pruning only at twice that.
func (s *Store) pruneEvents() {
	all := make([]*corev1.Event, 0, len(s.events))
	for _, e := range s.events {
		all = append(all, e)
	}
	sort.Slice(all, func(i, j int) bool { return lastSeen(all[i]).After(lastSeen(all[j])) })
	for _, e := range all[maxEvents:] {
		delete(s.events, eventID(e))
	}
}

// UpsertLease adds or replaces the agent's leader-election Lease.
func (s *Store) UpsertLease(l *coordinationv1.Lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.leases[l.Namespace+"/"+l.Name] = l
	s.touch("leases")
}

// DeleteLease removes a Lease.
func (s *Store) DeleteLease(namespace, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.leases, namespace+"/"+name)
	s.touch("leases")
}

// PodsOn returns the pods bound to the node, sorted by namespace and name.
func (s *Store) PodsOn(node string) []*corev1.Pod {
	s.mu.RLock()
	out := make([]*corev1.Pod, 0, len(s.podsByNode[node]))
	for _, r := range s.podsByNode[node] {
		out = append(out, r.pod)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return podKey(out[i].Namespace, out[i].Name) < podKey(out[j].Namespace, out[j].Name)
	})
	return out
}

// Pod returns one pod, nil when unknown.
func (s *Store) Pod(namespace, name string) *corev1.Pod {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if r := s.pods[podKey(namespace, name)]; r != nil {
		return r.pod
	}
	return nil
}

func lastSeen(e *corev1.Event) time.Time { return describe.LastSeen(e) }
