package catalog

import (
	"hash/fnv"
	"math"
	"slices"
	"strings"
)

// Type is the raw facts of one EC2 instance type, as the CSV snapshot records them. A zero
// number or empty string means the source has no value for that fact (for example no local
// NVMe, or a bandwidth AWS publishes only as "Moderate").
//
// The field order must match the generator's column order (internal/generate/parse.go): the
// generated literals are positional to keep the file small.
type Type struct {
	Name       string // e.g. "m5.large"
	Category   string // e.g. "m", "hpc"
	Family     string // e.g. "m5"
	Generation int
	Size       string // e.g. "large", "metal-24xl"
	Arch       string // "amd64" or "arm64"
	VCPU       int
	MemoryMiB  int
	// CPUManufacturer is "intel", "amd" or "aws" (Graviton).
	CPUManufacturer string
	// GPUName is set on every GPU type. GPUCount can still be 0: fractional-GPU types such as
	// g6f report zero whole GPUs, and Karpenter labels them so.
	GPUName         string
	GPUManufacturer string // "nvidia", "amd" or "habana"
	GPUCount        int
	GPUMemoryMiB    int // per GPU, not the total
	// AcceleratorName is a non-GPU ML accelerator: "inferentia", "inferentia2" or "trainium".
	AcceleratorName      string
	AcceleratorCount     int
	NetworkBandwidthMbps int
	LocalNVMeGiB         int
	Hypervisor           string // "nitro" or "xen"; empty for bare metal
	// MaxPods and the allocatable figures are Karpenter's own estimates for AL2023 without
	// prefix delegation, kept as they are so we schedule exactly as Karpenter would.
	MaxPods                  int
	AllocatableCPUMillicores int
	AllocatableMemoryMiB     int
	OnDemandPrice            float64 // USD per hour in us-east-1
}

// namedPrice is a price-only row of the generated file.
type namedPrice struct {
	name  string
	price float64
}

// Types returns all types that have facts, sorted by name. It returns a copy so callers cannot
// corrupt the catalog shared by everyone else.
func Types() []Type {
	return slices.Clone(types)
}

// Lookup returns the facts of the named type.
func Lookup(name string) (Type, bool) {
	i, ok := slices.BinarySearchFunc(types, name, func(t Type, n string) int {
		return strings.Compare(t.Name, n)
	})
	if !ok {
		return Type{}, false
	}
	return types[i], true
}

// OnDemandPrice returns the us-east-1 on-demand price in USD per hour. It also knows the few
// types that have a price but no facts, because the AWS provider uses it as its fallback price
// table and may meet those types in a live account.
func OnDemandPrice(name string) (float64, bool) {
	if t, ok := Lookup(name); ok {
		return t.OnDemandPrice, true
	}
	for _, p := range factlessPrices {
		if p.name == name {
			return p.price, true
		}
	}
	return 0, false
}

// SpotPrice returns a simulated spot price for the type in the zone, or 0 for an unknown type.
// The snapshot has no spot prices, so it derives one: between 30% and 70% of on-demand, the
// usual spot discount range, rounded to 4 decimals. The price is a pure function of name and
// zone so that simulations and tests are reproducible.
func SpotPrice(name, zone string) float64 {
	od, ok := OnDemandPrice(name)
	if !ok {
		return 0
	}
	return spotPrice(od, name, zone)
}

func spotPrice(onDemand float64, name, zone string) float64 {
	// FNV-1a is fully specified, unlike maphash, so the result cannot change between runs or
	// Go releases. The NUL separator keeps ("ab", "c") and ("a", "bc") apart.
	h := fnv.New64a()
	h.Write([]byte(name))
	h.Write([]byte{0})
	h.Write([]byte(zone))
	basisPoints := 3000 + h.Sum64()%4001 // 30.00% .. 70.00% of on-demand
	// Whole numbers of 1/10000 USD. Each step is a single IEEE operation, so no architecture
	// can fuse them (FMA) into a differently rounded result.
	p := math.Round(onDemand*float64(basisPoints)) / 1e4
	// Rounding to 4 decimals could step just outside the range for cheap types; clamp to the
	// nearest 4-decimal value inside it.
	lo := math.Ceil(onDemand*3000) / 1e4
	hi := math.Floor(onDemand*7000) / 1e4
	return min(max(p, lo), hi)
}
