package v1alpha1

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KarpenterScalingPolicySpec bounds the node count of one NodePool and adds capacity ahead of
// pending pods when utilisation crosses a threshold, or lets it shrink when it falls below one.
// +kubebuilder:validation:XValidation:message="minNodes must be less than or equal to maxNodes",rule="has(self.minNodes) && has(self.maxNodes) ? self.minNodes <= self.maxNodes : true"
// +kubebuilder:validation:XValidation:message="at least one of minNodes, maxNodes or rules must be set",rule="has(self.minNodes) || has(self.maxNodes) || (has(self.rules) && self.rules.size() > 0)"
type KarpenterScalingPolicySpec struct {
	// NodePoolRef names the NodePool this policy governs. One policy per NodePool.
	// +kubebuilder:validation:XValidation:rule="self == oldSelf",message="nodePoolRef is immutable; create a new policy instead"
	// +required
	NodePoolRef NodePoolReference `json:"nodePoolRef"`
	// MinNodes is the fewest nodes the NodePool keeps, even when they are empty.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=10000
	// +optional
	MinNodes *int32 `json:"minNodes,omitempty"`
	// MaxNodes is the most nodes the NodePool may have; pods beyond it stay pending with an Event.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=10000
	// +optional
	MaxNodes *int32 `json:"maxNodes,omitempty"`
	// Rules are evaluated independently; the largest desired node count wins, as with a
	// HorizontalPodAutoscaler's metrics.
	// +kubebuilder:validation:MaxItems:=10
	// +listType=map
	// +listMapKey=name
	// +optional
	Rules []ScalingRule `json:"rules,omitempty"`
}

// NodePoolReference names a NodePool.
type NodePoolReference struct {
	// Name of the NodePool.
	// +kubebuilder:validation:MinLength:=1
	// +kubebuilder:validation:MaxLength:=253
	// +required
	Name string `json:"name"`
}

// ScalingRule scales the NodePool on one utilisation metric.
// +kubebuilder:validation:XValidation:message="scaleDownThreshold must be lower than scaleUpThreshold",rule="self.scaleDownThreshold < self.scaleUpThreshold"
type ScalingRule struct {
	// Name identifies the rule in status and Events.
	// +kubebuilder:validation:Pattern:=`^[a-z0-9]([-a-z0-9]*[a-z0-9])?$`
	// +kubebuilder:validation:MaxLength:=63
	// +required
	Name string `json:"name"`
	// Metric is the utilisation, in percent, the thresholds compare against.
	// +required
	Metric MetricSource `json:"metric"`
	// ScaleUpThreshold: above this utilisation (percent) the pool grows.
	// +kubebuilder:validation:Minimum:=1
	// +kubebuilder:validation:Maximum:=100
	// +required
	ScaleUpThreshold int32 `json:"scaleUpThreshold"`
	// ScaleDownThreshold: below this utilisation (percent) the pool may shrink.
	// +kubebuilder:validation:Minimum:=0
	// +kubebuilder:validation:Maximum:=99
	// +required
	ScaleDownThreshold int32 `json:"scaleDownThreshold"`
	// StabilizationWindow is how long a decision must hold before it is acted on, so that the
	// pool does not flap.
	// +kubebuilder:default:="5m"
	// +kubebuilder:validation:Pattern:=`^([0-9]+(s|m|h))+$`
	// +kubebuilder:validation:Type="string"
	// +optional
	StabilizationWindow *metav1.Duration `json:"stabilizationWindow,omitempty"`
}

// MetricSourceType says where a rule's metric comes from.
// +kubebuilder:validation:Enum:={Resource,Custom,External}
type MetricSourceType string

// Metric source types.
const (
	MetricSourceResource MetricSourceType = "Resource"
	MetricSourceCustom   MetricSourceType = "Custom"
	MetricSourceExternal MetricSourceType = "External"
)

// MetricSource is exactly one of resource, custom or external, as its type says.
// +kubebuilder:validation:XValidation:message="resource must be set when type is Resource, and only then",rule="(self.type == 'Resource') == has(self.resource)"
// +kubebuilder:validation:XValidation:message="custom must be set when type is Custom, and only then",rule="(self.type == 'Custom') == has(self.custom)"
// +kubebuilder:validation:XValidation:message="external must be set when type is External, and only then",rule="(self.type == 'External') == has(self.external)"
type MetricSource struct {
	// Type is Resource, Custom or External.
	// +required
	Type MetricSourceType `json:"type"`
	// Resource is the pool's cpu or memory, requested or used, as a percentage of allocatable.
	// +optional
	Resource *ResourceMetricSource `json:"resource,omitempty"`
	// Custom is a per-node metric from custom.metrics.k8s.io, averaged over the pool's nodes;
	// it must report a percentage.
	// +optional
	Custom *NamedMetricSource `json:"custom,omitempty"`
	// External is a metric from external.metrics.k8s.io; it must report a percentage.
	// +optional
	External *NamedMetricSource `json:"external,omitempty"`
}

