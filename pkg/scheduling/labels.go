package scheduling

import (
	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// Label keys the engine knows the meaning of.
const (
	LabelNodePool      = "karpenter.sh/nodepool"
	LabelCapacityType  = cloudprovider.LabelCapacityType
	LabelInitialized   = "karpenter.sh/initialized"
	labelAWSPrefix     = "karpenter.k8s.aws/"
	LabelInstanceCPU   = labelAWSPrefix + "instance-cpu"
	LabelInstanceMem   = labelAWSPrefix + "instance-memory"
	LabelInstanceGPUs  = labelAWSPrefix + "instance-gpu-count"
	LabelInstanceFamly = labelAWSPrefix + "instance-family"
)

// instanceTypeLabels are facts every instance type either has or lacks: a type without one of
// them behaves as "DoesNotExist" for it, so a pod asking for a GPU name never lands on a type
// that has none.
var instanceTypeLabels = map[string]bool{
	corev1.LabelInstanceTypeStable:                              true,
	corev1.LabelArchStable:                                      true,
	corev1.LabelOSStable:                                        true,
	corev1.LabelWindowsBuild:                                    true,
	labelAWSPrefix + "instance-category":                        true,
	labelAWSPrefix + "instance-family":                          true,
	labelAWSPrefix + "instance-generation":                      true,
	labelAWSPrefix + "instance-size":                            true,
	labelAWSPrefix + "instance-cpu":                             true,
	labelAWSPrefix + "instance-cpu-manufacturer":                true,
	labelAWSPrefix + "instance-cpu-sustained-clock-speed-mhz":   true,
	labelAWSPrefix + "instance-memory":                          true,
	labelAWSPrefix + "instance-ebs-bandwidth":                   true,
	labelAWSPrefix + "instance-network-bandwidth":               true,
	labelAWSPrefix + "instance-gpu-name":                        true,
	labelAWSPrefix + "instance-gpu-count":                       true,
	labelAWSPrefix + "instance-gpu-manufacturer":                true,
	labelAWSPrefix + "instance-gpu-memory":                      true,
	labelAWSPrefix + "instance-accelerator-name":                true,
	labelAWSPrefix + "instance-accelerator-manufacturer":        true,
	labelAWSPrefix + "instance-accelerator-count":               true,
	labelAWSPrefix + "instance-hypervisor":                      true,
	labelAWSPrefix + "instance-encryption-in-transit-supported": true,
	labelAWSPrefix + "instance-local-nvme":                      true,
}

// wellKnownLabels may be required by a pod even when a NodePool does not mention them: the
// instance types and offerings decide. Any other label must be offered by the NodePool (its
// template labels or requirements) or the pod does not match.
var wellKnownLabels = func() map[string]bool {
	m := map[string]bool{
		corev1.LabelTopologyZone:   true,
		corev1.LabelTopologyRegion: true,
		LabelCapacityType:          true,
		LabelNodePool:              true,
	}
	for k := range instanceTypeLabels {
		m[k] = true
	}
	return m
}()

// IsWellKnownLabel reports whether the engine treats key as a label the NodePool's instance
// types and offerings define.
func IsWellKnownLabel(key string) bool { return wellKnownLabels[key] }
