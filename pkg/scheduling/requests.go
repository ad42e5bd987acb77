package scheduling

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// The first four resources have fixed slots so hot loops can test cpu and memory without a
// lookup; extended resources (nvidia.com/gpu, aws.amazon.com/neuron, hugepages...) follow.
const (
	resCPU = iota
	resMemory
	resPods
	resEphemeral
	numFixedResources
)

// resourceIndex numbers every resource name seen in one solve. All vectors of a solve have the
// same length, so comparisons are plain loops over int64s.
type resourceIndex struct {
	names []corev1.ResourceName
	index map[corev1.ResourceName]int
}

func newResourceIndex() *resourceIndex {
	r := &resourceIndex{index: map[corev1.ResourceName]int{}}
	for _, n := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourcePods, corev1.ResourceEphemeralStorage} {
		r.add(n)
	}
	return r
}

// add numbers the resource, unless it already has a number.
func (r *resourceIndex) add(name corev1.ResourceName) {
	if _, ok := r.index[name]; ok {
		return
	}
	r.index[name] = len(r.names)
	r.names = append(r.names, name)
}

func (r *resourceIndex) addList(l corev1.ResourceList) {
	// Sorted so numbering (and so iteration order in messages) does not depend on map order.
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		r.add(corev1.ResourceName(n))
	}
}

func (r *resourceIndex) len() int { return len(r.names) }

// resVec is a resource list as integers: cpu in millicores, everything else in base units.
type resVec []int64

func (r *resourceIndex) zero() resVec { return make(resVec, len(r.names)) }

// vec converts a ResourceList; names not registered are ignored (they were registered up front).
func (r *resourceIndex) vec(l corev1.ResourceList) resVec {
	v := r.zero()
	for n, q := range l {
		if i, ok := r.index[n]; ok {
			v[i] = quantityValue(n, q)
		}
	}
	return v
}

func quantityValue(n corev1.ResourceName, q resource.Quantity) int64 {
	if n == corev1.ResourceCPU {
		return q.MilliValue()
	}
	return q.Value()
}

func (r *resourceIndex) quantity(i int, v int64) resource.Quantity {
	n := r.names[i]
	switch n {
	case corev1.ResourceCPU:
		return *resource.NewMilliQuantity(v, resource.DecimalSI)
	case corev1.ResourceMemory, corev1.ResourceEphemeralStorage:
		return *resource.NewQuantity(v, resource.BinarySI)
	}
	if strings.HasPrefix(string(n), corev1.ResourceHugePagesPrefix) {
		return *resource.NewQuantity(v, resource.BinarySI)
	}
	return *resource.NewQuantity(v, resource.DecimalSI)
}

func (r *resourceIndex) list(v resVec) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i, x := range v {
		if x != 0 {
			out[r.names[i]] = r.quantity(i, x)
		}
	}
	return out
}

func (v resVec) add(o resVec) {
	for i := range v {
		v[i] += o[i]
	}
}

func (v resVec) sub(o resVec) {
	for i := range v {
		v[i] -= o[i]
	}
}

func (v resVec) plus(o resVec) resVec {
	out := make(resVec, len(v))
	for i := range v {
		out[i] = v[i] + o[i]
	}
	return out
}

func (v resVec) clone() resVec { return append(resVec(nil), v...) }

// fitsIn reports whether v fits in capacity c. Only requested resources are compared, as
// kube-scheduler does: a node without a GPU still fits a pod that asks for none.
func (v resVec) fitsIn(c resVec) bool {
	for i, x := range v {
		if x > 0 && x > c[i] {
			return false
		}
	}
	return true
}

func (v resVec) maxWith(o resVec) {
	for i := range v {
		if o[i] > v[i] {
			v[i] = o[i]
		}
	}
}

// podRequests is the pod's effective request: the larger of its init-phase peak and its
// steady state (sidecars counted in both), plus pod overhead, plus one pod slot. The
// component-helpers implementation is the one kube-scheduler and the kubelet use.
func podRequests(pod *corev1.Pod) corev1.ResourceList {
	reqs := resourcehelper.PodRequests(pod, resourcehelper.PodResourcesOptions{})
	reqs[corev1.ResourcePods] = *resource.NewQuantity(1, resource.DecimalSI)
	return reqs
}

// PodRequests returns the pod's effective requests as the engine counts them: containers,
// sidecar and init containers per the Kubernetes rules, pod overhead, and one "pods" slot.
func PodRequests(pod *corev1.Pod) corev1.ResourceList { return podRequests(pod) }

func resourceListString(l corev1.ResourceList) string {
	names := make([]string, 0, len(l))
	for n := range l {
		names = append(names, string(n))
	}
	sort.Strings(names)
	parts := make([]string, 0, len(names))
	for _, n := range names {
		q := l[corev1.ResourceName(n)]
		parts = append(parts, fmt.Sprintf("%s=%s", n, q.String()))
	}
	return strings.Join(parts, ",")
}
