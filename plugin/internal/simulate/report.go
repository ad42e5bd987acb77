package simulate

import (
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
)

// Outcomes of the simulation for one pod.
const (
	OutcomeExistingNode = "ExistingNode"
	OutcomeInFlight     = "InFlightNodeClaim"
	OutcomeNewNodeClaim = "NewNodeClaim"
	OutcomeUnplaced     = "Unplaced"
)

// Report is what why-pending says about one pending pod. Its JSON form is for scripts.
type Report struct {
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// PendingSince is the pod's creation time.
	PendingSince metav1.Time `json:"pendingSince"`
	// WillSchedule is true when the simulation places the pod somewhere.
	WillSchedule bool `json:"willSchedule"`
	// Scheduler is the kube-scheduler's last word: the PodScheduled condition or its Event.
	Scheduler *Message `json:"scheduler,omitempty"`
	// Agent are the agent's latest decisions about the pod (Nominated, FailedScheduling) and the
	// Launched Event of the NodeClaim it was nominated to.
	Agent      []Message  `json:"agent,omitempty"`
	Simulation Simulation `json:"simulation"`
}

// Message is one Event or condition.
type Message struct {
	Reason  string       `json:"reason"`
	Message string       `json:"message"`
	Object  string       `json:"object,omitempty"`
	Time    *metav1.Time `json:"time,omitempty"`
	Count   int32        `json:"count,omitempty"`
}

// Simulation is the engine's decision for the pod.
type Simulation struct {
	Outcome string `json:"outcome"`
	// Node is the existing node or in-flight NodeClaim the pod fits on.
	Node string `json:"node,omitempty"`
	// NodePool, InstanceTypes and Offering describe the NodeClaim the agent would create.
	NodePool      string    `json:"nodePool,omitempty"`
	InstanceTypes []string  `json:"instanceTypes,omitempty"`
	Offering      *Offering `json:"offering,omitempty"`
	// PodsOnNodeClaim counts the pending pods the planned NodeClaim would take, this one included.
	PodsOnNodeClaim int `json:"podsOnNodeClaim,omitempty"`
	// Relaxed lists the preferences dropped to place the pod.
	Relaxed []string `json:"relaxed,omitempty"`
	// Nodes groups the existing nodes by why the pod does not fit them; NodePools says per
	// NodePool the constraint that excludes it (Unplaced only).
	Nodes     []NodeGroup  `json:"nodes,omitempty"`
	NodePools []PoolReason `json:"nodePools,omitempty"`
	// SkippedNodePools take no part, as the agent would skip them.
	SkippedNodePools []PoolNote `json:"skippedNodePools,omitempty"`
	// Explanation is the engine's own rendering (Full) for an unplaced pod.
	Explanation string `json:"explanation,omitempty"`
	// Summary is the one-line form (Compact) for an unplaced pod.
	Summary string `json:"summary,omitempty"`
}

// Offering is the cheapest offering of a planned NodeClaim.
type Offering struct {
	InstanceType string  `json:"instanceType"`
	Zone         string  `json:"zone"`
	CapacityType string  `json:"capacityType"`
	PricePerHour float64 `json:"pricePerHour"`
}

// NodeGroup is a set of existing nodes the pod does not fit for the same reason.
type NodeGroup struct {
	Reason  string `json:"reason"`
	Count   int    `json:"count"`
	Example string `json:"example"`
	// Constraint is the engine's ReasonKind, and Fix what would let the pod onto such a node.
	Constraint string `json:"constraint,omitempty"`
	Fix        string `json:"fix,omitempty"`
}

// PoolReason is the constraint that keeps a NodePool from taking the pod, with a fix.
type PoolReason struct {
	NodePool   string `json:"nodePool"`
	Constraint string `json:"constraint"`
	Message    string `json:"message"`
	Fix        string `json:"fix,omitempty"`
}

// maxInstanceTypes caps the instance types listed per planned NodeClaim in a report.
const maxInstanceTypes = 10

// Reports builds one report per target pod from the engine's result.
func Reports(cl *Cluster, in *Input, res scheduling.Result, targets []*corev1.Pod) []Report {
	byPod := map[*corev1.Pod]scheduling.Placement{}
	for _, pl := range res.Placements {
		byPod[pl.Pod] = pl
	}
	ev := indexEvents(cl)
	out := make([]Report, 0, len(targets))
	for _, p := range targets {
		r := Report{Namespace: p.Namespace, Name: p.Name, PendingSince: p.CreationTimestamp}
		r.Scheduler = schedulerMessage(p, ev)
		r.Agent = agentMessages(p, ev)
		r.Simulation = simulation(byPod[p], res, in)
		r.WillSchedule = r.Simulation.Outcome != OutcomeUnplaced
		out = append(out, r)
	}
	return out
}

