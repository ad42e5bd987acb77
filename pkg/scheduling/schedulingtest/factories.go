// Package schedulingtest builds the Kubernetes objects and instance types the scheduling tests
// and benchmarks use: factories with sensible defaults and functional overrides, so each test
// states only what it is about.
package schedulingtest

import (
	"fmt"
	"sync/atomic"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	storagev1 "k8s.io/api/storage/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Zones used by the default offerings.
var Zones = []string{"test-zone-a", "test-zone-b", "test-zone-c"}

var seq atomic.Int64

func next() int64 { return seq.Add(1) }

// PodOption overrides part of a pod.
type PodOption func(*corev1.Pod)

// Pod returns a pending pod in namespace "default" with one container requesting 100m cpu and
// 128Mi memory, with the options applied in order.
func Pod(opts ...PodOption) *corev1.Pod {
	n := next()
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("pod-%d", n), Namespace: "default", UID: types.UID(fmt.Sprintf("uid-pod-%d", n))},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{
			Name:      "main",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}},
		}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Pods returns n pods built with the same options.
func Pods(n int, opts ...PodOption) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = Pod(opts...)
	}
	return out
}

// Name sets the pod's name.
func Name(name string) PodOption { return func(p *corev1.Pod) { p.Name = name } }

// Namespace sets the pod's namespace.
func Namespace(ns string) PodOption { return func(p *corev1.Pod) { p.Namespace = ns } }

// Labels adds labels to the pod, given as key, value pairs.
func Labels(kv ...string) PodOption { return func(p *corev1.Pod) { p.Labels = merge(p.Labels, kv) } }

// NodeSelector adds nodeSelector entries to the pod, given as key, value pairs.
func NodeSelector(kv ...string) PodOption {
	return func(p *corev1.Pod) { p.Spec.NodeSelector = merge(p.Spec.NodeSelector, kv) }
}

// BoundTo makes the pod a running one bound to the node, as if already scheduled there.
func BoundTo(node string) PodOption {
	return func(p *corev1.Pod) { p.Spec.NodeName = node; p.Status.Phase = corev1.PodRunning }
}

func merge(m map[string]string, kv []string) map[string]string {
	if m == nil {
		m = map[string]string{}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

// Requests sets the main container's cpu and memory requests ("" leaves one out).
func Requests(cpu, memory string) PodOption {
	return func(p *corev1.Pod) {
		r := corev1.ResourceList{}
		if cpu != "" {
			r[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if memory != "" {
			r[corev1.ResourceMemory] = resource.MustParse(memory)
		}
		p.Spec.Containers[0].Resources.Requests = r
	}
}

// Request adds one resource to the main container's requests.
func Request(name corev1.ResourceName, q string) PodOption {
	return func(p *corev1.Pod) {
		if p.Spec.Containers[0].Resources.Requests == nil {
			p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{}
		}
		p.Spec.Containers[0].Resources.Requests[name] = resource.MustParse(q)
	}
}

// Container adds another regular container.
func Container(cpu, memory string) PodOption {
	return func(p *corev1.Pod) {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: fmt.Sprintf("c%d", len(p.Spec.Containers)),
			Resources: corev1.ResourceRequirements{Requests: rl(cpu, memory)}})
	}
}

// InitContainer adds an init container; sidecar makes it restartPolicy Always.
func InitContainer(cpu, memory string, sidecar bool) PodOption {
	return func(p *corev1.Pod) {
		c := corev1.Container{Name: fmt.Sprintf("init%d", len(p.Spec.InitContainers)), Resources: corev1.ResourceRequirements{Requests: rl(cpu, memory)}}
		if sidecar {
			always := corev1.ContainerRestartPolicyAlways
			c.RestartPolicy = &always
		}
		p.Spec.InitContainers = append(p.Spec.InitContainers, c)
	}
}

// Overhead sets the pod's runtime-class overhead.
func Overhead(cpu, memory string) PodOption {
	return func(p *corev1.Pod) { p.Spec.Overhead = rl(cpu, memory) }
}

func rl(cpu, memory string) corev1.ResourceList {
	r := corev1.ResourceList{}
	if cpu != "" {
		r[corev1.ResourceCPU] = resource.MustParse(cpu)
	}
	if memory != "" {
		r[corev1.ResourceMemory] = resource.MustParse(memory)
	}
	return r
}

func affinity(p *corev1.Pod) *corev1.Affinity {
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	return p.Spec.Affinity
}

// Expr is shorthand for a node selector requirement.
func Expr(key string, op corev1.NodeSelectorOperator, values ...string) corev1.NodeSelectorRequirement {
	return corev1.NodeSelectorRequirement{Key: key, Operator: op, Values: values}
}

// RequiredNodeAffinity adds one ORed required node affinity term made of exprs.
func RequiredNodeAffinity(exprs ...corev1.NodeSelectorRequirement) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.NodeAffinity == nil {
			a.NodeAffinity = &corev1.NodeAffinity{}
		}
		if a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
			a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{}
		}
		ns := a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution
		ns.NodeSelectorTerms = append(ns.NodeSelectorTerms, corev1.NodeSelectorTerm{MatchExpressions: exprs})
	}
}

