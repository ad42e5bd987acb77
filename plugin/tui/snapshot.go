package tui

import (
	"sort"
	"strings"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/describe"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/usage"
)

// LeaseName is the agent's leader-election Lease (agent/operator.go), also upstream Karpenter's.
const LeaseName = "karpenter-leader-election"

// Snapshot is an immutable view of the Store at one version. The objects it points to are the
// informers' and must not be modified.
type Snapshot struct {
	Version uint64
	Now     time.Time
	Pools   []usage.NodePool
	// PoolObjects are the NodePool objects by name (absent for the "<none>" row).
	PoolObjects map[string]*poolRec
	Claims      []ClaimRow
	ClaimIndex  map[string]int
	Nodes       map[string]*corev1.Node
	Pending     []PendingRow
	// Events are the decisions, newest first.
	Events []*corev1.Event
	Totals Totals
	Agent  AgentStatus
	// Errors are the failing watches, "resource: message", sorted.
	Errors []string
	// Synced is false until every watch delivered its first list.
	Synced bool

	store *Store
}

// Totals are the header's figures.
type Totals struct {
	PricePerHour float64
	Estimated    bool
	Nodes        int
	NodeClaims   int
	Pending      int
}

// AgentStatus says whether an agent holds the leader Lease and who.
type AgentStatus struct {
	// Known is false when no Lease was seen (not installed, or not allowed to watch Leases).
	Known     bool
	Running   bool
	Leader    string
	Namespace string
	// RenewedAgo is the time since the last renewal.
	RenewedAgo time.Duration
}

// ClaimRow is one NodeClaim with what its screen shows.
type ClaimRow struct {
	NC           *karpv1.NodeClaim
	Raw          *unstructured.Unstructured
	Name         string
	NodePool     string
	InstanceType string
	CapacityType string
	Zone         string
	Node         string
	State        string
	// Launch, Register and Init are the time spent reaching each stage (0: not reached).
	Launch, Register, Init time.Duration
	Pods                   int64
	CPU, Memory            usage.Amount
	Price                  price.Price
	Created                time.Time
	Drifted, Expiring      bool
	DoNotDisrupt, Deleting bool
	Cordoned               bool
	// Initialized is true once the node is ready for pods, whatever State shows first.
	Initialized bool
}

// PendingRow is a pending pod.
type PendingRow struct {
	Pod      *corev1.Pod
	Key      string
	CPU, Mem int64
}

// Snapshot builds the view at the store's current version: O(nodes + NodeClaims + pending pods
// + events), never O(pods).
func (s *Store) Snapshot(now time.Time) *Snapshot {
	s.mu.RLock()
	defer s.mu.RUnlock()
	snap := &Snapshot{Version: s.version, Now: now, store: s, Nodes: make(map[string]*corev1.Node, len(s.nodes))}
	for k, v := range s.nodes {
		snap.Nodes[k] = v
	}
	s.snapClaims(snap)
	s.snapPools(snap)
	snap.Pending = make([]PendingRow, 0, len(s.pending))
	for k, r := range s.pending {
		snap.Pending = append(snap.Pending, PendingRow{Pod: r.pod, Key: k, CPU: r.cpu, Mem: r.mem})
	}
	sort.Slice(snap.Pending, func(i, j int) bool { return snap.Pending[i].Key < snap.Pending[j].Key })
	snap.Totals.Pending = len(snap.Pending)
	snap.Events = make([]*corev1.Event, 0, len(s.events))
	for _, e := range s.events {
		snap.Events = append(snap.Events, e)
	}
	sort.Slice(snap.Events, func(i, j int) bool {
		ti, tj := lastSeen(snap.Events[i]), lastSeen(snap.Events[j])
		if !ti.Equal(tj) {
			return ti.After(tj)
		}
		return snap.Events[i].Name < snap.Events[j].Name
	})
	if len(snap.Events) > maxEvents {
		snap.Events = snap.Events[:maxEvents]
	}
	snap.Agent = agentStatus(s.leases, now)
	for r, msg := range s.errs {
		snap.Errors = append(snap.Errors, r+": "+msg)
	}
	sort.Strings(snap.Errors)
	snap.Synced = len(s.synced) >= len(watchedResources)
	return snap
}

