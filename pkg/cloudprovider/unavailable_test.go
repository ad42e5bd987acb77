package cloudprovider

import (
	"testing"
	"time"

	clocktesting "k8s.io/utils/clock/testing"
)

func TestUnavailableOfferingsExpire(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	u := NewUnavailableOfferings(clk, UnavailableTTL)
	k := OfferingKey{InstanceType: "m5.large", Zone: "us-east-1a", CapacityType: CapacityTypeSpot}
	other := OfferingKey{InstanceType: "m5.large", Zone: "us-east-1b", CapacityType: CapacityTypeSpot}

	u.MarkUnavailable(k)
	if !u.IsUnavailable(k) {
		t.Fatal("offering marked unavailable is reported available")
	}
	if u.IsUnavailable(other) {
		t.Fatal("an offering in another zone is reported unavailable")
	}
	clk.Step(UnavailableTTL - time.Second)
	if !u.IsUnavailable(k) {
		t.Fatal("offering became available before the TTL")
	}
	clk.Step(time.Second)
	if u.IsUnavailable(k) {
		t.Fatal("offering still unavailable after the TTL")
	}
}

func TestApplyCopiesAndMarks(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Unix(0, 0))
	u := NewUnavailableOfferings(clk, UnavailableTTL)
	it := &InstanceType{Name: "m5.large", Offerings: Offerings{
		{Zone: "us-east-1a", CapacityType: CapacityTypeSpot, Price: 0.03, Available: true},
		{Zone: "us-east-1a", CapacityType: CapacityTypeOnDemand, Price: 0.096, Available: true},
	}}
	untouched := &InstanceType{Name: "c5.large", Offerings: Offerings{{Zone: "us-east-1a", CapacityType: CapacityTypeSpot, Available: true}}}
	u.MarkUnavailable(OfferingKey{InstanceType: "m5.large", Zone: "us-east-1a", CapacityType: CapacityTypeSpot})

	got := u.Apply([]*InstanceType{it, untouched})
	if got[0] == it {
		t.Fatal("Apply modified a shared instance type instead of copying it")
	}
	if got[0].Offerings[0].Available || !got[0].Offerings[1].Available {
		t.Fatalf("offerings after Apply = %+v, want spot unavailable and on-demand available", got[0].Offerings)
	}
	if !it.Offerings[0].Available {
		t.Fatal("the input instance type was modified")
	}
	if got[1] != untouched {
		t.Fatal("an instance type with no unavailable offering was copied")
	}
	cheapest, ok := got[0].Offerings.Available().Cheapest()
	if !ok || cheapest.CapacityType != CapacityTypeOnDemand {
		t.Fatalf("cheapest available = %+v, want the on-demand offering", cheapest)
	}
}