// PreferredNodeAffinity adds a weighted preferred node affinity term.
func PreferredNodeAffinity(weight int32, exprs ...corev1.NodeSelectorRequirement) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.NodeAffinity == nil {
			a.NodeAffinity = &corev1.NodeAffinity{}
		}
		a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			corev1.PreferredSchedulingTerm{Weight: weight, Preference: corev1.NodeSelectorTerm{MatchExpressions: exprs}})
	}
}

// Toleration adds a toleration; an empty value means operator Exists.
func Toleration(key, value string, effect corev1.TaintEffect) PodOption {
	return func(p *corev1.Pod) {
		t := corev1.Toleration{Key: key, Value: value, Effect: effect, Operator: corev1.TolerationOpEqual}
		if value == "" {
			t.Operator = corev1.TolerationOpExists
		}
		p.Spec.Tolerations = append(p.Spec.Tolerations, t)
	}
}

// Spread adds a topology spread constraint selecting pods with the given labels.
func Spread(key string, maxSkew int32, when corev1.UnsatisfiableConstraintAction, selector map[string]string, tweak ...func(*corev1.TopologySpreadConstraint)) PodOption {
	return func(p *corev1.Pod) {
		t := corev1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
			LabelSelector: &metav1.LabelSelector{MatchLabels: selector}}
		for _, f := range tweak {
			f(&t)
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, t)
	}
}

// Term is a pod affinity term selecting pods with the given labels in the pod's namespace.
func Term(key string, selector map[string]string) corev1.PodAffinityTerm {
	return corev1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: selector}}
}

// PodAffinity adds a required pod affinity term.
func PodAffinity(t corev1.PodAffinityTerm) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.PodAffinity == nil {
			a.PodAffinity = &corev1.PodAffinity{}
		}
		a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(a.PodAffinity.RequiredDuringSchedulingIgnoredDuringExecution, t)
	}
}

// PreferredPodAffinity adds a weighted preferred pod affinity term.
func PreferredPodAffinity(weight int32, t corev1.PodAffinityTerm) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.PodAffinity == nil {
			a.PodAffinity = &corev1.PodAffinity{}
		}
		a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PodAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: t})
	}
}

// PodAntiAffinity adds a required pod anti-affinity term.
func PodAntiAffinity(t corev1.PodAffinityTerm) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.RequiredDuringSchedulingIgnoredDuringExecution, t)
	}
}

// PreferredPodAntiAffinity adds a weighted preferred pod anti-affinity term.
func PreferredPodAntiAffinity(weight int32, t corev1.PodAffinityTerm) PodOption {
	return func(p *corev1.Pod) {
		a := affinity(p)
		if a.PodAntiAffinity == nil {
			a.PodAntiAffinity = &corev1.PodAntiAffinity{}
		}
		a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution = append(a.PodAntiAffinity.PreferredDuringSchedulingIgnoredDuringExecution,
			corev1.WeightedPodAffinityTerm{Weight: weight, PodAffinityTerm: t})
	}
}

// HostPort makes the main container bind a TCP host port.
func HostPort(port int32) PodOption {
	return func(p *corev1.Pod) {
		p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, corev1.ContainerPort{ContainerPort: port, HostPort: port, Protocol: corev1.ProtocolTCP})
	}
}

// Claim mounts a PersistentVolumeClaim.
func Claim(name string) PodOption {
	return func(p *corev1.Pod) {
		p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: "vol-" + name,
			VolumeSource: corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: name}}})
	}
}

// NodeOption overrides part of a node.
type NodeOption func(*corev1.Node)

