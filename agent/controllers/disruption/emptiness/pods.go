package emptiness

import (
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// mirrorPodAnnotation marks the API copy of a static pod; the kubelet recreates it wherever it
// runs, so it never has to move.
const mirrorPodAnnotation = "kubernetes.io/config.mirror"

// podSummary is what a node's pods say about removing the node.
type podSummary struct {
	// Workload names the first pod that would have to move elsewhere; "" means the node is empty.
	Workload string
	// Blocker names the first live pod annotated karpenter.sh/do-not-disrupt; "" means none.
	Blocker string
}

// summarizePods classifies a node's pods as upstream Karpenter's IsReschedulable does: a pod
// must move unless it is terminal, terminating (except a StatefulSet's, whose replacement waits
// for it), a DaemonSet's (the DaemonSet runs it on every node anyway) or a static pod's mirror.
func summarizePods(pods []corev1.Pod) podSummary {
	var s podSummary
	for i := range pods {
		p := &pods[i]
		if isTerminal(p) {
			continue
		}
		if s.Blocker == "" && doNotDisrupt(p.Annotations) {
			s.Blocker = p.Namespace + "/" + p.Name
		}
		if s.Workload == "" && isReschedulable(p) {
			s.Workload = p.Namespace + "/" + p.Name
		}
	}
	return s
}

func isReschedulable(p *corev1.Pod) bool {
	active := p.DeletionTimestamp == nil || ownedBy(p, "StatefulSet")
	return active && !ownedBy(p, "DaemonSet") && !isMirror(p)
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

func isMirror(p *corev1.Pod) bool {
	_, ok := p.Annotations[mirrorPodAnnotation]
	return ok || ownedBy(p, "Node")
}

func ownedBy(p *corev1.Pod, kind string) bool {
	for _, o := range p.OwnerReferences {
		if o.Kind == kind {
			return true
		}
	}
	return false
}

// doNotDisrupt reports the karpenter.sh/do-not-disrupt: "true" annotation.
func doNotDisrupt(annotations map[string]string) bool {
	return annotations[karpv1.DoNotDisruptAnnotationKey] == "true"
}
