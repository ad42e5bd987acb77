// Package price says what a node or NodeClaim costs per hour: the offering price the agent
// recorded on the NodeClaim when it has one, otherwise an estimate from the embedded EC2 catalog
// by the instance type, zone and capacity type labels.
package price

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"

	karpv1 "github.com/karpenter-tools/kubectl-karpenter/pkg/apis/karpenter/v1"
	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider/catalog"
)

// AnnotationKey is where the agent records the price of the offering it launched (USD/h).
const AnnotationKey = karpv1.PriceAnnotationKey

// HoursPerMonth converts hourly prices to monthly ones, as AWS's calculator does.
const HoursPerMonth = 730

// Source says where a price comes from.
type Source string

const (
	// Unknown means neither an offering price nor a catalog entry.
	Unknown Source = ""
	// Offering is the price of the offering the agent launched, recorded on the NodeClaim.
	Offering Source = "offering"
	// Catalog is estimated from the embedded catalog (us-east-1 on-demand, simulated spot).
	Catalog Source = "catalog"
)

// Price is an hourly price and where it comes from.
type Price struct {
	PerHour float64 `json:"perHour"`
	Source  Source  `json:"source,omitempty"`
}

// Known reports whether there is a price at all.
func (p Price) Known() bool { return p.Source != Unknown }

// Estimated reports whether the price comes from the catalog rather than the launch.
func (p Price) Estimated() bool { return p.Source == Catalog }

// String is "$0.0960", "$0.0960 est." or "-".
func (p Price) String() string {
	if !p.Known() {
		return "-"
	}
	s := Format(p.PerHour)
	if p.Estimated() {
		s += " est."
	}
	return s
}

// Format prints an amount of USD with four decimals, as EC2 prices are quoted.
func Format(usd float64) string { return fmt.Sprintf("$%.4f", usd) }

// FormatMonthly prints a monthly amount with two decimals.
func FormatMonthly(usdPerHour float64) string {
	return fmt.Sprintf("$%.2f", usdPerHour*HoursPerMonth)
}

// ForNodeClaim prices a NodeClaim: its recorded offering price, else the catalog estimate from
// its labels.
func ForNodeClaim(nc *karpv1.NodeClaim) Price {
	if nc == nil {
		return Price{}
	}
	if s, ok := nc.Annotations[AnnotationKey]; ok {
		if p, err := strconv.ParseFloat(s, 64); err == nil && p >= 0 {
			return Price{PerHour: p, Source: Offering}
		}
	}
	return FromLabels(nc.Labels)
}

// ForNode prices a node through its NodeClaim when it has one, else by its own labels.
func ForNode(node *corev1.Node, nc *karpv1.NodeClaim) Price {
	if p := ForNodeClaim(nc); p.Source == Offering {
		return p
	}
	if node == nil {
		return ForNodeClaim(nc)
	}
	if p := FromLabels(node.Labels); p.Known() {
		return p
	}
	return ForNodeClaim(nc)
}

// FromLabels estimates from the instance type, zone and capacity type labels: the catalog's
// on-demand price, or its simulated spot price in the zone. Reserved capacity is priced as
// on-demand, the most it can cost.
func FromLabels(labels map[string]string) Price {
	it := labels[corev1.LabelInstanceTypeStable]
	if it == "" {
		return Price{}
	}
	if labels[karpv1.CapacityTypeLabelKey] == karpv1.CapacityTypeSpot {
		if zone := labels[corev1.LabelTopologyZone]; zone != "" {
			if p := catalog.SpotPrice(it, zone); p > 0 {
				return Price{PerHour: p, Source: Catalog}
			}
		}
		return Price{}
	}
	if p, ok := catalog.OnDemandPrice(it); ok {
		return Price{PerHour: p, Source: Catalog}
	}
	return Price{}
}