// Node returns a ready node with 4 cpu, 16Gi memory and 110 pods allocatable, labelled with its
// hostname, zone test-zone-a, linux/amd64.
func Node(name string, opts ...NodeOption) *corev1.Node {
	alloc := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("16Gi"), corev1.ResourcePods: resource.MustParse("110")}
	n := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID("uid-node-" + name), Labels: map[string]string{
			corev1.LabelHostname: name, corev1.LabelTopologyZone: Zones[0], corev1.LabelArchStable: "amd64", corev1.LabelOSStable: "linux",
		}},
		Status: corev1.NodeStatus{Allocatable: alloc, Capacity: alloc.DeepCopy(),
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

// NodeLabels adds labels to the node, given as key, value pairs.
func NodeLabels(kv ...string) NodeOption {
	return func(n *corev1.Node) { n.Labels = merge(n.Labels, kv) }
}

// Zone puts the node in the zone (its topology.kubernetes.io/zone label).
func Zone(z string) NodeOption { return NodeLabels(corev1.LabelTopologyZone, z) }

// Taint adds a taint to the node.
func Taint(key, value string, effect corev1.TaintEffect) NodeOption {
	return func(n *corev1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Value: value, Effect: effect})
	}
}

// Cordoned marks the node unschedulable, as kubectl cordon does.
func Cordoned() NodeOption { return func(n *corev1.Node) { n.Spec.Unschedulable = true } }

// Allocatable sets cpu and memory allocatable (pods stays 110).
func Allocatable(cpu, memory string) NodeOption {
	return func(n *corev1.Node) {
		n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse(cpu)
		n.Status.Allocatable[corev1.ResourceMemory] = resource.MustParse(memory)
		n.Status.Capacity = n.Status.Allocatable.DeepCopy()
	}
}

// AllocatableResource sets one allocatable resource.
func AllocatableResource(name corev1.ResourceName, q string) NodeOption {
	return func(n *corev1.Node) {
		n.Status.Allocatable[name] = resource.MustParse(q)
		n.Status.Capacity[name] = resource.MustParse(q)
	}
}

// TypeOption overrides part of an instance type.
type TypeOption func(*cloudprovider.InstanceType)

// InstanceType returns a linux/amd64 type with the given capacity and 110 pods, allocatable
// 100m cpu and 256Mi less than capacity, offered spot and on-demand in every test zone at
// 0.05/vCPU + 0.01/GiB (spot 30% cheaper).
func InstanceType(name string, cpu, memory string, opts ...TypeOption) *cloudprovider.InstanceType {
	c, m := resource.MustParse(cpu), resource.MustParse(memory)
	capacity := corev1.ResourceList{corev1.ResourceCPU: c, corev1.ResourceMemory: m, corev1.ResourcePods: resource.MustParse("110")}
	alloc := capacity.DeepCopy()
	ac, am := alloc[corev1.ResourceCPU], alloc[corev1.ResourceMemory]
	ac.Sub(resource.MustParse("100m"))
	am.Sub(resource.MustParse("256Mi"))
	alloc[corev1.ResourceCPU], alloc[corev1.ResourceMemory] = ac, am
	price := 0.05*c.AsApproximateFloat64() + 0.01*m.AsApproximateFloat64()/(1<<30)
	it := &cloudprovider.InstanceType{
		Name: name, Capacity: capacity, Allocatable: alloc,
		Labels: map[string]string{corev1.LabelInstanceTypeStable: name, corev1.LabelArchStable: "amd64", corev1.LabelOSStable: "linux",
			"karpenter.k8s.aws/instance-cpu": fmt.Sprint(c.Value()), "karpenter.k8s.aws/instance-memory": fmt.Sprint(m.Value() >> 20)},
	}
	for _, z := range Zones {
		it.Offerings = append(it.Offerings,
			cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeSpot, Price: price * 0.7, Available: true},
			cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeOnDemand, Price: price, Available: true})
	}
	for _, o := range opts {
		o(it)
	}
	return it
}

// TypeLabels sets labels on the type.
func TypeLabels(kv ...string) TypeOption {
	return func(it *cloudprovider.InstanceType) { it.Labels = merge(it.Labels, kv) }
}

// Arch sets kubernetes.io/arch.
func Arch(a string) TypeOption { return TypeLabels(corev1.LabelArchStable, a) }

// GPUs adds an extended resource to capacity and allocatable.
func GPUs(name corev1.ResourceName, n string) TypeOption {
	return func(it *cloudprovider.InstanceType) {
		it.Capacity[name] = resource.MustParse(n)
		it.Allocatable[name] = resource.MustParse(n)
	}
}

// OnlyOfferings replaces the offerings with the given zone/capacity-type pairs, keeping the
// on-demand price.
func OnlyOfferings(pairs ...string) TypeOption {
	return func(it *cloudprovider.InstanceType) {
		price := 0.0
		for _, o := range it.Offerings {
			if o.CapacityType == cloudprovider.CapacityTypeOnDemand {
				price = o.Price
			}
		}
		it.Offerings = nil
		for i := 0; i+1 < len(pairs); i += 2 {
			p := price
			if pairs[i+1] == cloudprovider.CapacityTypeSpot {
				p *= 0.7
			}
			it.Offerings = append(it.Offerings, cloudprovider.Offering{Zone: pairs[i], CapacityType: pairs[i+1], Price: p, Available: true})
		}
	}
}

