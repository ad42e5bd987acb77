package aws

import (
	"strings"
	"testing"
)

func TestProviderIDRoundTrip(t *testing.T) {
	zone, id, err := ParseProviderID(providerID("us-east-1b", "i-0123456789abcdef0"))
	if err != nil || zone != "us-east-1b" || id != "i-0123456789abcdef0" {
		t.Errorf("round trip: %q %q %v", zone, id, err)
	}
	for _, bad := range []string{"", "sim:///us-east-1a/i-1", "aws:///us-east-1a", "aws:////i-1", "aws:///us-east-1a/vol-1", "aws:///a/i-1/x"} {
		if _, _, err := ParseProviderID(bad); err == nil {
			t.Errorf("ParseProviderID(%q) accepted", bad)
		}
	}
}

func TestParsePriceDocument(t *testing.T) {
	doc := `{"product":{"attributes":{"instanceType":"m5.large","operatingSystem":"Linux"}},
	  "terms":{"OnDemand":{"X.JRTCKXETXF":{"priceDimensions":{"X.JRTCKXETXF.6YS6EN2CT7":{"unit":"Hrs","pricePerUnit":{"USD":"0.0960000000"}}}}}}}`
	name, price, err := parsePriceDocument(doc)
	if err != nil || name != "m5.large" || price != 0.096 {
		t.Errorf("parsePriceDocument = %q, %v, %v", name, price, err)
	}
	if _, _, err := parsePriceDocument("{not json"); err == nil {
		t.Error("malformed document accepted")
	}
}

func TestAliasParameters(t *testing.T) {
	params, msg := aliasParameters("al2023@latest", "1.37")
	if msg != "" || len(params) != 5 ||
		params[0] != (aliasParameter{"/aws/service/eks/optimized-ami/1.37/amazon-linux-2023/x86_64/standard/recommended/image_id", "standard"}) ||
		params[1] != (aliasParameter{"/aws/service/eks/optimized-ami/1.37/amazon-linux-2023/arm64/standard/recommended/image_id", "standard"}) ||
		params[2].variant != "nvidia" || params[4] != (aliasParameter{"/aws/service/eks/optimized-ami/1.37/amazon-linux-2023/x86_64/neuron/recommended/image_id", "neuron"}) {
		t.Errorf("al2023@latest: %v %q", params, msg)
	}
	params, _ = aliasParameters("al2023@v20250101", "1.37")
	if !strings.HasSuffix(params[0].name, "/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.37-v20250101/image_id") {
		t.Errorf("pinned version: %v", params)
	}
	if _, msg := aliasParameters("bottlerocket@latest", "1.37"); !strings.Contains(msg, "bottlerocket") {
		t.Errorf("unsupported family: %q", msg)
	}
}

func TestKubeletMaySet(t *testing.T) {
	for key, want := range map[string]bool{
		"karpenter.sh/nodepool":                 true,
		"team":                                  true,
		"example.com/tier":                      true,
		"node.kubernetes.io/instance-type":      true,
		"topology.kubernetes.io/zone":           false,
		"node-restriction.kubernetes.io/secure": false,
		"kubernetes.io/hostname":                false,
		"foo.k8s.io/bar":                        false,
	} {
		if got := kubeletMaySet(key); got != want {
			t.Errorf("kubeletMaySet(%q) = %v, want %v", key, got, want)
		}
	}
}

func TestInstanceProfileNameIsStableAndBounded(t *testing.T) {
	a := InstanceProfileName("us-east-1", "prod", "default")
	if a != InstanceProfileName("us-east-1", "prod", "default") || a == InstanceProfileName("us-east-1", "prod", "gpu") {
		t.Errorf("names not stable or not distinct: %s", a)
	}
	if long := InstanceProfileName("us-east-1", strings.Repeat("c", 200), "x"); len(long) > 128 {
		t.Errorf("%d characters, IAM allows 128", len(long))
	}
}
