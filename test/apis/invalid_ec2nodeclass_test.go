package apis

import (
	"fmt"
	"strings"
	"testing"
)

const (
	ec2Base         = "ec2nodeclass-default.yaml"
	ec2SelectorBase = "ec2nodeclass-every-selector.yaml"
	ec2CapacityBase = "ec2nodeclass-capacity-reservations.yaml"
	ec2EFABase      = "ec2nodeclass-efa.yaml"
)

// ec2Tag is a patch that adds one tag to the EC2NodeClass.
func ec2Tag(key string) string {
	return fmt.Sprintf(`{spec: {tags: {%q: "x"}}}`, key)
}

func restrictedTag(key, matching string) invalidCase {
	return invalidCase{name: "restricted tag " + key, base: ec2Base, patch: ec2Tag(key),
		want: fieldError{"spec.tags", "tag contains a restricted tag matching " + matching}}
}

var invalidEC2NodeClasses = []invalidCase{
	// Restricted tags.
	restrictedTag("kubernetes.io/cluster/my-cluster", "kubernetes.io/cluster/"),
	restrictedTag("karpenter.sh/nodepool", "karpenter.sh/nodepool"),
	restrictedTag("karpenter.sh/nodeclaim", "karpenter.sh/nodeclaim"),
	restrictedTag("karpenter.k8s.aws/ec2nodeclass", "karpenter.k8s.aws/ec2nodeclass"),
	restrictedTag("eks:eks-cluster-name", "eks:eks-cluster-name"),

	// AMI aliases.
	{name: "alias without a version", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: al2023}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].alias", "'alias' is improperly formatted, must match the format 'family@version'"}},
	{name: "alias with an unknown family", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: ubuntu@latest}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].alias", "family is not supported, must be one of the following: 'al2', 'al2023', 'bottlerocket', 'windows2019', 'windows2022'"}},
	{name: "alias with an uppercase family", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: AL2023@latest}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].alias", "family is not supported"}},
	{name: "windows alias pinned to a version", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: windows2022@v20240612}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].alias", "windows families may only specify version 'latest'"}},
	{name: "alias combined with other fields", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: al2023@latest, owner: self}]}}`,
		want: fieldError{"spec.amiSelectorTerms", "'alias' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms"}},
	{name: "alias combined with other terms", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: al2023@latest}, {id: ami-0123456789abcdef0}]}}`,
		want: fieldError{"spec.amiSelectorTerms", "'alias' is mutually exclusive, cannot be set with a combination of other amiSelectorTerms"}},
	{name: "amiFamily does not match the alias", base: ec2Base, patch: `{spec: {amiFamily: Bottlerocket}}`,
		want: fieldError{"spec", "amiFamily must match the family of the alias in amiSelectorTerms, or be 'Custom'"}},
	{name: "no alias and no amiFamily", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{id: ami-0123456789abcdef0}]}}`,
		want: fieldError{"spec", "must specify amiFamily if amiSelectorTerms does not contain an alias"}},
	{name: "unknown amiFamily", base: ec2SelectorBase, patch: `{spec: {amiFamily: Ubuntu}}`,
		want: fieldError{"spec.amiFamily", `Unsupported value: "Ubuntu"`}},

	// id combined with other fields in one term.
	{name: "subnet id with tags", base: ec2Base,
		patch: `{spec: {subnetSelectorTerms: [{id: subnet-09fa4a0a8f233a921, tags: {Name: private}}]}}`,
		want:  fieldError{"spec.subnetSelectorTerms", "'id' is mutually exclusive, cannot be set with a combination of other fields in a subnet selector term"}},
	{name: "subnet id with tags in a later term", base: ec2Base,
		patch: `{spec: {subnetSelectorTerms: [{tags: {Name: private}}, {id: subnet-09fa4a0a8f233a921, tags: {Name: public}}]}}`,
		want:  fieldError{"spec.subnetSelectorTerms", "'id' is mutually exclusive, cannot be set with a combination of other fields in a subnet selector term"}},
	{name: "security group id with name", base: ec2Base,
		patch: `{spec: {securityGroupSelectorTerms: [{id: sg-063d7acfb4b06c82c, name: my-security-group}]}}`,
		want:  fieldError{"spec.securityGroupSelectorTerms", "'id' is mutually exclusive, cannot be set with a combination of other fields in a security group selector term"}},
	{name: "security group name with tags", base: ec2Base,
		patch: `{spec: {securityGroupSelectorTerms: [{name: my-security-group, tags: {team: a}}]}}`,
		want:  fieldError{"spec.securityGroupSelectorTerms", "'name' is mutually exclusive, cannot be set with a combination of other fields in a security group selector term"}},
	{name: "ami id with name", base: ec2SelectorBase,
		patch: `{spec: {amiSelectorTerms: [{id: ami-0123456789abcdef0, name: my-ami}]}}`,
		want:  fieldError{"spec.amiSelectorTerms", "'id' is mutually exclusive, cannot be set with a combination of other fields in amiSelectorTerms"}},
	{name: "malformed subnet id", base: ec2Base, patch: `{spec: {subnetSelectorTerms: [{id: vpc-09fa4a0a8f233a921}]}}`,
		want: fieldError{"spec.subnetSelectorTerms[0].id", "should match"}},
	{name: "malformed ami id", base: ec2SelectorBase, patch: `{spec: {amiSelectorTerms: [{id: ami_0123}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].id", "should match"}},

	// Empty selectors.
	{name: "no subnet selector terms", base: ec2Base, patch: `{spec: {subnetSelectorTerms: []}}`,
		want: fieldError{"spec.subnetSelectorTerms", "subnetSelectorTerms cannot be empty"}},
	{name: "no security group selector terms", base: ec2Base, patch: `{spec: {securityGroupSelectorTerms: []}}`,
		want: fieldError{"spec.securityGroupSelectorTerms", "securityGroupSelectorTerms cannot be empty"}},
	{name: "no ami selector terms", base: ec2SelectorBase, patch: `{spec: {amiSelectorTerms: []}}`,
		want: fieldError{"spec.amiSelectorTerms", "should have at least 1 items"}},
	{name: "empty subnet selector term", base: ec2Base, patch: `{spec: {subnetSelectorTerms: [{}]}}`,
		want: fieldError{"spec.subnetSelectorTerms", "expected at least one, got none, ['tags', 'id', 'cidr']"}},
	{name: "subnet id with cidr", base: ec2Base,
		patch: `{spec: {subnetSelectorTerms: [{id: subnet-09fa4a0a8f233a921, cidr: 10.0.0.0/19}]}}`,
		want:  fieldError{"spec.subnetSelectorTerms", "'id' is mutually exclusive, cannot be set with a combination of other fields in a subnet selector term"}},
	{name: "empty security group selector term", base: ec2Base, patch: `{spec: {securityGroupSelectorTerms: [{}]}}`,
		want: fieldError{"spec.securityGroupSelectorTerms", "expected at least one, got none, ['tags', 'id', 'name']"}},
	{name: "empty ami selector term", base: ec2SelectorBase, patch: `{spec: {amiSelectorTerms: [{}]}}`,
		want: fieldError{"spec.amiSelectorTerms", "expected at least one, got none, ['tags', 'id', 'name', 'alias', 'ssmParameter']"}},
	{name: "empty tag value in a selector", base: ec2Base, patch: `{spec: {subnetSelectorTerms: [{tags: {karpenter.sh/discovery: ""}}]}}`,
		want: fieldError{"spec.subnetSelectorTerms[0].tags", "empty tag keys or values aren't supported"}},

	// IAM.
	{name: "role and instanceProfile", base: ec2Base, patch: `{spec: {instanceProfile: KarpenterNodeInstanceProfile-my-cluster}}`,
		want: fieldError{"spec", "must specify exactly one of ['role', 'instanceProfile']"}},
	{name: "neither role nor instanceProfile", base: ec2Base, patch: `{spec: {role: null}}`,
		want: fieldError{"spec", "must specify exactly one of ['role', 'instanceProfile']"}},
	{name: "empty role", base: ec2Base, patch: `{spec: {role: ""}}`,
		want: fieldError{"spec.role", "role cannot be empty"}},
	{name: "role replaced by instanceProfile", base: ec2Base,
		update: `{spec: {role: null, instanceProfile: KarpenterNodeInstanceProfile-my-cluster}}`,
		want:   fieldError{"spec", "changing from 'instanceProfile' to 'role' is not supported"}},

	// Metadata options.
	{name: "httpTokens sometimes", base: ec2Base, patch: `{spec: {metadataOptions: {httpTokens: sometimes}}}`,
		want: fieldError{"spec.metadataOptions.httpTokens", `Unsupported value: "sometimes"`}},
	{name: "hop limit 0", base: ec2Base, patch: `{spec: {metadataOptions: {httpPutResponseHopLimit: 0}}}`,
		want: fieldError{"spec.metadataOptions.httpPutResponseHopLimit", "should be greater than or equal to 1"}},
	{name: "hop limit 65", base: ec2Base, patch: `{spec: {metadataOptions: {httpPutResponseHopLimit: 65}}}`,
		want: fieldError{"spec.metadataOptions.httpPutResponseHopLimit", "should be less than or equal to 64"}},
	{name: "httpEndpoint on", base: ec2Base, patch: `{spec: {metadataOptions: {httpEndpoint: "on"}}}`,
		want: fieldError{"spec.metadataOptions.httpEndpoint", `Unsupported value: "on"`}},

	// Kubelet.
	{name: "systemReserved with an unknown resource", base: ec2Base, patch: `{spec: {kubelet: {systemReserved: {nvidia.com/gpu: "1"}}}}`,
		want: fieldError{"spec.kubelet.systemReserved", "valid keys for systemReserved are ['cpu','memory','ephemeral-storage','pid']"}},
	{name: "negative kubeReserved", base: ec2Base, patch: `{spec: {kubelet: {kubeReserved: {cpu: "-100m"}}}}`,
		want: fieldError{"spec.kubelet.kubeReserved", "kubeReserved value cannot be a negative resource quantity"}},
	{name: "unknown evictionHard signal", base: ec2Base, patch: `{spec: {kubelet: {evictionHard: {cpu.available: 5%}}}}`,
		want: fieldError{"spec.kubelet.evictionHard", "valid keys for evictionHard are"}},
	{name: "evictionSoft without a grace period", base: ec2Base, patch: `{spec: {kubelet: {evictionSoft: {memory.available: 500Mi}}}}`,
		want: fieldError{"spec.kubelet", "evictionSoft OwnerKey does not have a matching evictionSoftGracePeriod"}},
	{name: "grace period without evictionSoft", base: ec2Base, patch: `{spec: {kubelet: {evictionSoftGracePeriod: {memory.available: 1m}}}}`,
		want: fieldError{"spec.kubelet", "evictionSoftGracePeriod OwnerKey does not have a matching evictionSoft"}},
	{name: "image GC high below low", base: ec2Base, patch: `{spec: {kubelet: {imageGCHighThresholdPercent: 50, imageGCLowThresholdPercent: 80}}}`,
		want: fieldError{"spec.kubelet", "imageGCHighThresholdPercent must be greater than imageGCLowThresholdPercent"}},
	{name: "evictionHard percentage with a trailing digit", base: ec2Base, patch: `{spec: {kubelet: {evictionHard: {memory.available: 5%3}}}}`,
		want: fieldError{"spec.kubelet.evictionHard.memory.available", mustMatchMsg}},
	{name: "evictionHard above 100 percent", base: ec2Base, patch: `{spec: {kubelet: {evictionHard: {nodefs.available: 110%}}}}`,
		want: fieldError{"spec.kubelet.evictionHard.nodefs.available", mustMatchMsg}},
	{name: "evictionSoft in GB", base: ec2Base,
		patch: `{spec: {kubelet: {evictionSoft: {memory.available: 110GB}, evictionSoftGracePeriod: {memory.available: 1m}}}}`,
		want:  fieldError{"spec.kubelet.evictionSoft.memory.available", mustMatchMsg}},
	{name: "windows2025 alias pinned to a version", base: ec2Base, patch: `{spec: {amiSelectorTerms: [{alias: windows2025@v1.0.0}]}}`,
		want: fieldError{"spec.amiSelectorTerms[0].alias", "windows families may only specify version 'latest'"}},
	{name: "negative maxPods", base: ec2Base, patch: `{spec: {kubelet: {maxPods: -1}}}`,
		want: fieldError{"spec.kubelet.maxPods", "should be greater than or equal to 0"}},

	// Block devices.
	{name: "two root volumes", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvda, rootVolume: true, ebs: {volumeSize: 20Gi}}, {deviceName: /dev/xvdb, rootVolume: true, ebs: {volumeSize: 20Gi}}]}}`,
		want:  fieldError{"spec.blockDeviceMappings", "must have only one blockDeviceMappings with rootVolume"}},
	{name: "volume size in TB", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 100TB}}]}}`,
		want:  fieldError{"spec.blockDeviceMappings[0].ebs.volumeSize", "should match"}},
	{name: "ebs without size or snapshot", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeType: gp3}}]}}`,
		want:  fieldError{"spec.blockDeviceMappings[0].ebs", "snapshotID or volumeSize must be defined"}},
	{name: "unknown volume type", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvda, ebs: {volumeSize: 20Gi, volumeType: gp4}}]}}`,
		want:  fieldError{"spec.blockDeviceMappings[0].ebs.volumeType", `Unsupported value: "gp4"`}},
}

