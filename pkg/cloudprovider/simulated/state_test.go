package simulated

import (
	"context"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/client/fake"
	"sigs.k8s.io/controller-runtime/pkg/client/interceptor"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
)

// The records are what an operator sees with kubectl, and what a restarted agent reads back.
func TestInstanceRecords(t *testing.T) {
	c := newFakeClient(t, testNodeClass("default", func(nc *ec2v1.EC2NodeClass) { nc.Spec.Tags = map[string]string{"team": "web"} }))
	p, _ := newTestProvider(t, c, Options{})
	ctx := context.Background()
	nc := mustCreate(t, p, testNodeClaim("default-x7k2p", threeTypes))

	cm := &corev1.ConfigMap{}
	if err := c.Get(ctx, client.ObjectKey{Namespace: DefaultStateNamespace, Name: "nc-default-x7k2p"}, cm); err != nil {
		t.Fatalf("the instance record: %v", err)
	}
	_, id, _ := ParseProviderID(nc.Status.ProviderID)
	wantLabels := map[string]string{
		LabelManagedBy:          ManagedByValue,
		LabelNodeClaim:          "default-x7k2p",
		karpv1.NodePoolLabelKey: "default",
		LabelInstanceID:         id,
		LabelState:              StatePending,
	}
	if !reflect.DeepEqual(cm.Labels, wantLabels) {
		t.Errorf("record labels %v, want %v", cm.Labels, wantLabels)
	}
	for _, k := range []string{keyInstanceType, keyZone, keyCapacityType, keyPrice, keyLaunchTime, keyState} {
		if cm.Data[k] == "" {
			t.Errorf("record has no %s", k)
		}
	}
	in, err := instanceFromConfigMap(cm)
	if err != nil {
		t.Fatal(err)
	}
	back, err := in.toConfigMap(DefaultStateNamespace)
	if err != nil || !reflect.DeepEqual(back.Data, cm.Data) {
		t.Errorf("record does not round-trip: %v", err)
	}
	if in.Tags["team"] != "web" || in.Tags["kubernetes.io/cluster/local"] != "owned" {
		t.Errorf("instance tags %v", in.Tags)
	}

	cm.Data[keyState] = "exploded"
	if _, err := instanceFromConfigMap(cm); err == nil {
		t.Error("a corrupt record was accepted")
	}
	if err := c.Update(ctx, cm); err != nil {
		t.Fatal(err)
	}
	if list, err := p.List(ctx); err != nil || len(list) != 0 {
		t.Errorf("List with a corrupt record: %v, %v; want it skipped", names(list), err)
	}
}

// With a manager's cached client, reads of the records go through Options.Reader: a Delete
// right after a launch must find the instance even though the cache has not caught up.
func TestStateIsReadThroughTheReader(t *testing.T) {
	direct := fake.NewClientBuilder().WithScheme(testScheme(t)).WithObjects(testNodeClass("default")).Build()
	lagging := interceptor.NewClient(direct, interceptor.Funcs{
		Get: func(ctx context.Context, c client.WithWatch, key client.ObjectKey, obj client.Object, opts ...client.GetOption) error {
			if _, ok := obj.(*corev1.ConfigMap); ok {
				return apierrors.NewNotFound(corev1.Resource("configmaps"), key.Name)
			}
			return c.Get(ctx, key, obj, opts...)
		},
		List: func(ctx context.Context, c client.WithWatch, list client.ObjectList, opts ...client.ListOption) error {
			if _, ok := list.(*corev1.ConfigMapList); ok {
				return nil
			}
			return c.List(ctx, list, opts...)
		},
	})
	p, _ := newTestProvider(t, lagging, Options{Reader: direct})
	ctx := context.Background()
	nc := mustCreate(t, p, testNodeClaim("a", threeTypes))
	if again := mustCreate(t, p, testNodeClaim("a", threeTypes)); again.Status.ProviderID != nc.Status.ProviderID {
		t.Fatalf("a retried Create launched a second instance")
	}
	if list, err := p.List(ctx); err != nil || len(list) != 1 {
		t.Fatalf("List: %v, %v", names(list), err)
	}
	if err := p.Delete(ctx, nc); err != nil {
		t.Fatalf("Delete right after Create: %v", err)
	}
}
