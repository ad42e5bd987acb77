package apis

import "testing"

const nodeClaimBase = "nodeclaim.yaml"

var invalidNodeClaims = []invalidCase{
	{name: "nodeclaim spec changed", base: nodeClaimBase,
		update: `{spec: {taints: [{key: example.com/dedicated, value: web, effect: NoSchedule}]}}`,
		want:   fieldError{"spec", "spec is immutable"}},
	{name: "nodeclaim requirements changed", base: nodeClaimBase,
		update: `{spec: {requirements: [{key: kubernetes.io/arch, operator: In, values: [arm64]}]}}`,
		want:   fieldError{"spec", "spec is immutable"}},
	{name: "nodeclaim unknown operator", base: nodeClaimBase,
		patch: `{spec: {requirements: [{key: kubernetes.io/arch, operator: Like, values: [amd64]}]}}`,
		want:  fieldError{"spec.requirements[0].operator", `Unsupported value: "Like"`}},
	{name: "nodeclaim requirement on kubernetes.io/hostname", base: nodeClaimBase,
		patch: `{spec: {requirements: [{key: kubernetes.io/hostname, operator: Exists}]}}`,
		want:  fieldError{"spec.requirements[0].key", `label "kubernetes.io/hostname" is restricted`}},
	{name: "nodeclaim minValues above the number of values", base: nodeClaimBase,
		patch: `{spec: {requirements: [{key: node.kubernetes.io/instance-type, operator: In, values: [c5.large], minValues: 2}]}}`,
		want:  fieldError{"spec.requirements", "requirements with 'minValues' must have at least that many values specified in the 'values' field"}},
	{name: "nodeclaim taint with a bad effect", base: nodeClaimBase,
		patch: `{spec: {taints: [{key: example.com/dedicated, effect: Drain}]}}`,
		want:  fieldError{"spec.taints[0].effect", "taint effect must be one of NoSchedule, PreferNoSchedule or NoExecute"}},
	{name: "nodeclaim second startup taint with a bad effect", base: nodeClaimBase,
		patch: `{spec: {startupTaints: [{key: example.com/a, effect: NoSchedule}, {key: example.com/b, effect: noschedule}]}}`,
		want:  fieldError{"spec.startupTaints[1].effect", "taint effect must be one of NoSchedule, PreferNoSchedule or NoExecute"}},
	{name: "nodeclaim requirement value not a label value", base: nodeClaimBase,
		patch: `{spec: {requirements: [{key: example.com/team, operator: In, values: ["a,b"]}]}}`,
		want:  fieldError{"spec.requirements[0].values[0]", "should match"}},
	{name: "nodeclaim expireAfter in days", base: nodeClaimBase,
		patch: `{spec: {expireAfter: 7d}}`,
		want:  fieldError{"spec.expireAfter", "should match"}},
	{name: "nodeclaim without nodeClassRef", base: nodeClaimBase,
		patch: `{spec: {nodeClassRef: null}}`,
		want:  fieldError{"spec.nodeClassRef", "Required value"}},
}

func TestInvalidNodeClaimsAreRejected(t *testing.T) {
	runInvalid(t, invalidNodeClaims)
}
