package apis

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// acceptedCase is an edge of the API that upstream Karpenter accepts: a stricter schema would
// break manifests that work there.
type acceptedCase struct {
	name, base, patch string
}

var acceptedLikeUpstream = []acceptedCase{
	{"no requirements at all", nodePoolBase, `{spec: {template: {spec: {requirements: []}}}}`},
	{"weight 1", nodePoolBase, `{spec: {weight: 1}}`},
	{"weight 100", nodePoolBase, `{spec: {weight: 100}}`},
	{"minValues 1", nodePoolBase, requirement(`{key: karpenter.k8s.aws/instance-family, operator: In, values: [m5], minValues: 1}`)},
	{"minValues 50 on Exists", nodePoolBase, requirement(`{key: node.kubernetes.io/instance-type, operator: Exists, minValues: 50}`)},
	{"NotIn without values", nodePoolBase, requirement(`{key: karpenter.k8s.aws/instance-size, operator: NotIn}`)},
	{"Gt 0", nodePoolBase, requirement(`{key: karpenter.k8s.aws/instance-generation, operator: Gt, values: ["0"]}`)},
	{"exactly 100 requirements", nodePoolBase, requirement(strings.TrimSuffix(strings.Repeat(`{key: example.com/team, operator: Exists}, `, 100), ", "))},
	{"well-known kubernetes.io keys", nodePoolBase, requirement(`{key: kubernetes.io/os, operator: In, values: [linux]}, {key: topology.kubernetes.io/region, operator: In, values: [us-west-2]}, {key: node.kubernetes.io/instance-type, operator: In, values: [m5.large]}, {key: beta.kubernetes.io/arch, operator: In, values: [amd64]}, {key: failure-domain.beta.kubernetes.io/zone, operator: In, values: [us-west-2a]}, {key: node.kubernetes.io/windows-build, operator: In, values: ["10.0.20348"]}`)},
	{"label exceptions in restricted domains", nodePoolBase, requirement(`{key: node-restriction.kubernetes.io/team, operator: Exists}, {key: kops.k8s.io/instancegroup, operator: Exists}, {key: node.kubernetes.io/lifecycle, operator: Exists}`)},
	{"well-known karpenter labels", nodePoolBase, requirement(`{key: karpenter.sh/capacity-type, operator: In, values: [reserved, spot]}, {key: karpenter.k8s.aws/instance-cpu-manufacturer, operator: In, values: [aws]}, {key: karpenter.k8s.aws/instance-local-nvme, operator: Gt, values: ["100"]}, {key: karpenter.k8s.aws/instance-ebs-bandwidth, operator: Gte, values: ["1000"]}, {key: karpenter.k8s.aws/capacity-reservation-id, operator: Exists}, {key: karpenter.k8s.aws/ec2nodeclass, operator: In, values: [default]}`)},
	{"well-known karpenter.k8s.aws template label", nodePoolBase, templateLabel("karpenter.k8s.aws/instance-family")},
	{"karpenter.sh/capacity-type template label", nodePoolBase, templateLabel("karpenter.sh/capacity-type")},
	{"template label value of 63 characters", nodePoolBase, `{spec: {template: {metadata: {labels: {team: "` + strings.Repeat("a", 63) + `"}}}}}`},
	{"expireAfter and consolidateAfter Never", nodePoolBase, `{spec: {template: {spec: {expireAfter: Never}}, disruption: {consolidateAfter: Never}}}`},
	{"compound durations", nodePoolBase, `{spec: {template: {spec: {expireAfter: 1h30m, terminationGracePeriod: 90s}}, disruption: {consolidateAfter: 1m30s}}}`},
	{"budget duration as Go prints it", nodePoolBase, budget(`{nodes: "0", schedule: "@weekly", duration: 8h0m0s}`)},
	{"budget nodes 0 and 100%", nodePoolBase, budget(`{nodes: "0"}, {nodes: "100%"}, {nodes: "250"}`)},
	{"integer and string limits", nodePoolBase, `{spec: {limits: {cpu: 100, memory: 400Gi, nvidia.com/gpu: "4", pods: 1k}}}`},
	{"nodeClassRef of another provider", nodePoolBase, `{spec: {template: {spec: {nodeClassRef: {group: karpenter.azure.com, kind: AKSNodeClass, name: default}}}}}`},
	{"alias with amiFamily Custom", ec2Base, `{spec: {amiFamily: Custom}}`},
	{"alias with its own amiFamily", ec2Base, `{spec: {amiFamily: AL2023}}`},
	{"al2 alias pinned", ec2Base, `{spec: {amiSelectorTerms: [{alias: al2@v20240807}]}}`},
	{"windows2019 latest", ec2Base, `{spec: {amiSelectorTerms: [{alias: windows2019@latest}]}}`},
	{"windows2025 latest with its amiFamily", ec2Base, `{spec: {amiFamily: Windows2025, amiSelectorTerms: [{alias: windows2025@latest}]}}`},
	{"Windows2025 amiFamily with an image id", ec2Base, `{spec: {amiFamily: Windows2025, amiSelectorTerms: [{id: ami-0123456789abcdef0}]}}`},
	{"eviction thresholds as percentages and quantities", ec2Base, `{spec: {kubelet: {evictionHard: {memory.available: 5.5%, nodefs.available: 100%, imagefs.available: 15Gi, pid.available: "1000"}, evictionSoft: {memory.available: 500Mi, nodefs.inodesFree: 0.5%}, evictionSoftGracePeriod: {memory.available: 1m, nodefs.inodesFree: 2m}}}}`},
	{"wildcard tag value", ec2Base, `{spec: {subnetSelectorTerms: [{tags: {Name: "*private*"}}]}}`},
	{"instanceProfile instead of role", ec2Base, `{spec: {role: null, instanceProfile: KarpenterNodeInstanceProfile-my-cluster}}`},
	{"hop limit 64 and IMDSv1", ec2Base, `{spec: {metadataOptions: {httpPutResponseHopLimit: 64, httpTokens: optional, httpProtocolIPv6: enabled}}}`},
	{"budget reasons repeated", nodePoolBase, budget(`{nodes: "1", reasons: [Drifted, Empty, Underutilized, Drifted]}`)},
	{"empty template label value", nodePoolBase, `{spec: {template: {metadata: {labels: {example.com/flag: ""}}}}}`},
	{"template label values with dots, dashes and underscores", nodePoolBase, `{spec: {template: {metadata: {labels: {team: "A.b_c-9", tier: "1"}}}}}`},
	{"requirement values with dots, dashes and underscores", nodePoolBase, requirement(`{key: node.kubernetes.io/instance-type, operator: In, values: [m5.large, c7g.metal-48xl]}, {key: example.com/team, operator: In, values: [my_team]}`)},
	{"static NodePool of zero replicas", nodePoolBase, `{spec: {replicas: 0, limits: null}}`},
	{"static NodePool with only a nodes limit", nodePoolBase, `{spec: {replicas: 10, limits: {cpu: null, nodes: "20"}}}`},
	{"static NodePool with an empty limits map", nodePoolBase, `{spec: {replicas: 1, limits: {cpu: null}}}`},
	{"taint effects of every kind", nodePoolBase, `{spec: {template: {spec: {taints: [{key: a, effect: NoSchedule}, {key: b, effect: PreferNoSchedule}, {key: c, effect: NoExecute}]}}}}`},
	{"capacity reservation term of tags, owner and match criteria", ec2Base, capacityReservation(`{tags: {team: a}, ownerID: "012345678901", instanceMatchCriteria: open}`)},
	{"capacity reservation term of match criteria alone", ec2Base, capacityReservation(`{instanceMatchCriteria: targeted}`)},
	{"30 capacity reservation terms", ec2Base, capacityReservation(strings.TrimSuffix(strings.Repeat(`{tags: {team: a}}, `, 30), ", "))},
	{"subnet cidr with tags", ec2Base, `{spec: {subnetSelectorTerms: [{cidr: 10.0.0.0/19, tags: {Name: private}}]}}`},
	{"ipPrefixCount 0", ec2Base, `{spec: {ipPrefixCount: 0}}`},
	{"placement group by id", ec2Base, `{spec: {placementGroupSelector: {id: pg-02465754522cda020}}}`},
	{"volumeInitializationRate 100 with a snapshot and a size", ec2Base, `{spec: {blockDeviceMappings: [{deviceName: /dev/xvdb, ebs: {snapshotID: snap-0123456789abcdef0, volumeSize: 200Gi, volumeInitializationRate: 100}}]}}`},
	{"connection tracking at EC2's bounds", ec2Base, `{spec: {connectionTracking: {tcpEstablishedTimeout: 432000, udpStreamTimeout: 60, udpTimeout: 60}}}`},
	{"zero thresholds that still order", policyBase, rule(`{name: cpu, metric: {type: Resource, resource: {name: cpu}}, scaleUpThreshold: 1, scaleDownThreshold: 0}`)},
	{"only bounds", policyBase, `{spec: {rules: null}}`},
}

