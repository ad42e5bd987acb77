package price

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

func labels(it, zone, ct string) map[string]string {
	return map[string]string{corev1.LabelInstanceTypeStable: it, corev1.LabelTopologyZone: zone, karpv1.CapacityTypeLabelKey: ct}
}

func TestFromLabels(t *testing.T) {
	od, ok := catalog.OnDemandPrice("m5.large")
	if !ok || od <= 0 {
		t.Fatalf("catalog has no on-demand price for m5.large")
	}
	spot := catalog.SpotPrice("m5.large", "us-east-1a")
	if spot <= 0 || spot >= od {
		t.Fatalf("catalog spot price %v for m5.large is not below on-demand %v", spot, od)
	}
	for _, tc := range []struct {
		name   string
		labels map[string]string
		want   Price
	}{
		{"on-demand", labels("m5.large", "us-east-1a", "on-demand"), Price{PerHour: od, Source: Catalog}},
		{"spot by zone", labels("m5.large", "us-east-1a", "spot"), Price{PerHour: spot, Source: Catalog}},
		{"reserved as on-demand", labels("m5.large", "us-east-1a", "reserved"), Price{PerHour: od, Source: Catalog}},
		{"no capacity type means on-demand", map[string]string{corev1.LabelInstanceTypeStable: "m5.large"}, Price{PerHour: od, Source: Catalog}},
		{"spot without zone", map[string]string{corev1.LabelInstanceTypeStable: "m5.large", karpv1.CapacityTypeLabelKey: "spot"}, Price{}},
		{"unknown type", labels("z9.huge", "us-east-1a", "on-demand"), Price{}},
		{"no labels", nil, Price{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := FromLabels(tc.labels); got != tc.want {
				t.Errorf("FromLabels = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestForNodeClaimPrefersTheOfferingPrice(t *testing.T) {
	nc := &karpv1.NodeClaim{ObjectMeta: metav1.ObjectMeta{
		Labels:      labels("m5.large", "us-east-1a", "on-demand"),
		Annotations: map[string]string{AnnotationKey: "0.0123"},
	}}
	if got := ForNodeClaim(nc); got != (Price{PerHour: 0.0123, Source: Offering}) {
		t.Errorf("ForNodeClaim = %+v, want the annotation's offering price", got)
	}
	nc.Annotations[AnnotationKey] = "not-a-number"
	od, _ := catalog.OnDemandPrice("m5.large")
	if got := ForNodeClaim(nc); got != (Price{PerHour: od, Source: Catalog}) {
		t.Errorf("ForNodeClaim with a bad annotation = %+v, want the catalog estimate %v", got, od)
	}
	node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Labels: labels("c5.xlarge", "us-east-1b", "on-demand")}}
	c5, _ := catalog.OnDemandPrice("c5.xlarge")
	if got := ForNode(node, nc); got != (Price{PerHour: c5, Source: Catalog}) {
		t.Errorf("ForNode without an offering price = %+v, want the node's own labels priced (%v)", got, c5)
	}
	if got := ForNode(nil, nil); got.Known() {
		t.Errorf("ForNode(nil, nil) = %+v, want unknown", got)
	}
}

func TestString(t *testing.T) {
	for _, tc := range []struct {
		p    Price
		want string
	}{
		{Price{PerHour: 0.096, Source: Offering}, "$0.0960"},
		{Price{PerHour: 0.096, Source: Catalog}, "$0.0960 est."},
		{Price{}, "-"},
	} {
		if got := tc.p.String(); got != tc.want {
			t.Errorf("%+v.String() = %q, want %q", tc.p, got, tc.want)
		}
	}
	if got := FormatMonthly(0.1); got != "$73.00" {
		t.Errorf("FormatMonthly(0.1) = %q, want $73.00", got)
	}
}
