package apis

import (
	"fmt"
	"strings"
	"testing"
)

const nodePoolBase = "nodepool-default.yaml"

// requirement is a patch that replaces the requirements of the NodePool template.
func requirement(r string) string {
	return `{spec: {template: {spec: {requirements: [` + r + `]}}}}`
}

// templateLabel is a patch that adds one label to the NodePool template.
func templateLabel(key string) string {
	return fmt.Sprintf(`{spec: {template: {metadata: {labels: {%q: "x"}}}}}`, key)
}

// budget is a patch that replaces the budgets of the NodePool.
func budget(b string) string {
	return `{spec: {disruption: {budgets: [` + b + `]}}}`
}

// tooManyRequirements is 101 distinct, individually valid requirements.
func tooManyRequirements() string {
	rs := make([]string, 101)
	for i := range rs {
		rs[i] = fmt.Sprintf(`{key: "example.com/label-%d", operator: Exists}`, i)
	}
	return requirement(strings.Join(rs, ", "))
}

const (
	reqPath      = "spec.template.spec.requirements"
	labelsPath   = "spec.template.metadata.labels"
	budgetsPath  = "spec.disruption.budgets"
	mustMatchMsg = "should match"
)

var invalidNodePools = []invalidCase{
	// Requirements.
	{name: "unknown operator", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/arch, operator: Within, values: [amd64]}`),
		want:  fieldError{reqPath + "[0].operator", `Unsupported value: "Within"`}},
	{name: "lowercase operator", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/arch, operator: in, values: [amd64]}`),
		want:  fieldError{reqPath + "[0].operator", `Unsupported value: "in"`}},
	{name: "minValues 0", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-family, operator: In, values: [m5, c5], minValues: 0}`),
		want:  fieldError{reqPath + "[0].minValues", "should be greater than or equal to 1"}},
	{name: "minValues 51", base: nodePoolBase,
		patch: requirement(`{key: node.kubernetes.io/instance-type, operator: Exists, minValues: 51}`),
		want:  fieldError{reqPath + "[0].minValues", "should be less than or equal to 50"}},
	{name: "minValues above the number of values", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-family, operator: In, values: [m5, c5], minValues: 3}`),
		want:  fieldError{reqPath, "requirements with 'minValues' must have at least that many values specified in the 'values' field"}},
	{name: "In with empty values", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/arch, operator: In, values: []}`),
		want:  fieldError{reqPath, "requirements with operator 'In' must have a value defined"}},
	{name: "In without values", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/arch, operator: In}`),
		want:  fieldError{reqPath, "requirements with operator 'In' must have a value defined"}},
	{name: "Gt with a non-integer", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ["two"]}`),
		want:  fieldError{reqPath, "requirements operator 'Gt', 'Lt', 'Gte' or 'Lte' must have a single positive integer value"}},
	{name: "Lt with a negative number", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-memory, operator: Lt, values: ["-1"]}`),
		want:  fieldError{reqPath, "must have a single positive integer value"}},
	{name: "Gte with two values", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-cpu, operator: Gte, values: ["4", "8"]}`),
		want:  fieldError{reqPath, "must have a single positive integer value"}},
	{name: "Lte without values", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-cpu, operator: Lte}`),
		want:  fieldError{reqPath, "must have a single positive integer value"}},
	{name: "Exists with values", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/instance-family, operator: Exists, values: [m5]}`),
		want:  fieldError{reqPath, "requirements operator 'Exists' or 'DoesNotExist' must not have values"}},
	{name: "more than 100 requirements", base: nodePoolBase,
		patch: tooManyRequirements(),
		want:  fieldError{reqPath, "must have at most 100 items"}},
	{name: "requirement value longer than a label value", base: nodePoolBase,
		patch: requirement(`{key: example.com/team, operator: In, values: ["` + strings.Repeat("a", 64) + `"]}`),
		want:  fieldError{reqPath + "[0].values[0]", "may not be more than 63"}},
	{name: "requirement key not a label key", base: nodePoolBase,
		patch: requirement(`{key: "example.com/not a label", operator: Exists}`),
		want:  fieldError{reqPath + "[0].key", mustMatchMsg}},

	// Restricted labels, in requirement keys.
	{name: "requirement on kubernetes.io/hostname", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/hostname, operator: In, values: [ip-10-0-0-1]}`),
		want:  fieldError{reqPath + "[0].key", `label "kubernetes.io/hostname" is restricted`}},
	{name: "requirement on karpenter.sh/nodepool", base: nodePoolBase,
		patch: requirement(`{key: karpenter.sh/nodepool, operator: In, values: [default]}`),
		want:  fieldError{reqPath, `label "karpenter.sh/nodepool" is restricted`}},
	{name: "requirement on karpenter.sh/custom", base: nodePoolBase,
		patch: requirement(`{key: karpenter.sh/custom, operator: Exists}`),
		want:  fieldError{reqPath + "[0].key", `label domain "karpenter.sh" is restricted`}},
	{name: "requirement on an unknown karpenter.k8s.aws label", base: nodePoolBase,
		patch: requirement(`{key: karpenter.k8s.aws/custom, operator: Exists}`),
		want:  fieldError{reqPath + "[0].key", `label domain "karpenter.k8s.aws" is restricted`}},
	{name: "requirement in the k8s.io domain", base: nodePoolBase,
		patch: requirement(`{key: team.k8s.io/owner, operator: Exists}`),
		want:  fieldError{reqPath + "[0].key", `label domain "k8s.io" is restricted`}},
	{name: "requirement in the kubernetes.io domain", base: nodePoolBase,
		patch: requirement(`{key: kubernetes.io/custom, operator: Exists}`),
		want:  fieldError{reqPath + "[0].key", `label domain "kubernetes.io" is restricted`}},

	// Restricted labels, in the template metadata.
	{name: "template label kubernetes.io/hostname", base: nodePoolBase,
		patch: templateLabel("kubernetes.io/hostname"),
		want:  fieldError{labelsPath, `label "kubernetes.io/hostname" is restricted`}},
	{name: "template label karpenter.sh/nodepool", base: nodePoolBase,
		patch: templateLabel("karpenter.sh/nodepool"),
		want:  fieldError{labelsPath, `label "karpenter.sh/nodepool" is restricted`}},
	{name: "template label karpenter.sh/custom", base: nodePoolBase,
		patch: templateLabel("karpenter.sh/custom"),
		want:  fieldError{labelsPath, `label domain "karpenter.sh" is restricted`}},
	{name: "template label in an unknown karpenter.k8s.aws label", base: nodePoolBase,
		patch: templateLabel("karpenter.k8s.aws/custom"),
		want:  fieldError{labelsPath, `label domain "karpenter.k8s.aws" is restricted`}},
	{name: "template label in the k8s.io domain", base: nodePoolBase,
		patch: templateLabel("example.k8s.io/team"),
		want:  fieldError{labelsPath, `label domain "k8s.io" is restricted`}},
	{name: "template label in the kubernetes.io domain", base: nodePoolBase,
		patch: templateLabel("kubernetes.io/team"),
		want:  fieldError{labelsPath, `label domain "kubernetes.io" is restricted`}},
	{name: "template label value too long", base: nodePoolBase,
		patch: `{spec: {template: {metadata: {labels: {team: "` + strings.Repeat("a", 64) + `"}}}}}`,
		want:  fieldError{labelsPath + ".team", "may not be more than 63 bytes"}},
	{name: "template label value with a space", base: nodePoolBase,
		patch: `{spec: {template: {metadata: {labels: {team: "my team"}}}}}`,
		want:  fieldError{labelsPath + ".team", mustMatchMsg}},
	{name: "template label value starting with a dash", base: nodePoolBase,
		patch: `{spec: {template: {metadata: {labels: {example.com/tier: "-web"}}}}}`,
		want:  fieldError{labelsPath + ".example.com/tier", mustMatchMsg}},
	{name: "template label value ending with a dot", base: nodePoolBase,
		patch: `{spec: {template: {metadata: {labels: {team: "web."}}}}}`,
		want:  fieldError{labelsPath + ".team", mustMatchMsg}},
	{name: "template label value with a slash", base: nodePoolBase,
		patch: `{spec: {template: {metadata: {labels: {team: "a/b"}}}}}`,
		want:  fieldError{labelsPath + ".team", mustMatchMsg}},
	{name: "requirement value with a comma", base: nodePoolBase,
		patch: requirement(`{key: example.com/team, operator: In, values: [web, "a,b"]}`),
		want:  fieldError{reqPath + "[0].values[1]", mustMatchMsg}},
	{name: "requirement value with a trailing dash", base: nodePoolBase,
		patch: requirement(`{key: example.com/team, operator: NotIn, values: ["web-"]}`),
		want:  fieldError{reqPath + "[0].values[0]", mustMatchMsg}},

	// Weight.
	{name: "weight 0", base: nodePoolBase, patch: `{spec: {weight: 0}}`,
		want: fieldError{"spec.weight", "should be greater than or equal to 1"}},
	{name: "weight 101", base: nodePoolBase, patch: `{spec: {weight: 101}}`,
		want: fieldError{"spec.weight", "should be less than or equal to 100"}},

	// Durations.
	{name: "consolidateAfter in words", base: nodePoolBase, patch: `{spec: {disruption: {consolidateAfter: "1 minute"}}}`,
		want: fieldError{"spec.disruption.consolidateAfter", mustMatchMsg}},
	{name: "consolidateAfter lowercase never", base: nodePoolBase, patch: `{spec: {disruption: {consolidateAfter: never}}}`,
		want: fieldError{"spec.disruption.consolidateAfter", mustMatchMsg}},
	{name: "expireAfter in days", base: nodePoolBase, patch: `{spec: {template: {spec: {expireAfter: 30d}}}}`,
		want: fieldError{"spec.template.spec.expireAfter", mustMatchMsg}},
	{name: "expireAfter with a trailing word", base: nodePoolBase, patch: `{spec: {template: {spec: {expireAfter: 720hours}}}}`,
		want: fieldError{"spec.template.spec.expireAfter", mustMatchMsg}},
	{name: "terminationGracePeriod Never", base: nodePoolBase, patch: `{spec: {template: {spec: {terminationGracePeriod: Never}}}}`,
		want: fieldError{"spec.template.spec.terminationGracePeriod", mustMatchMsg}},
	{name: "unknown consolidationPolicy", base: nodePoolBase, patch: `{spec: {disruption: {consolidationPolicy: WhenUnderutilized}}}`,
		want: fieldError{"spec.disruption.consolidationPolicy", `Unsupported value: "WhenUnderutilized"`}},

	// Budgets.
	{name: "budget schedule without duration", base: nodePoolBase,
		patch: budget(`{nodes: "0", schedule: "0 9 * * mon-fri"}`),
		want:  fieldError{budgetsPath, "'schedule' must be set with 'duration'"}},
	{name: "budget duration without schedule", base: nodePoolBase,
		patch: budget(`{nodes: "0", duration: 8h}`),
		want:  fieldError{budgetsPath, "'schedule' must be set with 'duration'"}},
	{name: "budget duration in seconds", base: nodePoolBase,
		patch: budget(`{nodes: "0", schedule: "@daily", duration: 30s}`),
		want:  fieldError{budgetsPath + "[0].duration", mustMatchMsg}},
	{name: "budget duration in words", base: nodePoolBase,
		patch: budget(`{nodes: "0", schedule: "@daily", duration: "8 hours"}`),
		want:  fieldError{budgetsPath + "[0].duration", mustMatchMsg}},
	{name: "budget schedule not cron", base: nodePoolBase,
		patch: budget(`{nodes: "0", schedule: "weekdays", duration: 8h}`),
		want:  fieldError{budgetsPath + "[0].schedule", mustMatchMsg}},
	{name: "budget nodes 110 percent", base: nodePoolBase,
		patch: budget(`{nodes: "110%"}`),
		want:  fieldError{budgetsPath + "[0].nodes", mustMatchMsg}},
	{name: "budget nodes ten", base: nodePoolBase,
		patch: budget(`{nodes: "ten"}`),
		want:  fieldError{budgetsPath + "[0].nodes", mustMatchMsg}},
	{name: "budget nodes as a number", base: nodePoolBase,
		patch: budget(`{nodes: 5}`),
		want:  fieldError{budgetsPath + "[0].nodes", `must be of type string`}},
	{name: "51 budget reasons", base: nodePoolBase,
		patch: budget(`{nodes: "1", reasons: [` + strings.TrimSuffix(strings.Repeat("Empty, ", 51), ", ") + `]}`),
		want:  fieldError{budgetsPath + "[0].reasons", "must have at most 50 items"}},
	{name: "unknown budget reason", base: nodePoolBase,
		patch: budget(`{nodes: "1", reasons: [Expired]}`),
		want:  fieldError{budgetsPath + "[0].reasons[0]", `Unsupported value: "Expired"`}},

	// Taints.
	{name: "taint with a bad effect", base: nodePoolBase,
		patch: `{spec: {template: {spec: {taints: [{key: example.com/dedicated, effect: NoScheduleEver}]}}}}`,
		want:  fieldError{"spec.template.spec.taints[0].effect", "taint effect must be one of NoSchedule, PreferNoSchedule or NoExecute"}},
	{name: "third taint with a bad effect", base: nodePoolBase,
		patch: `{spec: {template: {spec: {taints: [{key: example.com/a, effect: NoSchedule}, {key: example.com/b, effect: NoExecute}, {key: example.com/c, effect: ""}]}}}}`,
		want:  fieldError{"spec.template.spec.taints[2].effect", "taint effect must be one of NoSchedule, PreferNoSchedule or NoExecute"}},
	{name: "startup taint with a bad effect", base: nodePoolBase,
		patch: `{spec: {template: {spec: {startupTaints: [{key: example.com/init, effect: Evict}]}}}}`,
		want:  fieldError{"spec.template.spec.startupTaints[0].effect", "taint effect must be one of NoSchedule, PreferNoSchedule or NoExecute"}},
	{name: "taint without a key", base: nodePoolBase,
		patch: `{spec: {template: {spec: {taints: [{effect: NoSchedule}]}}}}`,
		want:  fieldError{"spec.template.spec.taints[0].key", "Required value"}},

	// nodeClassRef.
	{name: "nodeClassRef without a name", base: nodePoolBase,
		patch: `{spec: {template: {spec: {nodeClassRef: {name: null}}}}}`,
		want:  fieldError{"spec.template.spec.nodeClassRef.name", "Required value"}},
	{name: "nodeClassRef with an empty kind", base: nodePoolBase,
		patch: `{spec: {template: {spec: {nodeClassRef: {kind: ""}}}}}`,
		want:  fieldError{"spec.template.spec.nodeClassRef.kind", "kind may not be empty"}},
	{name: "nodeClassRef group with a version", base: nodePoolBase,
		patch: `{spec: {template: {spec: {nodeClassRef: {group: karpenter.k8s.aws/v1}}}}}`,
		want:  fieldError{"spec.template.spec.nodeClassRef.group", mustMatchMsg}},
	{name: "nodeClassRef group changed", base: nodePoolBase,
		update: `{spec: {template: {spec: {nodeClassRef: {group: example.com}}}}}`,
		want:   fieldError{"spec.template.spec.nodeClassRef", "nodeClassRef.group is immutable"}},
	{name: "nodeClassRef kind changed", base: nodePoolBase,
		update: `{spec: {template: {spec: {nodeClassRef: {kind: AzureNodeClass}}}}}`,
		want:   fieldError{"spec.template.spec.nodeClassRef", "nodeClassRef.kind is immutable"}},

	// Static NodePools.
	{name: "negative replicas", base: nodePoolBase, patch: `{spec: {replicas: -1}}`,
		want: fieldError{"spec.replicas", "should be greater than or equal to 0"}},
	{name: "replicas with a weight", base: nodePoolBase, patch: `{spec: {replicas: 3, weight: 10, limits: null}}`,
		want: fieldError{"spec", "'weight' is not supported on static NodePools"}},
	{name: "replicas with a cpu limit", base: nodePoolBase, patch: `{spec: {replicas: 3, limits: {cpu: "100"}}}`,
		want: fieldError{"spec", "only 'limits.nodes' is supported on static NodePools"}},
	{name: "replicas with nodes and memory limits", base: nodePoolBase, patch: `{spec: {replicas: 3, limits: {cpu: null, nodes: "5", memory: 100Gi}}}`,
		want: fieldError{"spec", "only 'limits.nodes' is supported on static NodePools"}},
	{name: "dynamic NodePool made static", base: nodePoolBase, update: `{spec: {replicas: 3, limits: null}}`,
		want: fieldError{"spec", "Cannot transition NodePool between static (replicas set) and dynamic (replicas unset) provisioning modes"}},
	{name: "static NodePool made dynamic", base: "nodepool-static.yaml", update: `{spec: {replicas: null}}`,
		want: fieldError{"spec", "Cannot transition NodePool between static (replicas set) and dynamic (replicas unset) provisioning modes"}},

	// Limits and required fields.
	{name: "limit not a quantity", base: nodePoolBase, patch: `{spec: {limits: {cpu: lots}}}`,
		want: fieldError{"spec.limits.cpu", mustMatchMsg}},
	{name: "template without requirements", base: nodePoolBase, patch: `{spec: {template: {spec: {requirements: null}}}}`,
		want: fieldError{reqPath, "Required value"}},
}

func TestInvalidNodePoolsAreRejected(t *testing.T) {
	runInvalid(t, invalidNodePools)
}
