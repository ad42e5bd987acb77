package apis

import "testing"

const policyBase = "karpenterscalingpolicy.yaml"

// rule is a patch that replaces the rules of the scaling policy with one.
func rule(r string) string {
	return `{spec: {rules: [` + r + `]}}`
}

var invalidScalingPolicies = []invalidCase{
	{name: "minNodes above maxNodes", base: policyBase, patch: `{spec: {minNodes: 10, maxNodes: 5}}`,
		want: fieldError{"spec", "minNodes must be less than or equal to maxNodes"}},
	{name: "negative minNodes", base: policyBase, patch: `{spec: {minNodes: -1}}`,
		want: fieldError{"spec.minNodes", "should be greater than or equal to 0"}},
	{name: "no bounds and no rules", base: policyBase, patch: `{spec: {minNodes: null, maxNodes: null, rules: null}}`,
		want: fieldError{"spec", "at least one of minNodes, maxNodes or rules must be set"}},
	{name: "scale-down threshold equal to scale-up", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 60, scaleDownThreshold: 60}`),
		want:  fieldError{"spec.rules[0]", "scaleDownThreshold must be lower than scaleUpThreshold"}},
	{name: "scale-down threshold above scale-up", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 60, scaleDownThreshold: 80}`),
		want:  fieldError{"spec.rules[0]", "scaleDownThreshold must be lower than scaleUpThreshold"}},
	{name: "scale-up threshold above 100", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 120, scaleDownThreshold: 50}`),
		want:  fieldError{"spec.rules[0].scaleUpThreshold", "should be less than or equal to 100"}},
	{name: "scale-up threshold 0", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 0, scaleDownThreshold: 0}`),
		want:  fieldError{"spec.rules[0].scaleUpThreshold", "should be greater than or equal to 1"}},
	{name: "negative scale-down threshold", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 80, scaleDownThreshold: -5}`),
		want:  fieldError{"spec.rules[0].scaleDownThreshold", "should be greater than or equal to 0"}},
	{name: "Resource metric with a custom source", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, custom: {name: gpu_util}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric", "resource must be set when type is Resource, and only then"}},
	{name: "Custom metric with a resource source", base: policyBase,
		patch: rule(`{name: gpu, metric: {type: Custom, resource: {name: cpu}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric", "custom must be set when type is Custom, and only then"}},
	{name: "External metric with both sources", base: policyBase,
		patch: rule(`{name: queue, metric: {type: External, external: {name: backlog}, custom: {name: backlog}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric", "custom must be set when type is Custom, and only then"}},
	{name: "unknown metric type", base: policyBase,
		patch: rule(`{name: pods, metric: {type: Pods}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric.type", `Unsupported value: "Pods"`}},
	{name: "unknown resource", base: policyBase,
		patch: rule(`{name: gpu, metric: {type: Resource, resource: {name: nvidia.com/gpu}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric.resource.name", `Unsupported value: "nvidia.com/gpu"`}},
	{name: "unknown resource source", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu, source: Limits}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].metric.resource.source", `Unsupported value: "Limits"`}},
	{name: "stabilization window in words", base: policyBase,
		patch: rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 80, scaleDownThreshold: 40, stabilizationWindow: "five minutes"}`),
		want:  fieldError{"spec.rules[0].stabilizationWindow", "should match"}},
	{name: "duplicate rule names", base: policyBase,
		patch: `{spec: {rules: [{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 80, scaleDownThreshold: 40}, {name: cpu, metric: {type: Resource, resource: {name: memory}}, scaleUpThreshold: 80, scaleDownThreshold: 40}]}}`,
		want:  fieldError{"spec.rules[1]", "Duplicate value"}},
	{name: "rule name not DNS", base: policyBase,
		patch: rule(`{name: CPU_Rule, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 80, scaleDownThreshold: 40}`),
		want:  fieldError{"spec.rules[0].name", "should match"}},
	{name: "empty nodePoolRef name", base: policyBase, patch: `{spec: {nodePoolRef: {name: ""}}}`,
		want: fieldError{"spec.nodePoolRef.name", "should be at least 1 chars long"}},
	{name: "nodePoolRef changed", base: policyBase, update: `{spec: {nodePoolRef: {name: other}}}`,
		want: fieldError{"spec.nodePoolRef", "nodePoolRef is immutable; create a new policy instead"}},
}

func TestInvalidScalingPoliciesAreRejected(t *testing.T) {
	runInvalid(t, invalidScalingPolicies)
}
