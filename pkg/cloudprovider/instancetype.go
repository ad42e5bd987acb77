// Package cloudprovider defines what the agent needs from a cloud: the instance types it can
// launch, with their offerings and prices, and the calls that create and delete instances.
package cloudprovider

import (
	"math"
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Well-known label keys that offerings vary on. The instance type carries every other label.
const (
	LabelCapacityType = "karpenter.sh/capacity-type"
	LabelZone         = corev1.LabelTopologyZone

	CapacityTypeSpot     = "spot"
	CapacityTypeOnDemand = "on-demand"
	CapacityTypeReserved = "reserved"
)

// InstanceType is one shape a cloud can launch. Labels hold the single-valued facts of the type
// (instance-type, arch, os, family, cpu, memory...); zone and capacity type vary per Offering, so
// they are not in Labels.
type InstanceType struct {
	Name   string
	Labels map[string]string
	// Capacity is what the node reports; Allocatable is what pods can request after kube-reserved,
	// system-reserved and eviction thresholds.
	Capacity    corev1.ResourceList
	Allocatable corev1.ResourceList
	Offerings   Offerings
}

// Offering is where and how an instance type can be bought.
type Offering struct {
	Zone         string
	CapacityType string
	// Price is in USD per hour.
	Price     float64
	Available bool
}

// Offerings is the set of offerings of one instance type.
type Offerings []Offering

// Available returns the offerings that can be launched now.
func (o Offerings) Available() Offerings {
	out := make(Offerings, 0, len(o))
	for _, of := range o {
		if of.Available {
			out = append(out, of)
		}
	}
	return out
}

// Cheapest returns the cheapest offering, or false when there is none.
func (o Offerings) Cheapest() (Offering, bool) {
	best, ok := Offering{Price: math.Inf(1)}, false
	for _, of := range o {
		if of.Price < best.Price {
			best, ok = of, true
		}
	}
	return best, ok
}

// SortByPrice sorts instance types by the price of their cheapest available offering; types with
// no available offering go last. The sort is stable so equal prices keep the caller's order.
func SortByPrice(its []*InstanceType) {
	price := make(map[*InstanceType]float64, len(its))
	for _, it := range its {
		p := math.Inf(1)
		if of, ok := it.Offerings.Available().Cheapest(); ok {
			p = of.Price
		}
		price[it] = p
	}
	sort.SliceStable(its, func(i, j int) bool { return price[its[i]] < price[its[j]] })
}

// Quantity returns the allocatable quantity of a resource, zero when absent.
func (it *InstanceType) Quantity(name corev1.ResourceName) resource.Quantity {
	if q, ok := it.Allocatable[name]; ok {
		return q
	}
	return resource.Quantity{}
}
