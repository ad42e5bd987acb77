// Package manifest builds the objects `kubectl karpenter create` sends: a NodePool from a
// preset overridden by flags, an EC2NodeClass from a cluster name. Each field remembers the
// flag that set it, so that an error of the CRD's validation, run client-side before anything is
// sent, names the flag to fix.
package manifest

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// Preset is a starting point for a NodePool; flags override its fields.
type Preset struct {
	Name        string
	Description string
	// CapacityTypes, Arch, Categories are requirement values; nil leaves the key open.
	CapacityTypes []string
	Arch          []string
	Categories    []string
	// MinGeneration is the instance-generation the types must exceed; 0 leaves it open.
	MinGeneration       int
	Taints              []corev1.Taint
	CPULimit            string
	MemoryLimit         string
	ConsolidationPolicy karpv1.ConsolidationPolicy
	ConsolidateAfter    string
	ExpireAfter         string
}

// Presets are the values of --preset.
var Presets = map[string]Preset{
	"default": {
		Name:          "default",
		Description:   "on-demand amd64 c/m/r instances of generation 3 and later, consolidated when empty or underutilized",
		CapacityTypes: []string{karpv1.CapacityTypeOnDemand}, Arch: []string{karpv1.ArchitectureAmd64},
		Categories: []string{"c", "m", "r"}, MinGeneration: 2,
		CPULimit: "1000", MemoryLimit: "1000Gi",
		ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized, ConsolidateAfter: "1m", ExpireAfter: "720h",
	},
	"spot-first": {
		Name:          "spot-first",
		Description:   "spot with on-demand as fallback (Karpenter launches spot whenever it is offered), amd64 c/m/r of generation 3 and later",
		CapacityTypes: []string{karpv1.CapacityTypeSpot, karpv1.CapacityTypeOnDemand}, Arch: []string{karpv1.ArchitectureAmd64},
		Categories: []string{"c", "m", "r"}, MinGeneration: 2,
		CPULimit: "1000", MemoryLimit: "1000Gi",
		ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized, ConsolidateAfter: "1m", ExpireAfter: "720h",
	},
	"gpu": {
		Name:          "gpu",
		Description:   "on-demand g and p (NVIDIA GPU) instances, tainted nvidia.com/gpu=true:NoSchedule so only pods that tolerate it land there, consolidated only when empty",
		CapacityTypes: []string{karpv1.CapacityTypeOnDemand}, Arch: []string{karpv1.ArchitectureAmd64},
		Categories: []string{"g", "p"},
		Taints:     []corev1.Taint{{Key: "nvidia.com/gpu", Value: "true", Effect: corev1.TaintEffectNoSchedule}},
		CPULimit:   "1000", MemoryLimit: "4000Gi",
		ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmpty, ConsolidateAfter: "5m", ExpireAfter: "720h",
	},
	"arm64": {
		Name:          "arm64",
		Description:   "on-demand arm64 (Graviton 2 and later) c/m/r instances",
		CapacityTypes: []string{karpv1.CapacityTypeOnDemand}, Arch: []string{karpv1.ArchitectureArm64},
		Categories: []string{"c", "m", "r"}, MinGeneration: 5,
		CPULimit: "1000", MemoryLimit: "1000Gi",
		ConsolidationPolicy: karpv1.ConsolidationPolicyWhenEmptyOrUnderutilized, ConsolidateAfter: "1m", ExpireAfter: "720h",
	},
}

// PresetNames lists the presets, sorted.
func PresetNames() []string {
	names := make([]string, 0, len(Presets))
	for n := range Presets {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// PresetHelp describes every preset, one per line, for --help.
func PresetHelp() string {
	var b strings.Builder
	for _, n := range PresetNames() {
		fmt.Fprintf(&b, "  %-11s %s\n", n, Presets[n].Description)
	}
	return b.String()
}

// Label keys of the requirements the flags set.
const (
	keyCategory   = catalog.LabelInstanceCategory
	keyFamily     = catalog.LabelInstanceFamily
	keyGeneration = catalog.LabelInstanceGeneration
)