// capacityReservation is a patch that replaces the capacity reservation selector terms.
func capacityReservation(terms string) string {
	return `{spec: {capacityReservationSelectorTerms: [` + terms + `]}}`
}

// tooManyCapacityReservationTerms is 31 distinct, individually valid terms.
func tooManyCapacityReservationTerms() string {
	terms := make([]string, 31)
	for i := range terms {
		terms[i] = fmt.Sprintf(`{id: cr-%017d}`, i)
	}
	return capacityReservation(strings.Join(terms, ", "))
}

const (
	crPath  = "spec.capacityReservationSelectorTerms"
	ebsPath = "spec.blockDeviceMappings[0].ebs"
	eniPath = "spec.networkInterfaces"
)

// invalidEC2NodeClassNewFields are the cases of the fields upstream added after v1.0.
var invalidEC2NodeClassNewFields = []invalidCase{
	// Capacity reservations.
	{name: "empty capacity reservation term", base: ec2CapacityBase, patch: capacityReservation(`{}`),
		want: fieldError{crPath, "expected at least one, got none, ['tags', 'id', 'instanceMatchCriteria']"}},
	{name: "ownerID alone in a capacity reservation term", base: ec2CapacityBase, patch: capacityReservation(`{ownerID: "123456789012"}`),
		want: fieldError{crPath, "expected at least one, got none, ['tags', 'id', 'instanceMatchCriteria']"}},
	{name: "capacity reservation id with ownerID", base: ec2CapacityBase,
		patch: capacityReservation(`{tags: {team: a}}, {id: cr-0123456789abcdef0, ownerID: "123456789012"}`),
		want:  fieldError{crPath, "'id' is mutually exclusive, cannot be set along with other fields in a capacity reservation selector term"}},
	{name: "capacity reservation id with instanceMatchCriteria", base: ec2CapacityBase,
		patch: capacityReservation(`{id: cr-0123456789abcdef0, instanceMatchCriteria: targeted}`),
		want:  fieldError{crPath, "'id' is mutually exclusive"}},
	{name: "malformed capacity reservation id", base: ec2CapacityBase, patch: capacityReservation(`{id: odcr-0123}`),
		want: fieldError{crPath + "[0].id", mustMatchMsg}},
	{name: "capacity reservation ownerID of 11 digits", base: ec2CapacityBase,
		patch: capacityReservation(`{tags: {team: a}, ownerID: "12345678901"}`),
		want:  fieldError{crPath + "[0].ownerID", mustMatchMsg}},
	{name: "unknown instanceMatchCriteria", base: ec2CapacityBase, patch: capacityReservation(`{instanceMatchCriteria: any}`),
		want: fieldError{crPath + "[0].instanceMatchCriteria", `Unsupported value: "any"`}},
	{name: "empty tag value in a capacity reservation term", base: ec2CapacityBase,
		patch: capacityReservation(`{tags: {team: ""}}`),
		want:  fieldError{crPath + "[0].tags", "empty tag keys or values aren't supported"}},
	{name: "31 capacity reservation terms", base: ec2CapacityBase, patch: tooManyCapacityReservationTerms(),
		want: fieldError{crPath, "must have at most 30 items"}},

	// Network.
	{name: "negative ipPrefixCount", base: ec2Base, patch: `{spec: {ipPrefixCount: -1}}`,
		want: fieldError{"spec.ipPrefixCount", "should be greater than or equal to 0"}},
	{name: "network interface without a type", base: ec2EFABase,
		patch: `{spec: {networkInterfaces: [{networkCardIndex: 0, deviceIndex: 0}]}}`,
		want:  fieldError{eniPath + "[0].interfaceType", "Required value"}},
	{name: "network interface without a card", base: ec2EFABase,
		patch: `{spec: {networkInterfaces: [{deviceIndex: 0, interfaceType: interface}]}}`,
		want:  fieldError{eniPath + "[0].networkCardIndex", "Required value"}},
	{name: "negative network card index", base: ec2EFABase,
		patch: `{spec: {networkInterfaces: [{networkCardIndex: -1, deviceIndex: 0, interfaceType: interface}]}}`,
		want:  fieldError{eniPath + "[0].networkCardIndex", "should be greater than or equal to 0"}},
	{name: "two network interfaces in one position", base: ec2EFABase,
		patch: `{spec: {networkInterfaces: [{networkCardIndex: 0, deviceIndex: 0, interfaceType: interface}, {networkCardIndex: 0, deviceIndex: 0, interfaceType: efa-only}]}}`,
		want:  fieldError{eniPath, "networkInterfaces must not repeat a networkCardIndex and deviceIndex pair"}},
	{name: "placement group by name and id", base: ec2EFABase,
		patch: `{spec: {placementGroupSelector: {name: training, id: pg-02465754522cda020}}}`,
		want:  fieldError{"spec.placementGroupSelector", "expected exactly one of ['name', 'id'] in placementGroupSelector"}},
	{name: "empty placement group selector", base: ec2EFABase,
		patch: `{spec: {placementGroupSelector: {name: null}}}`,
		want:  fieldError{"spec.placementGroupSelector", "expected exactly one of ['name', 'id'] in placementGroupSelector"}},
	{name: "malformed placement group id", base: ec2EFABase,
		patch: `{spec: {placementGroupSelector: {name: null, id: placement-1}}}`,
		want:  fieldError{"spec.placementGroupSelector.id", mustMatchMsg}},
	{name: "nested virtualization on", base: ec2EFABase, patch: `{spec: {cpuOptions: {nestedVirtualization: "on"}}}`,
		want: fieldError{"spec.cpuOptions.nestedVirtualization", `Unsupported value: "on"`}},
	{name: "udpTimeout above EC2's 60 seconds", base: ec2EFABase, patch: `{spec: {connectionTracking: {udpTimeout: 61}}}`,
		want: fieldError{"spec.connectionTracking.udpTimeout", "should be less than or equal to 60"}},
	{name: "tcpEstablishedTimeout below EC2's 60 seconds", base: ec2EFABase, patch: `{spec: {connectionTracking: {tcpEstablishedTimeout: 59}}}`,
		want: fieldError{"spec.connectionTracking.tcpEstablishedTimeout", "should be greater than or equal to 60"}},

	// Volume initialization.
	{name: "volumeInitializationRate without a snapshot", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvdb, ebs: {volumeSize: 100Gi, volumeInitializationRate: 200}}]}}`,
		want:  fieldError{ebsPath, "snapshotID must be set when volumeInitializationRate is set"}},
	{name: "volumeInitializationRate 99", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvdb, ebs: {snapshotID: snap-0123456789abcdef0, volumeInitializationRate: 99}}]}}`,
		want:  fieldError{ebsPath + ".volumeInitializationRate", "should be greater than or equal to 100"}},
	{name: "volumeInitializationRate 301", base: ec2Base,
		patch: `{spec: {blockDeviceMappings: [{deviceName: /dev/xvdb, ebs: {snapshotID: snap-0123456789abcdef0, volumeInitializationRate: 301}}]}}`,
		want:  fieldError{ebsPath + ".volumeInitializationRate", "should be less than or equal to 300"}},
}

func TestInvalidEC2NodeClassesAreRejected(t *testing.T) {
	runInvalid(t, invalidEC2NodeClasses)
}

func TestInvalidEC2NodeClassNewFieldsAreRejected(t *testing.T) {
	runInvalid(t, invalidEC2NodeClassNewFields)
}