func (s *Store) snapClaims(snap *Snapshot) {
	snap.Claims = make([]ClaimRow, 0, len(s.claims))
	for _, rec := range s.claims {
		snap.Claims = append(snap.Claims, claimRow(rec, s.nodes[rec.nc.Status.NodeName], s.agg[rec.nc.Status.NodeName], snap.Now))
	}
	sort.Slice(snap.Claims, func(i, j int) bool { return snap.Claims[i].Name < snap.Claims[j].Name })
	snap.ClaimIndex = make(map[string]int, len(snap.Claims))
	for i := range snap.Claims {
		snap.ClaimIndex[snap.Claims[i].Name] = i
		snap.Totals.NodeClaims++
	}
}

func claimRow(rec *claimRec, node *corev1.Node, agg *nodeAgg, now time.Time) ClaimRow {
	nc := rec.nc
	r := ClaimRow{
		NC: nc, Raw: rec.raw, Name: nc.Name, NodePool: nc.Labels[karpv1.NodePoolLabelKey],
		InstanceType: nc.Labels[corev1.LabelInstanceTypeStable], CapacityType: nc.Labels[karpv1.CapacityTypeLabelKey],
		Zone: nc.Labels[corev1.LabelTopologyZone], Node: nc.Status.NodeName, Created: nc.CreationTimestamp.Time,
		Price:    price.ForNode(node, nc),
		CPU:      usage.Amount{Allocatable: nc.Status.Allocatable.Cpu().MilliValue()},
		Memory:   usage.Amount{Allocatable: nc.Status.Allocatable.Memory().Value()},
		Deleting: nc.DeletionTimestamp != nil,
		Drifted:  conditionTrue(nc.Status.Conditions, karpv1.ConditionTypeDrifted),
	}
	if node != nil {
		r.CPU.Allocatable = node.Status.Allocatable.Cpu().MilliValue()
		r.Memory.Allocatable = node.Status.Allocatable.Memory().Value()
		r.Cordoned = node.Spec.Unschedulable
		r.DoNotDisrupt = node.Annotations[karpv1.DoNotDisruptAnnotationKey] == "true"
		r.Deleting = r.Deleting || node.DeletionTimestamp != nil
	}
	r.DoNotDisrupt = r.DoNotDisrupt || nc.Annotations[karpv1.DoNotDisruptAnnotationKey] == "true"
	if agg != nil {
		r.Pods, r.CPU.Requested, r.Memory.Requested = agg.pods, agg.cpu, agg.mem
	}
	if d := nc.Spec.ExpireAfter.Duration; d != nil && !r.Created.IsZero() {
		// Within a day of expiry counts as expiring: the node is about to be replaced.
		r.Expiring = now.Add(24 * time.Hour).After(r.Created.Add(*d))
	}
	launched := conditionTime(nc.Status.Conditions, karpv1.ConditionTypeLaunched)
	registered := conditionTime(nc.Status.Conditions, karpv1.ConditionTypeRegistered)
	initialized := conditionTime(nc.Status.Conditions, karpv1.ConditionTypeInitialized)
	r.Launch = since(r.Created, launched)
	r.Register = since(launched, registered)
	r.Init = since(registered, initialized)
	r.Initialized = !initialized.IsZero()
	switch {
	case r.Deleting:
		r.State = usage.StateDeleting
	case r.Cordoned:
		r.State = usage.StateCordoned
	case !initialized.IsZero():
		r.State = usage.StateInitialized
	case !registered.IsZero():
		r.State = usage.StateRegistered
	case !launched.IsZero():
		r.State = usage.StateLaunched
	default:
		r.State = usage.StateLaunching
	}
	return r
}

// since is how long a lifecycle phase took, or notReached while it has not ended. Condition
// times have one-second resolution, so a phase that ended within the second is 0, not "-".
func since(from, to time.Time) time.Duration {
	if from.IsZero() || to.IsZero() {
		return notReached
	}
	if to.Before(from) {
		return 0
	}
	return to.Sub(from)
}

// notReached marks a phase that has not ended.
const notReached = time.Duration(-1)

func conditionTrue(conds []metav1.Condition, t string) bool {
	for _, c := range conds {
		if c.Type == t {
			return c.Status == metav1.ConditionTrue
		}
	}
	return false
}

