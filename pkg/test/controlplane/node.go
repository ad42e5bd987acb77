package controlplane

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NewKWOKNode returns a Node that the control plane's KWOK adopts (it carries the
// kwok.x-k8s.io/node=fake annotation): once created, KWOK marks it Ready, keeps its lease fresh
// and runs the pods bound to it. cpu and mem are quantities such as "4" and "16Gi" (they panic
// when malformed, as test fixtures should); the node also allows 110 pods. labels are added to
// the well-known hostname, os and arch labels and override them.
func NewKWOKNode(name, cpu, mem string, labels map[string]string) *corev1.Node {
	resources := corev1.ResourceList{
		corev1.ResourceCPU:    resource.MustParse(cpu),
		corev1.ResourceMemory: resource.MustParse(mem),
		corev1.ResourcePods:   resource.MustParse("110"),
	}
	l := map[string]string{
		corev1.LabelHostname:   name,
		corev1.LabelOSStable:   "linux",
		corev1.LabelArchStable: "amd64",
		"type":                 "kwok",
	}
	for k, v := range labels {
		l[k] = v
	}
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{
			Name:        name,
			Labels:      l,
			Annotations: map[string]string{KWOKNodeAnnotation: KWOKNodeAnnotationValue},
		},
		// The API server keeps a Node's status on create, so capacity is there from the start and
		// KWOK's node-initialize stage preserves it.
		Status: corev1.NodeStatus{
			Capacity:    resources,
			Allocatable: resources.DeepCopy(),
		},
	}
}
