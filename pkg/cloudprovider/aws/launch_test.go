package aws

import (
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/aws/awstest"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// smallAMD64 keeps launches among a few families so tests can reason about the cheapest.
var smallAMD64 = []karpv1.NodeSelectorRequirementWithMinValues{
	req(corev1.LabelArchStable, corev1.NodeSelectorOpIn, "amd64"),
	req(catalog.LabelInstanceFamily, corev1.NodeSelectorOpIn, "m5", "c5", "r5"),
}

func TestLaunchPrefersSpotWithASecureTemplateAndTags(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	launched, err := e.p.Create(e.ctx, nodeClaim("default-abc", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	zone, id, err := ParseProviderID(launched.Status.ProviderID)
	if err != nil {
		t.Fatal(err)
	}
	inst, ok := e.srv.Instance(id)
	if !ok {
		t.Fatalf("instance %s not in EC2", id)
	}
	if inst.Lifecycle != "spot" || launched.Labels[karpv1.CapacityTypeLabelKey] != "spot" {
		t.Errorf("launched %s / labelled %s, want spot", inst.Lifecycle, launched.Labels[karpv1.CapacityTypeLabelKey])
	}
	if inst.Zone != zone || launched.Labels[corev1.LabelTopologyZone] != zone || launched.Labels[corev1.LabelInstanceTypeStable] != inst.InstanceType {
		t.Errorf("NodeClaim labels %v disagree with instance %+v", launched.Labels, inst)
	}
	if launched.Status.ImageID != e.seed.AMIs["amd64"] || inst.ImageID != e.seed.AMIs["amd64"] {
		t.Errorf("image %s / %s, want the amd64 AL2023 %s", launched.Status.ImageID, inst.ImageID, e.seed.AMIs["amd64"])
	}
	if launched.Annotations[karpv1.PriceAnnotationKey] == "" || launched.Status.Allocatable.Cpu().IsZero() {
		t.Errorf("price %q, allocatable %v", launched.Annotations[karpv1.PriceAnnotationKey], launched.Status.Allocatable)
	}
	for k, v := range map[string]string{
		"karpenter.sh/nodepool":                "default",
		"karpenter.sh/nodeclaim":               "default-abc",
		"kubernetes.io/cluster/" + testCluster: "owned",
		"eks:eks-cluster-name":                 testCluster,
		"karpenter.k8s.aws/ec2nodeclass":       "default",
		"team":                                 "platform",
	} {
		if inst.Tags[k] != v {
			t.Errorf("instance tag %s = %q, want %q", k, inst.Tags[k], v)
		}
	}

	fleets := e.srv.Fleets()
	if len(fleets) != 1 {
		t.Fatalf("%d fleets", len(fleets))
	}
	f := fleets[0]
	if f.Type != "instant" || f.CapacityType != "spot" || f.SpotAllocation != "price-capacity-optimized" || f.TotalTargetCapacity != 1 {
		t.Errorf("fleet %+v", f)
	}
	types := map[string]bool{}
	for _, o := range f.Overrides {
		types[o.InstanceType] = true
		if o.SubnetID != e.seed.SubnetIDs[o.Zone] {
			t.Errorf("override %s in %s uses subnet %s", o.InstanceType, o.Zone, o.SubnetID)
		}
	}
	if len(types) == 0 || len(types) > MaxInstanceTypes {
		t.Errorf("%d instance types in the overrides", len(types))
	}

	lts := e.srv.LaunchTemplates()
	if len(lts) != 1 {
		t.Fatalf("%d launch templates", len(lts))
	}
	lt := lts[0]
	if lt.MetadataOptions.HTTPTokens != "required" || lt.MetadataOptions.HTTPPutResponseHopLimit != 1 {
		t.Errorf("metadata options %+v, want IMDSv2 required with hop limit 1", lt.MetadataOptions)
	}
	if !strings.HasPrefix(lt.Name, LaunchTemplatePrefix) || lt.ImageID != e.seed.AMIs["amd64"] ||
		lt.InstanceProfile != InstanceProfileName(awstest.Region, testCluster, "default") ||
		len(lt.SecurityGroupIDs) != 1 || lt.SecurityGroupIDs[0] != e.seed.SecurityGroupID {
		t.Errorf("launch template %+v", lt)
	}
	ud, err := base64.StdEncoding.DecodeString(lt.UserData)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"kind: NodeConfig", "name: " + testCluster, "apiServerEndpoint: https://api.test.example.com",
		"cidr: 10.100.0.0/16", "certificateAuthority: " + base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")),
		"--node-labels=karpenter.sh/nodepool=default,team=platform", "--register-with-taints=karpenter.sh/unregistered=:NoExecute"} {
		if !strings.Contains(string(ud), want) {
			t.Errorf("user data lacks %q:\n%s", want, ud)
		}
	}

	// The next launch reuses the template.
	if _, err := e.p.Create(e.ctx, nodeClaim("default-def", "default", smallAMD64...)); err != nil {
		t.Fatal(err)
	}
	if n := e.srv.Calls("CreateLaunchTemplate"); n != 1 {
		t.Errorf("CreateLaunchTemplate called %d times for two launches of one template", n)
	}
}

func TestLaunchFallsBackToOnDemandAfterSpotICE(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	e.srv.AddCapacityFault(awstest.CapacityFault{CapacityType: "spot"})

	_, err := e.p.Create(e.ctx, nodeClaim("default-ice", "default", smallAMD64...))
	var ice *cloudprovider.InsufficientCapacityError
	if !errors.As(err, &ice) || len(ice.Offerings) == 0 {
		t.Fatalf("spot without capacity: %v, want an InsufficientCapacityError naming the offerings", err)
	}
	for _, k := range ice.Offerings {
		if k.CapacityType != "spot" || !e.p.UnavailableOfferings().IsUnavailable(k) {
			t.Errorf("offering %s not marked unavailable", k)
		}
	}
	its, err := e.p.GetInstanceTypes(e.ctx, nodePool("default", "default"))
	if err != nil {
		t.Fatal(err)
	}
	k := ice.Offerings[0]
	if of, _ := offering(find(its, k.InstanceType), k.Zone, "spot"); of.Available {
		t.Errorf("%s still available to the scheduler", k)
	}

	// The agent retries: this time spot is known to be out, so on-demand launches.
	launched, err := e.p.Create(e.ctx, nodeClaim("default-ice", "default", smallAMD64...))
	if err != nil {
		t.Fatal(err)
	}
	if launched.Labels[karpv1.CapacityTypeLabelKey] != "on-demand" {
		t.Errorf("retry launched %s", launched.Labels[karpv1.CapacityTypeLabelKey])
	}
	fleets := e.srv.Fleets()
	if last := fleets[len(fleets)-1]; last.CapacityType != "on-demand" || last.OnDemandAllocation != "lowest-price" {
		t.Errorf("second fleet %+v", last)
	}

	// After the TTL spot is tried again.
	e.clk.Step(cloudprovider.UnavailableTTL)
	if e.p.UnavailableOfferings().IsUnavailable(k) {
		t.Errorf("%s still unavailable after %s", k, cloudprovider.UnavailableTTL)
	}
}

func TestLaunchRecoversFromThrottlingAnd5xx(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	e.srv.Throttle("CreateFleet", 2)
	e.srv.FailWith("CreateLaunchTemplate", 503, 1)
	if _, err := e.p.Create(e.ctx, nodeClaim("default-slow", "default", smallAMD64...)); err != nil {
		t.Fatalf("launch through 2 throttles and a 503: %v", err)
	}
	if n := e.srv.Calls("CreateFleet"); n != 3 {
		t.Errorf("CreateFleet called %d times, want 3", n)
	}
	if n := len(e.srv.Instances()); n != 1 {
		t.Errorf("%d instances, want exactly one", n)
	}
}

func TestLaunchWithNoCompatibleOfferingIsICE(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	_, err := e.p.Create(e.ctx, nodeClaim("default-none", "default", req(catalog.LabelInstanceFamily, corev1.NodeSelectorOpIn, "nosuch")))
	if !cloudprovider.IsInsufficientCapacity(err) {
		t.Errorf("impossible requirements: %v", err)
	}
	if n := e.srv.Calls("CreateFleet"); n != 0 {
		t.Errorf("CreateFleet called %d times for an impossible launch", n)
	}
}

func TestLaunchRecreatesALaunchTemplateDeletedBehindItsBack(t *testing.T) {
	e := newEnv(t)
	e.readyNodeClass(t, discoveryNodeClass("default"))
	if _, err := e.p.Create(e.ctx, nodeClaim("default-a", "default", smallAMD64...)); err != nil {
		t.Fatal(err)
	}
	lt := e.srv.LaunchTemplates()[0]
	if _, err := e.p.ec2.DeleteLaunchTemplate(e.ctx, &ec2.DeleteLaunchTemplateInput{LaunchTemplateId: aws.String(lt.ID)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.p.Create(e.ctx, nodeClaim("default-b", "default", smallAMD64...)); err != nil {
		t.Fatalf("launch after the template was deleted: %v", err)
	}
	if lts := e.srv.LaunchTemplates(); len(lts) != 1 || lts[0].ID == lt.ID || lts[0].Name != lt.Name {
		t.Errorf("launch templates %+v, want %s recreated under a new id", lts, lt.Name)
	}
}
