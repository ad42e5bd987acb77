package framework

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// ClusterName is what the agent runs with (its default) and what the node class selects on.
const ClusterName = "local"

// NodeClass is the default EC2NodeClass: the simulated VPC's subnets by discovery tag.
func NodeClass() *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
		Spec: ec2v1.EC2NodeClassSpec{
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole",
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": ClusterName}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": ClusterName}}},
		},
	}
}

// NodePool returns a NodePool on the default node class with the given requirements, then
// applies the mutators (limits, taints, disruption...).
func NodePool(name string, reqs []karpv1.NodeSelectorRequirementWithMinValues, mutate ...func(*karpv1.NodePool)) *karpv1.NodePool {
	np := &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{
			Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
				Requirements: reqs,
				NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: "default"},
			}},
			Disruption: karpv1.Disruption{ConsolidateAfter: karpv1.MustParseNillableDuration("0s")},
		},
	}
	for _, m := range mutate {
		m(np)
	}
	return np
}

// Req is a short form of a NodePool requirement.
func Req(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}

// GeneralPurpose is the requirement set of the demo's default pool: spot and on-demand, c/m/r
// families of generation 5 and later, amd64.
func GeneralPurpose() []karpv1.NodeSelectorRequirementWithMinValues {
	return []karpv1.NodeSelectorRequirementWithMinValues{
		Req(karpv1.CapacityTypeLabelKey, corev1.NodeSelectorOpIn, "spot", "on-demand"),
		Req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64"),
		Req("karpenter.k8s.aws/instance-category", corev1.NodeSelectorOpIn, "c", "m", "r"),
		Req("karpenter.k8s.aws/instance-generation", corev1.NodeSelectorOpGt, "4"),
	}
}

// WithLimits sets the pool's limits.
func WithLimits(l corev1.ResourceList) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) { np.Spec.Limits = karpv1.Limits(l) }
}

// WithConsolidateAfter sets disruption.consolidateAfter.
func WithConsolidateAfter(d string) func(*karpv1.NodePool) {
	return func(np *karpv1.NodePool) {
		np.Spec.Disruption.ConsolidateAfter = karpv1.MustParseNillableDuration(d)
		np.Spec.Disruption.ConsolidationPolicy = karpv1.ConsolidationPolicyWhenEmpty
		np.Spec.Disruption.Budgets = []karpv1.Budget{{Nodes: "100%"}}
	}
}

// Deployment returns a Deployment of pause pods with the given requests; mutate adds constraints.
func Deployment(name string, replicas int32, cpu, mem string, mutate ...func(*corev1.PodSpec)) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	spec := corev1.PodSpec{
		TerminationGracePeriodSeconds: ptr.To[int64](0),
		Containers: []corev1.Container{{
			Name: "pause", Image: "registry.k8s.io/pause:3.10",
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse(cpu), corev1.ResourceMemory: resource.MustParse(mem),
			}},
		}},
	}
	for _, m := range mutate {
		m(&spec)
	}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr.To(replicas),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: spec},
		},
	}
}

// ZoneSpread spreads the Deployment's pods across zones with maxSkew 1.
func ZoneSpread(app string) func(*corev1.PodSpec) {
	return func(s *corev1.PodSpec) {
		s.TopologySpreadConstraints = append(s.TopologySpreadConstraints, corev1.TopologySpreadConstraint{
			MaxSkew: 1, TopologyKey: corev1.LabelTopologyZone, WhenUnsatisfiable: corev1.DoNotSchedule,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": app}},
		})
	}
}