// conditionTime is when a condition turned True, zero when it is not True.
func conditionTime(conds []metav1.Condition, t string) time.Time {
	for _, c := range conds {
		if c.Type == t && c.Status == metav1.ConditionTrue {
			if c.LastTransitionTime.IsZero() {
				return time.Unix(0, 1)
			}
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}

// snapPools sums per NodePool with the usage package (as `top nodepools` does) over one row per
// node and per NodeClaim still without a node, built from the per-node sums.
func (s *Store) snapPools(snap *Snapshot) {
	claimOf := make(map[string]*karpv1.NodeClaim, len(s.claims))
	rows := make([]usage.Node, 0, len(s.nodes)+len(s.claims))
	for _, rec := range s.claims {
		if rec.nc.Status.NodeName != "" {
			claimOf[rec.nc.Status.NodeName] = rec.nc
			continue
		}
		rows = append(rows, usage.Node{
			Name: rec.nc.Name, NodePool: rec.nc.Labels[karpv1.NodePoolLabelKey], Price: price.ForNodeClaim(rec.nc),
			CPU:    usage.Amount{Allocatable: rec.nc.Status.Allocatable.Cpu().MilliValue()},
			Memory: usage.Amount{Allocatable: rec.nc.Status.Allocatable.Memory().Value()},
		})
	}
	for name, n := range s.nodes {
		nc := claimOf[name]
		row := usage.Node{
			Name: name, NodePool: n.Labels[karpv1.NodePoolLabelKey], Price: price.ForNode(n, nc),
			CPU:    usage.Amount{Allocatable: n.Status.Allocatable.Cpu().MilliValue()},
			Memory: usage.Amount{Allocatable: n.Status.Allocatable.Memory().Value()},
		}
		if a := s.agg[name]; a != nil {
			row.Pods, row.CPU.Requested, row.Memory.Requested = a.pods, a.cpu, a.mem
		}
		rows = append(rows, row)
		snap.Totals.Nodes++
	}
	pools := make([]karpv1.NodePool, 0, len(s.pools))
	snap.PoolObjects = make(map[string]*poolRec, len(s.pools))
	for name, rec := range s.pools {
		pools = append(pools, *rec.np)
		snap.PoolObjects[name] = rec
	}
	sort.Slice(pools, func(i, j int) bool { return pools[i].Name < pools[j].Name })
	snap.Pools = usage.NodePools(rows, pools)
	for _, p := range snap.Pools {
		snap.Totals.PricePerHour += p.PricePerHour
		snap.Totals.Estimated = snap.Totals.Estimated || p.Estimated
	}
}

func agentStatus(leases map[string]*coordinationv1.Lease, now time.Time) AgentStatus {
	var best *coordinationv1.Lease
	for _, l := range leases {
		if best == nil || renewTime(l).After(renewTime(best)) {
			best = l
		}
	}
	if best == nil {
		return AgentStatus{}
	}
	st := AgentStatus{Known: true, Namespace: best.Namespace}
	if best.Spec.HolderIdentity != nil {
		st.Leader = *best.Spec.HolderIdentity
	}
	renewed := renewTime(best)
	dur := 15 * time.Second
	if best.Spec.LeaseDurationSeconds != nil {
		dur = time.Duration(*best.Spec.LeaseDurationSeconds) * time.Second
	}
	if !renewed.IsZero() {
		st.RenewedAgo = now.Sub(renewed)
	}
	st.Running = st.Leader != "" && !renewed.IsZero() && now.Before(renewed.Add(dur))
	return st
}

func renewTime(l *coordinationv1.Lease) time.Time {
	if l.Spec.RenewTime != nil {
		return l.Spec.RenewTime.Time
	}
	if l.Spec.AcquireTime != nil {
		return l.Spec.AcquireTime.Time
	}
	return time.Time{}
}

// PodsOn returns the pods bound to a node.
func (s *Snapshot) PodsOn(node string) []*corev1.Pod {
	if s.store == nil || node == "" {
		return nil
	}
	return s.store.PodsOn(node)
}

// Claim returns a NodeClaim row by name.
func (s *Snapshot) Claim(name string) (*ClaimRow, bool) {
	i, ok := s.ClaimIndex[name]
	if !ok {
		return nil, false
	}
	return &s.Claims[i], true
}

// EventsAbout returns the decisions about a NodeClaim and its node, and the Nominated Events that
// name it (the pods it was launched for), oldest first.
func (s *Snapshot) EventsAbout(claim, node string) []*corev1.Event {
	var out []*corev1.Event
	target := "nodeclaim/" + claim
	for i := len(s.Events) - 1; i >= 0; i-- {
		e := s.Events[i]
		o := e.InvolvedObject
		switch {
		case o.Kind == "NodeClaim" && o.Name == claim,
			node != "" && o.Kind == "Node" && o.Name == node,
			o.Kind == "Pod" && describe.IsDecision(e) && strings.HasSuffix(e.Message, target):
			out = append(out, e)
		}
	}
	return out
}