// What upstream accepts at the edges of each field, this API accepts too.
func TestAcceptedLikeUpstream(t *testing.T) {
	s := requireEnv(t)
	for _, tc := range acceptedLikeUpstream {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, base := readManifest(t, filepath.Join("valid", tc.base))
			obj := mergePatch(t, base, tc.patch)
			obj.SetName(objectName("accepted", tc.name))
			_, err := s.resource(resourceFor(t, obj)).Create(testContext(t), obj, metav1.CreateOptions{
				DryRun:          []string{metav1.DryRunAll},
				FieldValidation: metav1.FieldValidationStrict,
			})
			if err != nil {
				t.Fatalf("rejected, but upstream Karpenter accepts it: %v", err)
			}
		})
	}
}

// A v1beta1 NodePool applied as v1 is refused, naming each field v1 moved or removed, rather
// than silently losing them (kubectl validates strictly by default).
func TestV1beta1FieldsAreRefused(t *testing.T) {
	s := requireEnv(t)
	_, base := readManifest(t, filepath.Join("valid", nodePoolBase))
	obj := mergePatch(t, base, `{spec: {
		template: {spec: {kubelet: {maxPods: 110}, nodeClassRef: {apiVersion: karpenter.k8s.aws/v1beta1}}},
		disruption: {expireAfter: 720h}}}`)
	obj.SetName("v1beta1-fields")
	_, err := s.resource(nodePools).Create(testContext(t), obj, metav1.CreateOptions{
		DryRun:          []string{metav1.DryRunAll},
		FieldValidation: metav1.FieldValidationStrict,
	})
	var status apierrors.APIStatus
	if !errors.As(err, &status) || status.Status().Reason != metav1.StatusReasonBadRequest {
		t.Fatalf("want a BadRequest naming the unknown fields, got %v", err)
	}
	for _, field := range []string{"spec.template.spec.kubelet", "spec.template.spec.nodeClassRef.apiVersion", "spec.disruption.expireAfter"} {
		if !strings.Contains(err.Error(), `unknown field "`+field+`"`) {
			t.Errorf("the error does not name %s: %v", field, err)
		}
	}
}
