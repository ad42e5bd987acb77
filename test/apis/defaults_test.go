package apis

import (
	"strconv"
	"strings"
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

var getOptions = metav1.GetOptions{}

// lookup finds a field by path; a numeric step indexes a list.
func lookup(v any, path ...string) (any, bool) {
	for _, step := range path {
		switch c := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = c[step]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(step)
			if err != nil || i < 0 || i >= len(c) {
				return nil, false
			}
			v = c[i]
		default:
			return nil, false
		}
	}
	return v, true
}

// requireField asserts one field of a stored object, by path: equal as JSON.
func requireField(t *testing.T, obj *unstructured.Unstructured, want any, path ...string) {
	t.Helper()
	got, found := lookup(obj.Object, path...)
	if !found {
		t.Errorf("%s: not set; want %v", strings.Join(path, "."), want)
		return
	}
	w, g := jsonValue(t, want), jsonValue(t, got)
	if len(missingFrom(w, g, "")) > 0 || len(missingFrom(g, w, "")) > 0 {
		t.Errorf("%s = %v, want %v", strings.Join(path, "."), got, want)
	}
}

// requireUnset asserts that the server did not default a field.
func requireUnset(t *testing.T, obj *unstructured.Unstructured, path ...string) {
	t.Helper()
	if got, found := lookup(obj.Object, path...); found {
		t.Errorf("%s was defaulted to %v; upstream leaves it unset", strings.Join(path, "."), got)
	}
}

// jsonValue normalises a value through encoding/json, so that int64 and float64 compare equal.
func jsonValue(t *testing.T, v any) any {
	t.Helper()
	return jsonCopy(t, map[string]any{"v": v})["v"]
}

// A NodePool with only its required fields comes back with upstream's defaults.
func TestNodePoolDefaults(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: defaults
spec:
  template:
    spec:
      requirements: []
      nodeClassRef:
        group: karpenter.k8s.aws
        kind: EC2NodeClass
        name: default
`))
	s.createObject(t, u)
	got, err := s.resource(nodePools).Get(testContext(t), u.GetName(), getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, "720h", "spec", "template", "spec", "expireAfter")
	requireField(t, got, "WhenEmptyOrUnderutilized", "spec", "disruption", "consolidationPolicy")
	requireField(t, got, "0s", "spec", "disruption", "consolidateAfter")
	requireField(t, got, []any{map[string]any{"nodes": "10%"}}, "spec", "disruption", "budgets")
	requireField(t, got, map[string]any{
		"consolidateAfter": "0s", "consolidationPolicy": "WhenEmptyOrUnderutilized", "budgets": []any{map[string]any{"nodes": "10%"}},
	}, "spec", "disruption")
	requireUnset(t, got, "spec", "weight")
	requireUnset(t, got, "spec", "replicas")
	requireUnset(t, got, "spec", "limits")
	requireUnset(t, got, "spec", "template", "spec", "terminationGracePeriod")
	requireUnset(t, got, "spec", "template", "spec", "requirements", "0")
}

// A disruption block that sets only consolidateAfter still gets the policy and budget defaults,
// and a budget without nodes gets 10%.
func TestNodePoolNestedDefaults(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1
kind: NodePool
metadata:
  name: nested-defaults
spec:
  template:
    spec:
      requirements: []
      nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
  disruption:
    consolidateAfter: 5m
    budgets:
    - schedule: "0 0 * * *"
      duration: 1h
`))
	s.createObject(t, u)
	got, err := s.resource(nodePools).Get(testContext(t), u.GetName(), getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, "5m", "spec", "disruption", "consolidateAfter")
	requireField(t, got, "WhenEmptyOrUnderutilized", "spec", "disruption", "consolidationPolicy")
	requireField(t, got, []any{map[string]any{"nodes": "10%", "schedule": "0 0 * * *", "duration": "1h"}}, "spec", "disruption", "budgets")
}

// A NodeClaim gets expireAfter 720h.
func TestNodeClaimDefaults(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1
kind: NodeClaim
metadata:
  name: defaults
spec:
  requirements:
  - {key: karpenter.sh/nodepool, operator: In, values: [default]}
  nodeClassRef: {group: karpenter.k8s.aws, kind: EC2NodeClass, name: default}
`))
	s.createObject(t, u)
	got, err := s.resource(nodeClaims).Get(testContext(t), u.GetName(), getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, "720h", "spec", "expireAfter")
}

// An EC2NodeClass without metadataOptions gets IMDSv2 with a hop limit of 1; one that sets some
// options gets the others.
func TestEC2NodeClassMetadataOptionsDefaults(t *testing.T) {
	s := requireEnv(t)
	for name, tc := range map[string]struct {
		options string
		want    map[string]any
	}{
		"imds-omitted": {"", map[string]any{
			"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 1, "httpTokens": "required",
		}},
		"imds-partial": {"\n  metadataOptions:\n    httpPutResponseHopLimit: 2", map[string]any{
			"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 2, "httpTokens": "required",
		}},
		"imds-optional-tokens": {"\n  metadataOptions:\n    httpTokens: optional", map[string]any{
			"httpEndpoint": "enabled", "httpProtocolIPv6": "disabled", "httpPutResponseHopLimit": 1, "httpTokens": "optional",
		}},
	} {
		t.Run(name, func(t *testing.T) {
			u := decodeYAML(t, []byte(`
apiVersion: karpenter.k8s.aws/v1
kind: EC2NodeClass
metadata:
  name: `+name+`
spec:
  role: KarpenterNodeRole-my-cluster
  amiSelectorTerms: [{alias: al2023@latest}]
  subnetSelectorTerms: [{tags: {karpenter.sh/discovery: my-cluster}}]
  securityGroupSelectorTerms: [{tags: {karpenter.sh/discovery: my-cluster}}]`+tc.options+"\n"))
			s.createObject(t, u)
			got, err := s.resource(ec2NodeClasses).Get(testContext(t), u.GetName(), getOptions)
			if err != nil {
				t.Fatal(err)
			}
			requireField(t, got, tc.want, "spec", "metadataOptions")
		})
	}
}

// Scaling rules get a 5m stabilisation window, and resource metrics the Requested source.
func TestScalingPolicyDefaults(t *testing.T) {
	s := requireEnv(t)
	u := decodeYAML(t, []byte(`
apiVersion: karpenter.sh/v1alpha1
kind: KarpenterScalingPolicy
metadata:
  name: defaults
spec:
  nodePoolRef: {name: default}
  rules:
  - name: cpu
    metric: {type: Resource, resource: {name: cpu}}
    scaleUpThreshold: 80
    scaleDownThreshold: 40
  - name: queue
    metric: {type: External, external: {name: backlog}}
    scaleUpThreshold: 70
    scaleDownThreshold: 20
`))
	s.createObject(t, u)
	got, err := s.resource(scalingPolicies).Get(testContext(t), u.GetName(), getOptions)
	if err != nil {
		t.Fatal(err)
	}
	requireField(t, got, "5m", "spec", "rules", "0", "stabilizationWindow")
	requireField(t, got, map[string]any{"name": "cpu", "source": "Requested"}, "spec", "rules", "0", "metric", "resource")
	requireField(t, got, "5m", "spec", "rules", "1", "stabilizationWindow")
	requireUnset(t, got, "spec", "minNodes")
	requireUnset(t, got, "spec", "maxNodes")
	requireUnset(t, got, "spec", "rules", "1", "metric", "resource")
}
