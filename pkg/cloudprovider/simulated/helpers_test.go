package simulated

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

var testEpoch = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

func testScheme(t testing.TB) *runtime.Scheme {
	t.Helper()
	s := runtime.NewScheme()
	for _, add := range []func(*runtime.Scheme) error{clientgoscheme.AddToScheme, karpv1.AddToScheme, ec2v1.AddToScheme} {
		if err := add(s); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

func newFakeClient(t testing.TB, objs ...client.Object) client.Client {
	t.Helper()
	return fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(objs...).Build()
}

// newTestProvider builds a provider on c with a fake clock; it is closed when the test ends.
func newTestProvider(t testing.TB, c client.Client, opts Options) (*Provider, *clocktesting.FakeClock) {
	t.Helper()
	clk := clocktesting.NewFakeClock(testEpoch)
	p := New(c, clk, opts)
	t.Cleanup(p.Close)
	return p, clk
}

// testNodeClass is an EC2NodeClass selecting the simulated subnets by the discovery tag of the
// default cluster name; mutate adjusts it.
func testNodeClass(name string, mutate ...func(*ec2v1.EC2NodeClass)) *ec2v1.EC2NodeClass {
	nc := &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: DefaultClusterName}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{DiscoveryTagKey: DefaultClusterName}}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole",
		},
	}
	for _, m := range mutate {
		m(nc)
	}
	return nc
}

func nodeClassRef(name string) *karpv1.NodeClassReference {
	return &karpv1.NodeClassReference{Group: ec2v1.Group, Kind: "EC2NodeClass", Name: name}
}

func testNodePool(name, nodeClass string) *karpv1.NodePool {
	return &karpv1.NodePool{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: karpv1.NodePoolSpec{Template: karpv1.NodeClaimTemplate{Spec: karpv1.NodeClaimTemplateSpec{
			NodeClassRef: nodeClassRef(nodeClass),
		}}},
	}
}

func req(key string, op corev1.NodeSelectorOperator, values ...string) karpv1.NodeSelectorRequirementWithMinValues {
	return karpv1.NodeSelectorRequirementWithMinValues{Key: key, Operator: op, Values: values}
}

// testNodeClaim is a NodeClaim of NodePool "default" on EC2NodeClass "default" with the
// requirements.
func testNodeClaim(name string, reqs ...karpv1.NodeSelectorRequirementWithMinValues) *karpv1.NodeClaim {
	return &karpv1.NodeClaim{
		ObjectMeta: metav1.ObjectMeta{
			Name:   name,
			Labels: map[string]string{karpv1.NodePoolLabelKey: "default"},
		},
		Spec: karpv1.NodeClaimSpec{
			Requirements: reqs,
			NodeClassRef: nodeClassRef("default"),
			Resources: karpv1.ResourceRequirements{Requests: corev1.ResourceList{
				corev1.ResourceCPU: resource.MustParse("100m"),
			}},
		},
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 5*time.Millisecond, timeout, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
	}
}

// waitForWaiters returns once some goroutine waits on the fake clock, so a Step reaches it.
func waitForWaiters(t testing.TB, clk *clocktesting.FakeClock) {
	t.Helper()
	eventually(t, 5*time.Second, "a goroutine to wait on the fake clock", clk.HasWaiters)
}

func mustCreate(t testing.TB, p *Provider, nc *karpv1.NodeClaim) *karpv1.NodeClaim {
	t.Helper()
	out, err := p.Create(context.Background(), nc)
	if err != nil {
		t.Fatalf("Create(%s): %v", nc.Name, err)
	}
	return out
}

func getNode(c client.Client, name string) (*corev1.Node, bool) {
	node := &corev1.Node{}
	if err := c.Get(context.Background(), client.ObjectKey{Name: name}, node); err != nil {
		return nil, false
	}
	return node, true
}

func faultsConfigMap(data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Namespace: DefaultStateNamespace, Name: FaultsConfigMapName},
		Data:       data,
	}
}