// Unavailable marks every offering unavailable.
func Unavailable() TypeOption {
	return func(it *cloudprovider.InstanceType) {
		for i := range it.Offerings {
			it.Offerings[i].Available = false
		}
	}
}

// DiverseInstanceTypes is upstream Karpenter's benchmark catalog: type i (1..n) has i vCPU, 2i
// GiB and 10i pods, 100m cpu and 10Mi memory kube-reserved, spot in zones 1 and 2 and on-demand
// in zones 1, 2 and 3, all at 0.1 per vCPU + 0.1 per GB.
func DiverseInstanceTypes(n int) []*cloudprovider.InstanceType {
	out := make([]*cloudprovider.InstanceType, 0, n)
	for i := 1; i <= n; i++ {
		capacity := corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewQuantity(int64(i), resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(int64(2*i)<<30, resource.BinarySI),
			corev1.ResourcePods:   *resource.NewQuantity(int64(10*i), resource.DecimalSI),
		}
		alloc := corev1.ResourceList{
			corev1.ResourceCPU:    *resource.NewMilliQuantity(int64(i)*1000-100, resource.DecimalSI),
			corev1.ResourceMemory: *resource.NewQuantity(int64(2*i)<<30-10<<20, resource.BinarySI),
			corev1.ResourcePods:   *resource.NewQuantity(int64(10*i), resource.DecimalSI),
		}
		price := 0.1*float64(i) + 0.1*float64(int64(2*i)<<30)/1e9
		name := fmt.Sprintf("fake-it-%d", i-1)
		it := &cloudprovider.InstanceType{Name: name, Capacity: capacity, Allocatable: alloc,
			Labels: map[string]string{corev1.LabelInstanceTypeStable: name, corev1.LabelArchStable: "amd64", corev1.LabelOSStable: "linux"}}
		for _, z := range []string{"test-zone-1", "test-zone-2"} {
			it.Offerings = append(it.Offerings, cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeSpot, Price: price, Available: true})
		}
		for _, z := range []string{"test-zone-1", "test-zone-2", "test-zone-3"} {
			it.Offerings = append(it.Offerings, cloudprovider.Offering{Zone: z, CapacityType: cloudprovider.CapacityTypeOnDemand, Price: price, Available: true})
		}
		out = append(out, it)
	}
	return out
}

// DaemonSet returns a DaemonSet whose pods request cpu and memory; tweak adjusts the template.
func DaemonSet(name, cpu, memory string, tweak ...PodOption) *appsv1.DaemonSet {
	p := Pod(Requests(cpu, memory))
	for _, t := range tweak {
		t(p)
	}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "kube-system"},
		Spec:       appsv1.DaemonSetSpec{Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: p.Labels}, Spec: p.Spec}},
	}
}

// PVC returns a claim; bound to volume when volume is not empty.
func PVC(name, storageClass, volume string) *corev1.PersistentVolumeClaim {
	c := &corev1.PersistentVolumeClaim{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PersistentVolumeClaimSpec{VolumeName: volume}}
	if storageClass != "" {
		c.Spec.StorageClassName = &storageClass
	}
	return c
}

// ZonalPV returns a volume whose node affinity pins it to zone.
func ZonalPV(name, zone string) *corev1.PersistentVolume {
	return &corev1.PersistentVolume{ObjectMeta: metav1.ObjectMeta{Name: name}, Spec: corev1.PersistentVolumeSpec{
		NodeAffinity: &corev1.VolumeNodeAffinity{Required: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
			MatchExpressions: []corev1.NodeSelectorRequirement{Expr(corev1.LabelTopologyZone, corev1.NodeSelectorOpIn, zone)},
		}}}},
	}}
}

// WaitForFirstConsumer returns a StorageClass that binds late and only in zones.
func WaitForFirstConsumer(name string, zones ...string) *storagev1.StorageClass {
	mode := storagev1.VolumeBindingWaitForFirstConsumer
	sc := &storagev1.StorageClass{ObjectMeta: metav1.ObjectMeta{Name: name}, Provisioner: "ebs.csi.aws.com", VolumeBindingMode: &mode}
	if len(zones) > 0 {
		sc.AllowedTopologies = []corev1.TopologySelectorTerm{{MatchLabelExpressions: []corev1.TopologySelectorLabelRequirement{{Key: corev1.LabelTopologyZone, Values: zones}}}}
	}
	return sc
}
