package awstest

import (
	"context"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// fleetInput asks for one instance of the capacity type among the types in every seeded subnet.
func fleetInput(lt string, seed Seeded, capacityType ec2types.DefaultTargetCapacityType, types ...string) *ec2.CreateFleetInput {
	var overrides []ec2types.FleetLaunchTemplateOverridesRequest
	for _, it := range types {
		for _, z := range DefaultZones {
			overrides = append(overrides, ec2types.FleetLaunchTemplateOverridesRequest{InstanceType: ec2types.InstanceType(it), SubnetId: aws.String(seed.SubnetIDs[z])})
		}
	}
	return &ec2.CreateFleetInput{
		Type: ec2types.FleetTypeInstant,
		LaunchTemplateConfigs: []ec2types.FleetLaunchTemplateConfigRequest{{
			LaunchTemplateSpecification: &ec2types.FleetLaunchTemplateSpecificationRequest{LaunchTemplateId: aws.String(lt), Version: aws.String("$Latest")},
			Overrides:                   overrides,
		}},
		TargetCapacitySpecification: &ec2types.TargetCapacitySpecificationRequest{TotalTargetCapacity: aws.Int32(1), DefaultTargetCapacityType: capacityType},
		SpotOptions:                 &ec2types.SpotOptionsRequest{AllocationStrategy: ec2types.SpotAllocationStrategyPriceCapacityOptimized},
		OnDemandOptions:             &ec2types.OnDemandOptionsRequest{AllocationStrategy: ec2types.FleetOnDemandAllocationStrategyLowestPrice},
		TagSpecifications: []ec2types.TagSpecification{{ResourceType: ec2types.ResourceTypeInstance, Tags: []ec2types.Tag{
			{Key: aws.String("karpenter.sh/nodeclaim"), Value: aws.String("default-abc")},
			{Key: aws.String("kubernetes.io/cluster/demo"), Value: aws.String("owned")},
		}}},
	}
}

func launchSetup(t *testing.T) (*Server, clients, context.Context, Seeded, string) {
	t.Helper()
	s, c, ctx := newServer(t)
	seed := s.SeedCluster(Cluster{Name: "demo"})
	lt := createTemplate(t, c, ctx, "karpenter-demo", seed.AMIs["amd64"], seed.SecurityGroupID)
	return s, c, ctx, seed, lt
}

// cheapestSpotZone returns the zone where the type's catalog spot price is lowest.
func cheapestSpotZone(it string) string {
	best := DefaultZones[0]
	for _, z := range DefaultZones {
		if catalog.SpotPrice(it, z) < catalog.SpotPrice(it, best) {
			best = z
		}
	}
	return best
}

func TestCreateFleetLaunchesTheCheapestSpotOffering(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	out, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large", "m5.xlarge"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 0 || len(out.Instances) != 1 || len(out.Instances[0].InstanceIds) != 1 {
		t.Fatalf("fleet = %+v", out)
	}
	fi := out.Instances[0]
	zone := cheapestSpotZone("m5.large")
	if fi.InstanceType != "m5.large" || fi.Lifecycle != ec2types.InstanceLifecycleSpot ||
		aws.ToString(fi.LaunchTemplateAndOverrides.Overrides.SubnetId) != seed.SubnetIDs[zone] {
		t.Errorf("launched %+v, want spot m5.large in %s", fi, zone)
	}
	in, ok := s.Instance(fi.InstanceIds[0])
	if !ok || in.Zone != zone || in.Lifecycle != CapacitySpot || in.ImageID != seed.AMIs["amd64"] || in.LaunchTemplateID != lt ||
		in.Tags["karpenter.sh/nodeclaim"] != "default-abc" || in.Tags["from-template"] != "yes" || in.State != StateRunning {
		t.Errorf("instance = %+v", in)
	}

	desc, err := c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: fi.InstanceIds})
	if err != nil {
		t.Fatal(err)
	}
	got := desc.Reservations[0].Instances[0]
	if got.InstanceLifecycle != ec2types.InstanceLifecycleTypeSpot || aws.ToString(got.Placement.AvailabilityZone) != zone ||
		got.State.Name != ec2types.InstanceStateNameRunning || aws.ToString(got.PrivateDnsName) == "" || got.LaunchTime == nil ||
		len(got.SecurityGroups) != 1 || aws.ToString(got.SecurityGroups[0].GroupId) != seed.SecurityGroupID {
		t.Errorf("described instance = %+v", got)
	}
	if f := s.Fleets(); len(f) != 1 || f[0].CapacityType != CapacitySpot || len(f[0].Overrides) != 6 || f[0].SpotAllocation != "price-capacity-optimized" {
		t.Errorf("recorded fleet = %+v", f)
	}
}

func TestCreateFleetReportsInsufficientCapacityPerOverride(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	s.SetInsufficientCapacity("m5.large", "", CapacitySpot)

	out, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Instances) != 0 || len(out.Errors) != 3 {
		t.Fatalf("fleet = %+v, want no instances and an error per zone", out)
	}
	for _, e := range out.Errors {
		if aws.ToString(e.ErrorCode) != ErrInsufficientInstanceCapacity || e.LaunchTemplateAndOverrides.Overrides.InstanceType != "m5.large" ||
			aws.ToString(e.LaunchTemplateAndOverrides.Overrides.SubnetId) == "" || e.Lifecycle != ec2types.InstanceLifecycleSpot {
			t.Errorf("fleet error %+v", e)
		}
	}

	// On-demand has capacity: the fault was for spot only.
	od, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeOnDemand, "m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	if len(od.Instances) != 1 || od.Instances[0].Lifecycle != ec2types.InstanceLifecycleOnDemand {
		t.Errorf("on-demand fleet = %+v", od)
	}
	if in, _ := s.Instance(od.Instances[0].InstanceIds[0]); in.Lifecycle != CapacityOnDemand {
		t.Errorf("instance lifecycle %q", in.Lifecycle)
	}
}

