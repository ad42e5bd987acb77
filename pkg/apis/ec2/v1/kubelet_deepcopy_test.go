package v1

import (
	"reflect"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

// fullKubelet sets every field, so that a field added later without a line in the hand-written
// DeepCopyInto fails the test below instead of being shared between copies.
func fullKubelet() *KubeletConfiguration {
	return &KubeletConfiguration{
		ClusterDNS:                  []string{"10.0.1.100"},
		MaxPods:                     ptr.To[int32](110),
		PodsPerCore:                 ptr.To[int32](2),
		SystemReserved:              map[string]string{"cpu": "100m"},
		KubeReserved:                map[string]string{"memory": "100Mi"},
		EvictionHard:                map[string]string{"memory.available": "5%"},
		EvictionSoft:                map[string]string{"memory.available": "500Mi"},
		EvictionSoftGracePeriod:     map[string]metav1.Duration{"memory.available": {Duration: time.Minute}},
		EvictionMaxPodGracePeriod:   ptr.To[int32](60),
		ImageGCHighThresholdPercent: ptr.To[int32](85),
		ImageGCLowThresholdPercent:  ptr.To[int32](80),
		CPUCFSQuota:                 ptr.To(true),
	}
}

func TestKubeletConfigurationDeepCopy(t *testing.T) {
	in := fullKubelet()
	v := reflect.ValueOf(in).Elem()
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("fullKubelet leaves %s unset; set it so the copy of it is checked", v.Type().Field(i).Name)
		}
	}
	out := in.DeepCopy()
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("the copy differs from the original:\n%+v\n%+v", in, out)
	}
	// Every pointer, slice and map of the copy must be its own.
	o := reflect.ValueOf(out).Elem()
	for i := range v.NumField() {
		switch f := v.Field(i); f.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Map:
			if f.Pointer() == o.Field(i).Pointer() {
				t.Errorf("%s is shared between the original and the copy", v.Type().Field(i).Name)
			}
		default:
		}
	}
	if (&KubeletConfiguration{}).DeepCopy().ClusterDNS != nil {
		t.Error("a nil slice copied to non-nil")
	}
	if (*KubeletConfiguration)(nil).DeepCopy() != nil {
		t.Error("a nil KubeletConfiguration copied to non-nil")
	}
	// The generated deep copy of the spec goes through the hand-written one.
	spec := &EC2NodeClassSpec{Kubelet: fullKubelet()}
	specCopy := spec.DeepCopy()
	specCopy.Kubelet.EvictionHard["memory.available"] = "1%"
	if spec.Kubelet.EvictionHard["memory.available"] != "5%" {
		t.Error("the EC2NodeClassSpec deep copy shares the kubelet eviction thresholds")
	}
}