func simulation(pl scheduling.Placement, res scheduling.Result, in *Input) Simulation {
	s := Simulation{Outcome: pl.Kind.String(), Relaxed: pl.Relaxed}
	switch pl.Kind {
	case scheduling.ExistingNode, scheduling.InFlight:
		s.Node = pl.Node
	case scheduling.NewNodeClaim:
		nc := res.NodeClaims[pl.NodeClaim]
		s.NodePool = nc.NodePool
		s.PodsOnNodeClaim = len(nc.Pods)
		for i, it := range nc.InstanceTypes {
			if i == maxInstanceTypes {
				break
			}
			s.InstanceTypes = append(s.InstanceTypes, it.Name)
		}
		if len(nc.InstanceTypes) > 0 {
			s.Offering = &Offering{InstanceType: nc.InstanceTypes[0].Name, Zone: nc.Offering.Zone, CapacityType: nc.Offering.CapacityType, PricePerHour: nc.Offering.Price}
		}
	default:
		s.Outcome = OutcomeUnplaced
		s.SkippedNodePools = in.Skipped
		if e := pl.Explanation; e != nil {
			for _, g := range e.NodeSummary {
				s.Nodes = append(s.Nodes, nodeGroup(g, e.Nodes))
			}
			for _, np := range e.NodePools {
				s.NodePools = append(s.NodePools, PoolReason{NodePool: np.NodePool, Constraint: string(np.Reason.Kind), Message: np.Reason.Message, Fix: np.Reason.Fix})
			}
			s.Explanation = e.Full()
			s.Summary = e.Compact()
		}
	}
	return s
}

// events indexes the Events by the pod or NodeClaim they are about.
type events struct {
	pods     map[string][]corev1.Event // namespace/name
	launches map[string]corev1.Event   // NodeClaim name → latest Launched
}

func indexEvents(cl *Cluster) *events {
	ev := &events{pods: map[string][]corev1.Event{}, launches: map[string]corev1.Event{}}
	for _, e := range cl.PodEvents {
		k := e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		ev.pods[k] = append(ev.pods[k], e)
	}
	for k := range ev.pods {
		sort.SliceStable(ev.pods[k], func(i, j int) bool { return lastSeen(&ev.pods[k][i]).Before(lastSeen(&ev.pods[k][j])) })
	}
	for _, e := range cl.LaunchEvents {
		if old, ok := ev.launches[e.InvolvedObject.Name]; !ok || lastSeen(&old).Before(lastSeen(&e)) {
			ev.launches[e.InvolvedObject.Name] = e
		}
	}
	return ev
}

// schedulerMessage is the kube-scheduler's reason: its latest FailedScheduling Event (one the
// agent did not write), else the PodScheduled condition.
func schedulerMessage(p *corev1.Pod, ev *events) *Message {
	list := ev.pods[p.Namespace+"/"+p.Name]
	for i := len(list) - 1; i >= 0; i-- {
		e := &list[i]
		if e.Reason != decisions.ReasonFailedScheduling || !about(e, p) {
			continue
		}
		if _, agent := decisions.ParseFailedScheduling(e.Message); agent {
			continue
		}
		return eventMessage(e)
	}
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Status == corev1.ConditionFalse {
			t := c.LastTransitionTime
			return &Message{Reason: c.Reason, Message: c.Message, Time: &t}
		}
	}
	return nil
}

// agentMessages are the agent's latest Nominated and FailedScheduling Events about the pod,
// and the Launched Event of the NodeClaim it was nominated to.
func agentMessages(p *corev1.Pod, ev *events) []Message {
	list := ev.pods[p.Namespace+"/"+p.Name]
	var latest *corev1.Event
	for i := len(list) - 1; i >= 0; i-- {
		e := &list[i]
		if !about(e, p) {
			continue
		}
		if e.Reason == decisions.ReasonNominated {
			latest = e
			break
		}
		if _, agent := decisions.ParseFailedScheduling(e.Message); agent && e.Reason == decisions.ReasonFailedScheduling {
			latest = e
			break
		}
	}
	if latest == nil {
		return nil
	}
	out := []Message{*eventMessage(latest)}
	if target, ok := decisions.ParseNominated(latest.Message); ok {
		if name, ok := strings.CutPrefix(strings.TrimSpace(target), "nodeclaim/"); ok {
			if l, ok := ev.launches[name]; ok {
				m := eventMessage(&l)
				m.Object = "nodeclaim/" + name
				out = append(out, *m)
			}
		}
	}
	return out
}

// about reports whether the Event is about this pod rather than an earlier one of the same name.
func about(e *corev1.Event, p *corev1.Pod) bool {
	return e.InvolvedObject.UID == "" || e.InvolvedObject.UID == p.UID
}

func eventMessage(e *corev1.Event) *Message {
	t := metav1.NewTime(lastSeen(e))
	return &Message{Reason: e.Reason, Message: e.Message, Time: &t, Count: e.Count}
}

func lastSeen(e *corev1.Event) time.Time {
	switch {
	case !e.LastTimestamp.IsZero():
		return e.LastTimestamp.Time
	case e.Series != nil && !e.Series.LastObservedTime.IsZero():
		return e.Series.LastObservedTime.Time
	case !e.EventTime.IsZero():
		return e.EventTime.Time
	}
	return e.FirstTimestamp.Time
}