// ResourceMetricSource is a node resource's utilisation.
type ResourceMetricSource struct {
	// Name is cpu or memory.
	// +kubebuilder:validation:Enum:={cpu,memory}
	// +required
	Name string `json:"name"`
	// Source is Requested (pod requests over allocatable, what the scheduler sees) or Used
	// (metrics.k8s.io usage over allocatable).
	// +kubebuilder:validation:Enum:={Requested,Used}
	// +kubebuilder:default:=Requested
	// +optional
	Source string `json:"source,omitempty"`
}

// NamedMetricSource names a metric and optionally narrows it with a label selector.
type NamedMetricSource struct {
	// Name of the metric.
	// +kubebuilder:validation:MinLength:=1
	// +required
	Name string `json:"name"`
	// Selector narrows the metric's series.
	// +optional
	Selector *metav1.LabelSelector `json:"selector,omitempty"`
}

// Condition types of a KarpenterScalingPolicy.
const (
	ConditionTypeReady            = "Ready"
	ConditionTypeNodePoolFound    = "NodePoolFound"
	ConditionTypeMetricsAvailable = "MetricsAvailable"
)

// KarpenterScalingPolicyStatus is the outcome of the last evaluation.
type KarpenterScalingPolicyStatus struct {
	// ObservedGeneration is the spec generation the status describes.
	// +optional
	ObservedGeneration int64 `json:"observedGeneration,omitempty"`
	// LastEvaluationTime is when the rules were last evaluated.
	// +optional
	LastEvaluationTime *metav1.Time `json:"lastEvaluationTime,omitempty"`
	// CurrentNodes is the NodePool's node count at the last evaluation.
	// +optional
	CurrentNodes *int32 `json:"currentNodes,omitempty"`
	// DesiredNodes is the node count the policy asks for.
	// +optional
	DesiredNodes *int32 `json:"desiredNodes,omitempty"`
	// Reason is a one-line explanation of desiredNodes, naming the rule or bound that set it.
	// +optional
	Reason string `json:"reason,omitempty"`
	// Rules is the last value and verdict of each rule.
	// +listType=map
	// +listMapKey=name
	// +optional
	Rules []RuleStatus `json:"rules,omitempty"`
	// Conditions: Ready, NodePoolFound, MetricsAvailable.
	// +listType=map
	// +listMapKey=type
	// +optional
	Conditions []metav1.Condition `json:"conditions,omitempty"`
}

// RuleStatus is the last evaluation of one rule.
type RuleStatus struct {
	// Name of the rule.
	// +required
	Name string `json:"name"`
	// CurrentUtilization is the metric's value in percent.
	// +optional
	CurrentUtilization *int32 `json:"currentUtilization,omitempty"`
	// Decision is ScaleUp, ScaleDown or Hold.
	// +kubebuilder:validation:Enum:={ScaleUp,ScaleDown,Hold}
	// +optional
	Decision string `json:"decision,omitempty"`
}

// KarpenterScalingPolicy adds min/max node bounds and utilisation thresholds to a NodePool.
// +kubebuilder:object:root=true
// +kubebuilder:resource:path=karpenterscalingpolicies,scope=Cluster,categories=karpenter,shortName={ksp,ksps}
// +kubebuilder:subresource:status
// +kubebuilder:printcolumn:name="NodePool",type="string",JSONPath=".spec.nodePoolRef.name",description=""
// +kubebuilder:printcolumn:name="Min",type="integer",JSONPath=".spec.minNodes",description=""
// +kubebuilder:printcolumn:name="Max",type="integer",JSONPath=".spec.maxNodes",description=""
// +kubebuilder:printcolumn:name="Current",type="integer",JSONPath=".status.currentNodes",description=""
// +kubebuilder:printcolumn:name="Desired",type="integer",JSONPath=".status.desiredNodes",description=""
// +kubebuilder:printcolumn:name="Ready",type="string",JSONPath=".status.conditions[?(@.type==\"Ready\")].status",description=""
// +kubebuilder:printcolumn:name="Age",type="date",JSONPath=".metadata.creationTimestamp",description=""
// +kubebuilder:printcolumn:name="Reason",type="string",JSONPath=".status.reason",priority=1,description=""
type KarpenterScalingPolicy struct {
	metav1.TypeMeta   `json:",inline"`
	metav1.ObjectMeta `json:"metadata,omitempty"`

	// +required
	Spec KarpenterScalingPolicySpec `json:"spec"`
	// +optional
	Status KarpenterScalingPolicyStatus `json:"status,omitempty"`
}

// KarpenterScalingPolicyList is a list of KarpenterScalingPolicies.
// +kubebuilder:object:root=true
type KarpenterScalingPolicyList struct {
	metav1.TypeMeta `json:",inline"`
	metav1.ListMeta `json:"metadata,omitempty"`
	Items           []KarpenterScalingPolicy `json:"items"`
}
