package describe

import (
	"io"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/scheduling"
	"github.com/karpenter-tools/kubectl-karpenter/plugin/internal/price"
)

// NodeClaimInput is everything `describe nodeclaim` shows.
type NodeClaimInput struct {
	NodeClaim *karpv1.NodeClaim
	// Node is the NodeClaim's Node, nil before it registers.
	Node *corev1.Node
	// Pods are bound to the Node.
	Pods []corev1.Pod
	// Nominations are the agent's Nominated Events that name this NodeClaim: the pods it was
	// made for.
	Nominations []corev1.Event
	// Events are recorded on the NodeClaim (and on its Node).
	Events []corev1.Event
	Now    time.Time
}

// NodeClaim writes the description of a NodeClaim.
func NodeClaim(out io.Writer, in NodeClaimInput) error {
	w := newWriter(out)
	nc := in.NodeClaim
	w.line(0, "Name:\t%s", nc.Name)
	w.line(0, "NodePool:\t%s", orNone(nc.Labels[karpv1.NodePoolLabelKey]))
	if ref := nc.Spec.NodeClassRef; ref != nil {
		w.line(0, "NodeClass:\t%s %s (%s)", ref.Kind, ref.Name, ref.Group)
	}
	w.stringMap(0, "Labels", nc.Labels)
	w.stringMap(0, "Annotations", nc.Annotations)
	w.line(0, "Created:\t%s", timestamp(nc.CreationTimestamp, in.Now))
	if nc.DeletionTimestamp != nil {
		w.line(0, "Deleting Since:\t%s", timestamp(*nc.DeletionTimestamp, in.Now))
	}

	w.line(0, "Instance:")
	w.line(1, "Type:\t%s", orNone(nc.Labels[corev1.LabelInstanceTypeStable]))
	w.line(1, "Capacity Type:\t%s", orNone(nc.Labels[karpv1.CapacityTypeLabelKey]))
	w.line(1, "Zone:\t%s", orNone(nc.Labels[corev1.LabelTopologyZone]))
	w.line(1, "Provider ID:\t%s", orNone(nc.Status.ProviderID))
	w.line(1, "Image ID:\t%s", orNone(nc.Status.ImageID))
	w.line(1, "Price:\t%s", describePrice(nc, in.Events))
	w.line(1, "Capacity:\t%s", resources(nc.Status.Capacity))
	w.line(1, "Allocatable:\t%s", resources(nc.Status.Allocatable))
	w.line(0, "Node:\t%s", orNone(nc.Status.NodeName))

	w.line(0, "Spec:")
	w.list(1, "Requirements", requirements(nc.Spec.Requirements))
	w.line(1, "Requests:\t%s", resources(nc.Spec.Resources.Requests))
	w.list(1, "Taints", taints(nc.Spec.Taints))
	w.list(1, "Startup Taints", taints(nc.Spec.StartupTaints))
	w.line(1, "Expire After:\t%s", nc.Spec.ExpireAfter.String())
	if nc.Spec.TerminationGracePeriod != nil {
		w.line(1, "Termination Grace Period:\t%s", nc.Spec.TerminationGracePeriod.Duration)
	}

	w.conditions(nc.Status.Conditions, in.Now)
	w.list(0, "Made For", madeFor(in.Nominations))
	w.pods(in.Pods)
	w.events(in.Events, in.Now)
	return w.flush()
}

// describePrice says what the NodeClaim costs and where that comes from: the offering price the
// agent recorded, the Launched Event, or the catalog.
func describePrice(nc *karpv1.NodeClaim, events []corev1.Event) string {
	p := price.ForNodeClaim(nc)
	if p.Source == price.Offering {
		return price.Format(p.PerHour) + "/h (the launched offering)"
	}
	for i := len(events) - 1; i >= 0; i-- {
		if events[i].Reason != decisions.ReasonLaunched {
			continue
		}
		if l, ok := decisions.ParseLaunched(events[i].Message); ok {
			return price.Format(l.PricePerHour) + "/h (from the Launched Event)"
		}
	}
	if p.Known() {
		return price.Format(p.PerHour) + "/h (est. from the EC2 catalog)"
	}
	return "<unknown>"
}

// madeFor lists the pods the agent nominated to the NodeClaim, once each, sorted.
func madeFor(nominations []corev1.Event) []string {
	seen := map[string]bool{}
	var out []string
	for _, e := range nominations {
		name := e.InvolvedObject.Namespace + "/" + e.InvolvedObject.Name
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

func (w *writer) pods(pods []corev1.Pod) {
	if len(pods) == 0 {
		w.line(0, "Pods On Node:\t<none>")
		return
	}
	w.line(0, "Pods On Node (%d):", len(pods))
	w.line(1, "Namespace\tName\tCPU Requests\tMemory Requests\tPhase")
	w.line(1, "---------\t----\t------------\t---------------\t-----")
	for i := range pods {
		p := &pods[i]
		cpu, mem := podRequests(p)
		w.line(1, "%s\t%s\t%s\t%s\t%s", p.Namespace, p.Name, cpu, mem, p.Status.Phase)
	}
}

// podRequests are the pod's effective requests, as the scheduler counts them (init containers,
// sidecars and overhead included).
func podRequests(p *corev1.Pod) (string, string) {
	r := scheduling.PodRequests(p)
	return r.Cpu().String(), r.Memory().String()
}
