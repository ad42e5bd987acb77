package aws

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/apis/scheme"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
)

const testCluster = "test"

// env is one test's fake AWS, API objects and provider, talking through the real SDK clients.
type env struct {
	ctx  context.Context
	srv  *awstest.Server
	seed awstest.Seeded
	kube client.Client
	clk  *clocktesting.FakeClock
	p    *Provider
}

func newEnv(t *testing.T) *env {
	t.Helper()
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	e := &env{
		ctx:  context.Background(),
		srv:  srv,
		seed: srv.SeedCluster(awstest.Cluster{Name: testCluster}),
		kube: fake.NewClientBuilder().WithScheme(scheme.New()).WithStatusSubresource(&ec2v1.EC2NodeClass{}).Build(),
		clk:  clocktesting.NewFakeClock(time.Now()),
	}
	p, err := New(srv.Config(), e.kube, e.clk, Options{
		ClusterName:       testCluster,
		ClusterEndpoint:   "https://api.test.example.com",
		ClusterCABundle:   []byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"),
		ServiceCIDR:       "10.100.0.0/16",
		InterruptionQueue: testCluster,
	})
	if err != nil {
		t.Fatal(err)
	}
	e.p = p
	return e
}

// discoveryNodeClass is the EC2NodeClass of Karpenter's getting-started guide.
func discoveryNodeClass(name string) *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{awstest.DiscoveryTag: testCluster}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{awstest.DiscoveryTag: testCluster}}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole-" + testCluster,
			Tags:                       map[string]string{"team": "platform"},
		},
	}
}

// readyNodeClass creates the node class and writes its resolved status, as the agent's node
// class controller does.
func (e *env) readyNodeClass(t *testing.T, nc *ec2v1.EC2NodeClass) *ec2v1.EC2NodeClass {
	t.Helper()
	if err := e.kube.Create(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
	e.resolve(t, nc)
	return nc
}

// resolve resolves the node class again and writes its status.
func (e *env) resolve(t *testing.T, nc *ec2v1.EC2NodeClass) {
	t.Helper()
	res, err := e.p.ResolveNodeClass(e.ctx, nc)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Unresolved) > 0 {
		t.Fatalf("EC2NodeClass %s did not resolve: %v", nc.Name, res.Unresolved)
	}
	nc.Status.Subnets, nc.Status.SecurityGroups, nc.Status.AMIs, nc.Status.InstanceProfile = res.Subnets, res.SecurityGroups, res.AMIs, res.InstanceProfile
	if err := e.kube.Status().Update(e.ctx, nc); err != nil {
		t.Fatal(err)
	}
}

func nodePool(name, nodeClass string) *karpv1.NodePool {
	np := &karpv1.NodePool{ObjectMeta: metav1.ObjectMeta{Name: name}}
	np.Spec.Template.Spec.NodeClassRef = &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: nodeClass}
	return np
}

func nodeClaim(name, nodeClass string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{karpv1.NodePoolLabelKey: "default", "team": "platform"}},
		Spec: karpv1.NodeClaimSpec{
			NodeClassRef: &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: nodeClass},
			Requirements: reqs,
			Resources:    karpv1.ResourceRequirements{Requests: corev1.ResourceList{}},
		},
	}
}

func req(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}
