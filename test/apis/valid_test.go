package apis

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/utils/ptr"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/yaml"

	ec2v1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/ec2/v1"
	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	karpv1alpha1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1alpha1"
)

// typedFor returns an empty Go object of the manifest's kind.
func typedFor(t testing.TB, u *unstructured.Unstructured) client.Object {
	t.Helper()
	switch u.GetKind() {
	case "NodePool":
		return &karpv1.NodePool{}
	case "NodeClaim":
		return &karpv1.NodeClaim{}
	case "EC2NodeClass":
		return &ec2v1.EC2NodeClass{}
	case "KarpenterScalingPolicy":
		return &karpv1alpha1.KarpenterScalingPolicy{}
	}
	t.Fatalf("no Go type for kind %q", u.GetKind())
	return nil
}

// specOf returns the spec of a typed object, for semantic comparison.
func specOf(obj client.Object) any {
	switch o := obj.(type) {
	case *karpv1.NodePool:
		return o.Spec
	case *karpv1.NodeClaim:
		return o.Spec
	case *ec2v1.EC2NodeClass:
		return o.Spec
	case *karpv1alpha1.KarpenterScalingPolicy:
		return o.Spec
	}
	return nil
}

// Manifests written as a Karpenter v1 user writes them apply unchanged, keep every field, and
// survive the trip through the Go types.
func TestValidManifestsApplyUnchanged(t *testing.T) {
	s := requireEnv(t)
	paths, err := filepath.Glob(filepath.Join("testdata", "valid", "*.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) < 8 {
		t.Fatalf("want at least 8 manifests under testdata/valid, found %d", len(paths))
	}
	kinds := map[string]int{}
	for _, path := range paths {
		file := filepath.Base(path)
		data, want := readManifest(t, filepath.Join("valid", file))
		kinds[want.GetKind()]++
		t.Run(strings.TrimSuffix(file, ".yaml"), func(t *testing.T) {
			ctx := testContext(t)
			gvr := resourceFor(t, want)
			name := want.GetName()

			// Every field of the manifest is one the Go types know.
			if err := yaml.UnmarshalStrict(data, typedFor(t, want)); err != nil {
				t.Fatalf("the Go types do not accept the manifest: %v", err)
			}

			// The bytes of the file, as kubectl apply --server-side would send them.
			got, err := s.applyYAML(ctx, gvr, name, data)
			if err != nil {
				t.Fatal(err)
			}
			s.deleteAtEnd(t, gvr, name)

			// Nothing was pruned or rewritten: the stored object holds every field as written.
			wantObj, gotObj := jsonCopy(t, want.Object), jsonCopy(t, got.Object)
			for _, field := range []string{"spec", "metadata"} {
				if field == "metadata" {
					// Only what the user wrote; the server adds uid, managedFields...
					wantObj[field] = map[string]any{"name": name, "labels": want.GetLabels(), "annotations": want.GetAnnotations()}
					if want.GetLabels() == nil {
						delete(wantObj[field].(map[string]any), "labels")
					}
					if want.GetAnnotations() == nil {
						delete(wantObj[field].(map[string]any), "annotations")
					}
					wantObj = jsonCopy(t, wantObj)
				}
				for _, diff := range missingFrom(wantObj[field], gotObj[field], field) {
					t.Errorf("not stored as written: %s", diff)
				}
			}

			// Applying the same manifest again changes nothing.
			again, err := s.applyYAML(ctx, gvr, name, data)
			if err != nil {
				t.Fatal(err)
			}
			if again.GetResourceVersion() != got.GetResourceVersion() || again.GetGeneration() != got.GetGeneration() {
				t.Errorf("re-applying the manifest changed the object: resourceVersion %s -> %s, generation %d -> %d",
					got.GetResourceVersion(), again.GetResourceVersion(), got.GetGeneration(), again.GetGeneration())
			}

			// Read back typed: every stored field decodes into the Go types...
			stored, err := json.Marshal(again.Object)
			if err != nil {
				t.Fatal(err)
			}
			if err := json.Unmarshal(stored, typedFor(t, want)); err != nil {
				t.Fatalf("the stored object does not decode into the Go types: %v", err)
			}
			if err := yaml.UnmarshalStrict(stored, typedFor(t, want)); err != nil {
				t.Errorf("the stored object has fields the Go types drop: %v", err)
			}
			typed := typedFor(t, want)
			if err := s.typed.Get(ctx, client.ObjectKey{Name: name}, typed); err != nil {
				t.Fatalf("typed get: %v", err)
			}
			// ...and what the Go types write back is valid and means the same: a controller that
			// updates the object does not change the user's intent.
			written := typed.DeepCopyObject().(client.Object)
			if err := s.typed.Update(ctx, written, client.DryRunAll); err != nil {
				t.Fatalf("the API server rejects the object as the Go types encode it: %v", err)
			}
			if !equality.Semantic.DeepEqual(specOf(typed), specOf(written)) {
				t.Errorf("the spec changed meaning when written back through the Go types:\nread:    %+v\nwritten: %+v", specOf(typed), specOf(written))
			}
		})
	}
	for _, kind := range []string{"NodePool", "NodeClaim", "EC2NodeClass", "KarpenterScalingPolicy"} {
		if kinds[kind] == 0 {
			t.Errorf("no valid %s manifest under testdata/valid", kind)
		}
	}
}

// The NodePool that uses every field reads back typed with each value where the user put it.
func TestEveryFieldNodePoolReadsBackTyped(t *testing.T) {
	s := requireEnv(t)
	_, u := readManifest(t, filepath.Join("valid", "nodepool-every-field.yaml"))
	u.SetName("every-field-typed")
	data, err := yaml.Marshal(u.Object)
	if err != nil {
		t.Fatal(err)
	}
	ctx := testContext(t)
	if _, err := s.applyYAML(ctx, nodePools, u.GetName(), data); err != nil {
		t.Fatal(err)
	}
	s.deleteAtEnd(t, nodePools, u.GetName())
	np := &karpv1.NodePool{}
	if err := s.typed.Get(ctx, client.ObjectKey{Name: u.GetName()}, np); err != nil {
		t.Fatal(err)
	}
	tmpl := np.Spec.Template
	check := func(what string, got, want any) {
		t.Helper()
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	check("labels[billing-team]", tmpl.Labels["billing-team"], "my-team")
	check("annotations[example.com/owner]", tmpl.Annotations["example.com/owner"], "my-team")
	check("nodeClassRef", *tmpl.Spec.NodeClassRef, karpv1.NodeClassReference{Group: "karpenter.k8s.aws", Kind: "EC2NodeClass", Name: "default"})
	check("len(taints)", len(tmpl.Spec.Taints), 3)
	check("taints[0]", tmpl.Spec.Taints[0].ToString(), "example.com/special-taint=true:NoSchedule")
	check("startupTaints[0]", tmpl.Spec.StartupTaints[0].ToString(), "example.com/another-taint:NoSchedule")
	check("expireAfter", tmpl.Spec.ExpireAfter.String(), "336h")
	check("terminationGracePeriod", tmpl.Spec.TerminationGracePeriod.Duration.String(), "48h0m0s")
	operators := map[string]bool{}
	for _, r := range tmpl.Spec.Requirements {
		operators[string(r.Operator)] = true
	}
	for _, op := range []string{"In", "NotIn", "Exists", "DoesNotExist", "Gt", "Lt", "Gte", "Lte"} {
		if !operators[op] {
			t.Errorf("no requirement with operator %s read back", op)
		}
	}
	check("requirements[1].minValues", *tmpl.Spec.Requirements[1].MinValues, 5)
	check("requirements[1].values", tmpl.Spec.Requirements[1].Values, []string{"m5", "m5d", "c5", "c5d", "c4", "r4"})
	d := np.Spec.Disruption
	check("consolidationPolicy", d.ConsolidationPolicy, karpv1.ConsolidationPolicyWhenEmpty)
	check("consolidateAfter", d.ConsolidateAfter.String(), "10m")
	check("len(budgets)", len(d.Budgets), 3)
	check("budgets[1].schedule", *d.Budgets[1].Schedule, "0 9 * * mon-fri")
	check("budgets[1].duration", d.Budgets[1].Duration.Duration.String(), "8h0m0s")
	check("budgets[1].nodes", d.Budgets[1].Nodes, "0")
	check("budgets[2].reasons", d.Budgets[2].Reasons, []karpv1.DisruptionReason{karpv1.DisruptionReasonDrifted})
	for name, want := range map[corev1.ResourceName]string{"cpu": "1k", "memory": "1000Gi", "nvidia.com/gpu": "2"} {
		q := np.Spec.Limits[name]
		check("limits["+string(name)+"]", q.String(), want)
	}
	check("weight", *np.Spec.Weight, int32(10))
}

// The EC2NodeClass with every selector kind reads back typed, term by term.
func TestEverySelectorEC2NodeClassReadsBackTyped(t *testing.T) {
	s := requireEnv(t)
	_, u := readManifest(t, filepath.Join("valid", "ec2nodeclass-every-selector.yaml"))
	u.SetName("every-selector-typed")
	created := s.createObject(t, u)
	nc := &ec2v1.EC2NodeClass{}
	if err := s.typed.Get(testContext(t), client.ObjectKey{Name: created.GetName()}, nc); err != nil {
		t.Fatal(err)
	}
	spec := nc.Spec
	check := func(what string, got, want any) {
		t.Helper()
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	check("subnetSelectorTerms", spec.SubnetSelectorTerms, []ec2v1.SubnetSelectorTerm{
		{Tags: map[string]string{"karpenter.sh/discovery": "my-cluster", "environment": "test"}},
		{ID: "subnet-09fa4a0a8f233a921"},
	})
	check("securityGroupSelectorTerms", spec.SecurityGroupSelectorTerms, []ec2v1.SecurityGroupSelectorTerm{
		{Tags: map[string]string{"karpenter.sh/discovery": "my-cluster", "environment": "test"}},
		{Name: "my-security-group"},
		{ID: "sg-063d7acfb4b06c82c"},
	})
	check("amiSelectorTerms", spec.AMISelectorTerms, []ec2v1.AMISelectorTerm{
		{Tags: map[string]string{"karpenter.sh/discovery": "my-cluster", "environment": "test"}},
		{Name: "my-ami-*", Owner: "self"},
		{Name: "amazon-eks-node-al2023-x86_64-standard-1.30-*", Owner: "amazon"},
		{ID: "ami-0123456789abcdef0"},
		{SSMParameter: "/aws/service/eks/optimized-ami/1.30/amazon-linux-2023/x86_64/standard/recommended/image_id"},
	})
	check("amiFamily", *spec.AMIFamily, "AL2023")
	check("role", spec.Role, "KarpenterNodeRole-my-cluster")
	check("instanceProfile", spec.InstanceProfile, (*string)(nil))
	check("tags[team]", spec.Tags["team"], "team-a")
	check("kubelet.maxPods", *spec.Kubelet.MaxPods, int32(20))
	check("kubelet.kubeReserved", spec.Kubelet.KubeReserved, map[string]string{"cpu": "200m", "memory": "100Mi", "ephemeral-storage": "3Gi"})
	check("kubelet.evictionSoftGracePeriod[nodefs.available]", spec.Kubelet.EvictionSoftGracePeriod["nodefs.available"], metav1.Duration{Duration: 90_000_000_000})
	check("metadataOptions.httpPutResponseHopLimit", *spec.MetadataOptions.HTTPPutResponseHopLimit, int64(2))
	check("metadataOptions.httpTokens", *spec.MetadataOptions.HTTPTokens, "required")
	check("len(blockDeviceMappings)", len(spec.BlockDeviceMappings), 2)
	check("blockDeviceMappings[0].rootVolume", spec.BlockDeviceMappings[0].RootVolume, true)
	check("blockDeviceMappings[0].ebs.volumeSize", spec.BlockDeviceMappings[0].EBS.VolumeSize.String(), "100Gi")
	check("blockDeviceMappings[1].ebs.snapshotID", *spec.BlockDeviceMappings[1].EBS.SnapshotID, "snap-0123456789abcdef0")
	if spec.UserData == nil || !strings.Contains(*spec.UserData, "kind: NodeConfig") {
		t.Errorf("userData = %v, want the MIME document with the NodeConfig", spec.UserData)
	}
}

// The fields upstream added to EC2NodeClass after v1.0 read back typed where the user put them.
func TestNewEC2NodeClassFieldsReadBackTyped(t *testing.T) {
	s := requireEnv(t)
	read := func(t *testing.T, file string) ec2v1.EC2NodeClassSpec {
		t.Helper()
		_, u := readManifest(t, filepath.Join("valid", file))
		u.SetName(strings.TrimSuffix(file, ".yaml") + "-typed")
		s.createObject(t, u)
		nc := &ec2v1.EC2NodeClass{}
		if err := s.typed.Get(testContext(t), client.ObjectKey{Name: u.GetName()}, nc); err != nil {
			t.Fatal(err)
		}
		return nc.Spec
	}
	check := func(t *testing.T, what string, got, want any) {
		t.Helper()
		if !equality.Semantic.DeepEqual(got, want) {
			t.Errorf("%s = %#v, want %#v", what, got, want)
		}
	}
	t.Run("capacity reservations", func(t *testing.T) {
		spec := read(t, ec2CapacityBase)
		check(t, "capacityReservationSelectorTerms", spec.CapacityReservationSelectorTerms, []ec2v1.CapacityReservationSelectorTerm{
			{Tags: map[string]string{"karpenter.sh/discovery": "my-cluster"}},
			{ID: "cr-56fac701cc1951b03"},
			{OwnerID: "012345678901", InstanceMatchCriteria: "targeted", Tags: map[string]string{"team": "ml"}},
		})
		check(t, "subnetSelectorTerms[2].cidr", spec.SubnetSelectorTerms[2].CIDR, "10.0.32.0/19")
		check(t, "ipPrefixCount", spec.IPPrefixCount, ptr.To[int32](1))
		check(t, "context", spec.Context, ptr.To("arn:aws:outposts:us-west-2:012345678901:outpost/op-0123456789abcdef0"))
		check(t, "blockDeviceMappings[1].ebs.volumeInitializationRate", spec.BlockDeviceMappings[1].EBS.VolumeInitializationRate, ptr.To[int32](300))
	})
	t.Run("efa", func(t *testing.T) {
		spec := read(t, ec2EFABase)
		check(t, "placementGroupSelector", spec.PlacementGroupSelector, &ec2v1.PlacementGroupSelectorTerm{Name: "training"})
		check(t, "networkInterfaces", spec.NetworkInterfaces, []ec2v1.NetworkInterface{
			{NetworkCardIndex: 0, DeviceIndex: 0, InterfaceType: "interface"},
			{NetworkCardIndex: 0, DeviceIndex: 1, InterfaceType: "efa-only"},
			{NetworkCardIndex: 1, DeviceIndex: 0, InterfaceType: "efa-only"},
		})
		check(t, "cpuOptions", spec.CPUOptions, &ec2v1.CPUOptions{NestedVirtualization: ptr.To("disabled")})
		check(t, "connectionTracking", spec.ConnectionTracking, &ec2v1.ConnectionTracking{
			TCPEstablishedTimeout: ptr.To[int32](3600), UDPStreamTimeout: ptr.To[int32](120), UDPTimeout: ptr.To[int32](30),
		})
	})
}
