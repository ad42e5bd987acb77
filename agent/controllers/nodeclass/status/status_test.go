package status

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	clocktesting "k8s.io/utils/clock/testing"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/reconcile"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/fake"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/decisions"
)

// resolver is a CloudProvider that resolves node classes from a table the test edits.
type resolver struct {
	*fake.CloudProvider
	mu       sync.Mutex
	results  map[string]*cloudprovider.NodeClassResolution
	err      error
	released []string
}

func (r *resolver) ResolveNodeClass(_ context.Context, nc *ec2v1.EC2NodeClass) (*cloudprovider.NodeClassResolution, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.err != nil {
		return nil, r.err
	}
	if res, ok := r.results[nc.Name]; ok {
		return res, nil
	}
	return &cloudprovider.NodeClassResolution{Unresolved: map[string]string{ec2v1.ConditionTypeSubnetsReady: "no table entry"}}, nil
}

// ReleaseNodeClass records the names it was asked to release.
func (r *resolver) ReleaseNodeClass(_ context.Context, name string) (bool, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.released = append(r.released, name)
	return true, nil
}

func (r *resolver) releasedNames() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.released)
}

func (r *resolver) set(name string, res *cloudprovider.NodeClassResolution, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.results[name], r.err = res, err
}

// recorder keeps the published decisions.
type recorder struct {
	mu sync.Mutex
	ds []decisions.Decision
}

func (r *recorder) Publish(ds ...decisions.Decision) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ds = append(r.ds, ds...)
}

func (r *recorder) messages(reason string) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, d := range r.ds {
		if d.Reason == reason {
			out = append(out, d.Message)
		}
	}
	return out
}

func resolved() *cloudprovider.NodeClassResolution {
	return &cloudprovider.NodeClassResolution{
		Subnets:         []ec2v1.Subnet{{ID: "subnet-a", Zone: "us-east-1a"}},
		SecurityGroups:  []ec2v1.SecurityGroup{{ID: "sg-1", Name: "nodes"}},
		AMIs:            []ec2v1.AMI{{ID: "ami-1", Requirements: []corev1.NodeSelectorRequirement{{Key: corev1.LabelArchStable, Operator: corev1.NodeSelectorOpIn, Values: []string{"amd64"}}}}},
		InstanceProfile: "test_profile",
	}
}

func nodeClass(name string) *ec2v1.EC2NodeClass {
	return &ec2v1.EC2NodeClass{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: ec2v1.EC2NodeClassSpec{
			SubnetSelectorTerms:        []ec2v1.SubnetSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
			SecurityGroupSelectorTerms: []ec2v1.SecurityGroupSelectorTerm{{Tags: map[string]string{"karpenter.sh/discovery": "test"}}},
			AMISelectorTerms:           []ec2v1.AMISelectorTerm{{Alias: "al2023@latest"}},
			Role:                       "KarpenterNodeRole-test",
		},
	}
}

func waitFor(t *testing.T, c client.Client, name, what string, cond func(*ec2v1.EC2NodeClass) bool) *ec2v1.EC2NodeClass {
	t.Helper()
	got := &ec2v1.EC2NodeClass{}
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		if err := c.Get(ctx, client.ObjectKey{Name: name}, got); err != nil {
			return false, nil //nolint:nilerr // not created or not visible yet: poll again
		}
		return cond(got), nil
	})
	if err != nil {
		t.Fatalf("timed out waiting for EC2NodeClass %s to be %s; status %+v", name, what, got.Status)
	}
	return got
}