func TestCreateFleetFallsBackPastRefusedOverrides(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	zone := cheapestSpotZone("m5.large")
	s.AddCapacityFault(CapacityFault{InstanceType: "m5.large", Zone: zone, CapacityType: CapacitySpot, Code: ErrUnfulfillableCapacity})

	out, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Errors) != 1 || aws.ToString(out.Errors[0].ErrorCode) != ErrUnfulfillableCapacity ||
		aws.ToString(out.Errors[0].LaunchTemplateAndOverrides.Overrides.SubnetId) != seed.SubnetIDs[zone] {
		t.Errorf("errors = %+v, want UnfulfillableCapacity for %s", out.Errors, zone)
	}
	if len(out.Instances) != 1 || aws.ToString(out.Instances[0].LaunchTemplateAndOverrides.Overrides.SubnetId) == seed.SubnetIDs[zone] {
		t.Errorf("instances = %+v, want one outside %s", out.Instances, zone)
	}
}

func TestCreateFleetHonoursTheSpotLimit(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	s.SetSpotInstanceLimit(1)
	if _, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large")); err != nil {
		t.Fatal(err)
	}
	out, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	if len(out.Instances) != 0 || len(out.Errors) == 0 || aws.ToString(out.Errors[0].ErrorCode) != ErrMaxSpotInstanceCountExceeded {
		t.Errorf("second spot fleet = %+v, want MaxSpotInstanceCountExceeded", out)
	}
}

func TestCreateFleetWithAMissingLaunchTemplateFails(t *testing.T) {
	_, c, ctx, seed, _ := launchSetup(t)
	_, err := c.ec2.CreateFleet(ctx, fleetInput("lt-missing", seed, ec2types.DefaultTargetCapacityTypeSpot, "m5.large"))
	if code := errorCode(t, err); code != "InvalidLaunchTemplateId.NotFound" {
		t.Errorf("code %q", code)
	}
}

func TestDescribeTerminateAndTagInstances(t *testing.T) {
	s, c, ctx, seed, lt := launchSetup(t)
	launched, err := c.ec2.CreateFleet(ctx, fleetInput(lt, seed, ec2types.DefaultTargetCapacityTypeOnDemand, "m5.large"))
	if err != nil {
		t.Fatal(err)
	}
	id := launched.Instances[0].InstanceIds[0]
	orphan := s.AddInstance(Instance{InstanceType: "c5.large", Zone: "us-east-1b", SubnetID: seed.SubnetIDs["us-east-1b"], Tags: map[string]string{"kubernetes.io/cluster/demo": "owned"}})
	s.AddInstance(Instance{InstanceType: "c5.large", Zone: "us-east-1b", Tags: map[string]string{"team": "other"}})

	ids := func(in *ec2.DescribeInstancesInput) []string {
		t.Helper()
		var out []string
		p := ec2.NewDescribeInstancesPaginator(c.ec2, in)
		for p.HasMorePages() {
			page, err := p.NextPage(ctx)
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page.Reservations {
				for _, i := range r.Instances {
					out = append(out, aws.ToString(i.InstanceId))
				}
			}
		}
		return out
	}
	cluster := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{
		{Name: aws.String("tag-key"), Values: []string{"kubernetes.io/cluster/demo"}},
		{Name: aws.String("instance-state-name"), Values: []string{"pending", "running", "stopping", "stopped", "shutting-down"}},
	}, MaxResults: aws.Int32(5)}
	if got := ids(cluster); len(got) != 2 || got[0] != id || got[1] != orphan.ID {
		t.Fatalf("cluster instances = %v, want %s and %s", got, id, orphan.ID)
	}
	if got := ids(&ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("tag:karpenter.sh/nodeclaim"), Values: []string{"default-abc"}}}}); len(got) != 1 || got[0] != id {
		t.Errorf("by nodeclaim tag = %v", got)
	}

	if _, err := c.ec2.CreateTags(ctx, &ec2.CreateTagsInput{Resources: []string{id}, Tags: []ec2types.Tag{{Key: aws.String("Name"), Value: aws.String("node-1")}}}); err != nil {
		t.Fatal(err)
	}
	if in, _ := s.Instance(id); in.Tags["Name"] != "node-1" {
		t.Errorf("tags after CreateTags = %v", in.Tags)
	}

	for range 2 { // idempotent
		out, err := c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{id}})
		if err != nil {
			t.Fatal(err)
		}
		if st := out.TerminatingInstances[0].CurrentState.Name; st != ec2types.InstanceStateNameShuttingDown && st != ec2types.InstanceStateNameTerminated {
			t.Errorf("terminating state %q", st)
		}
	}
	if got := ids(cluster); len(got) != 1 || got[0] != orphan.ID {
		t.Errorf("live cluster instances after terminating %s: %v", id, got)
	}
	if in, _ := s.Instance(id); in.State != StateTerminated {
		t.Errorf("state %q, want terminated", in.State)
	}
	_, err = c.ec2.DescribeInstances(ctx, &ec2.DescribeInstancesInput{InstanceIds: []string{"i-missing"}})
	if code := errorCode(t, err); code != "InvalidInstanceID.NotFound" {
		t.Errorf("missing instance: code %q", code)
	}
	_, err = c.ec2.TerminateInstances(ctx, &ec2.TerminateInstancesInput{InstanceIds: []string{"i-missing"}})
	if code := errorCode(t, err); code != "InvalidInstanceID.NotFound" {
		t.Errorf("terminating a missing instance: code %q", code)
	}
}