func TestStatusFollowsTheResolution(t *testing.T) {
	e := suite.NewEnv(t)
	r := &resolver{CloudProvider: fake.New(clocktesting.NewFakeClock(time.Now())), results: map[string]*cloudprovider.NodeClassResolution{}}
	name := fmt.Sprintf("status-%d", time.Now().UnixNano())
	r.set(name, resolved(), nil)
	rec := &recorder{}
	ctrl := NewController(e.Mgr.GetClient(), r, rec, clocktesting.NewFakeClock(time.Now()))
	if err := ctrl.Register(e.Mgr); err != nil {
		t.Fatal(err)
	}
	e.Start(t)
	if err := e.Direct.Create(e.Ctx, nodeClass(name)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Direct.Delete(context.Background(), nodeClass(name)) })

	nc := waitFor(t, e.Direct, name, "Ready", func(nc *ec2v1.EC2NodeClass) bool {
		return meta.IsStatusConditionTrue(nc.Status.Conditions, ec2v1.ConditionTypeReady)
	})
	if len(nc.Status.Subnets) != 1 || nc.Status.SecurityGroups[0].ID != "sg-1" || nc.Status.AMIs[0].ID != "ami-1" || nc.Status.InstanceProfile != "test_profile" {
		t.Errorf("status %+v", nc.Status)
	}
	for _, c := range []string{ec2v1.ConditionTypeSubnetsReady, ec2v1.ConditionTypeSecurityGroupsReady, ec2v1.ConditionTypeAMIsReady, ec2v1.ConditionTypeInstanceProfileReady} {
		if !meta.IsStatusConditionTrue(nc.Status.Conditions, c) {
			t.Errorf("%s not True", c)
		}
	}

	// The AMI selector stops matching: an edit of the spec re-resolves, and Ready says why.
	broken := resolved()
	broken.AMIs = nil
	broken.Unresolved = map[string]string{ec2v1.ConditionTypeAMIsReady: "amiSelectorTerms[0] (tags {release: never}) matched nothing"}
	r.set(name, broken, nil)
	nc.Spec.AMISelectorTerms = []ec2v1.AMISelectorTerm{{Tags: map[string]string{"release": "never"}}}
	nc.Spec.AMIFamily = new(string)
	*nc.Spec.AMIFamily = "AL2023"
	if err := e.Direct.Update(e.Ctx, nc); err != nil {
		t.Fatal(err)
	}
	nc = waitFor(t, e.Direct, name, "not Ready", func(nc *ec2v1.EC2NodeClass) bool {
		return meta.IsStatusConditionFalse(nc.Status.Conditions, ec2v1.ConditionTypeReady)
	})
	ready := meta.FindStatusCondition(nc.Status.Conditions, ec2v1.ConditionTypeReady)
	if ready.Reason != "AMINotFound" || !strings.Contains(ready.Message, "amiSelectorTerms[0] (tags {release: never})") {
		t.Errorf("Ready = %s: %s", ready.Reason, ready.Message)
	}
	if msgs := rec.messages(decisions.ReasonFailedToResolveNodeClass); len(msgs) != 1 || !strings.Contains(msgs[0], "amiSelectorTerms[0]") {
		t.Errorf("Events %q, want one saying which selector matched nothing", msgs)
	}
	if !meta.IsStatusConditionFalse(nc.Status.Conditions, ec2v1.ConditionTypeAMIsReady) || len(nc.Status.AMIs) != 0 ||
		!meta.IsStatusConditionTrue(nc.Status.Conditions, ec2v1.ConditionTypeSubnetsReady) {
		t.Errorf("conditions %+v, AMIs %v", nc.Status.Conditions, nc.Status.AMIs)
	}

	// The cloud cannot be asked: the reconcile fails (and backs off) and the status stays.
	r.set(name, nil, errors.New("RequestLimitExceeded: throttled"))
	if _, err := ctrl.Reconcile(e.Ctx, reconcile.Request{NamespacedName: types.NamespacedName{Name: name}}); err == nil || !strings.Contains(err.Error(), name) {
		t.Errorf("Reconcile with an API error: %v, want it wrapped with the node class", err)
	}
	after := &ec2v1.EC2NodeClass{}
	if err := e.Direct.Get(e.Ctx, client.ObjectKey{Name: name}, after); err != nil {
		t.Fatal(err)
	}
	if !equality.Semantic.DeepEqual(after.Status, nc.Status) {
		t.Errorf("an API error changed the status:\n%+v\n%+v", nc.Status, after.Status)
	}

	// Deleted: the provider is asked to release what it created for it.
	if err := e.Direct.Delete(e.Ctx, after); err != nil {
		t.Fatal(err)
	}
	if err := wait.PollUntilContextTimeout(e.Ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return slices.Contains(r.releasedNames(), name), nil
	}); err != nil {
		t.Errorf("ReleaseNodeClass(%s) not called after the deletion; released %v", name, r.releasedNames())
	}
}

func TestNotRegisteredWithoutAResolver(t *testing.T) {
	c := NewController(nil, fake.New(clocktesting.NewFakeClock(time.Now())), &recorder{}, clocktesting.NewFakeClock(time.Now()))
	if c.resolver != nil {
		t.Fatal("the fake provider resolves nothing, yet the controller would run")
	}
	if err := c.Register(nil); err != nil {
		t.Errorf("Register without a resolver: %v", err)
	}
}
