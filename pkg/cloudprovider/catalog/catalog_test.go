package catalog

import (
	"math"
	"strings"
	"testing"
)

func TestTypesCountAndOrder(t *testing.T) {
	ts := Types()
	if len(ts) < 1360 {
		t.Fatalf("got %d types, want at least 1360", len(ts))
	}
	for i := 1; i < len(ts); i++ {
		if strings.Compare(ts[i-1].Name, ts[i].Name) >= 0 {
			t.Fatalf("types not strictly sorted at %q, %q: Lookup's binary search would miss", ts[i-1].Name, ts[i].Name)
		}
	}
	ts[0].Name = "mutated"
	if Types()[0].Name == "mutated" {
		t.Error("Types returned the catalog's own slice")
	}
}

func TestLookup(t *testing.T) {
	for _, ty := range Types() {
		got, ok := Lookup(ty.Name)
		if !ok || got != ty {
			t.Fatalf("Lookup(%q) = %+v, %v", ty.Name, got, ok)
		}
	}
	for _, name := range []string{"", "m5", "m5.huge", "cr1.8xlarge", "zzz.large"} {
		if _, ok := Lookup(name); ok {
			t.Errorf("Lookup(%q) found a type", name)
		}
	}
}

func TestOnDemandPrice(t *testing.T) {
	for name, want := range map[string]float64{
		"m5.large":     0.096,
		"p4d.24xlarge": 21.957642,
		"t4g.nano":     0.0042,
		// The fact-less rows keep their price for the AWS provider's fallback table.
		"cr1.8xlarge": 3.5,
		"g2.2xlarge":  0.65,
		"g2.8xlarge":  2.6,
	} {
		if got, ok := OnDemandPrice(name); !ok || got != want {
			t.Errorf("OnDemandPrice(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if p, ok := OnDemandPrice("m5.huge"); ok {
		t.Errorf("unknown type priced at %v", p)
	}
	for _, ty := range Types() {
		if !(ty.OnDemandPrice > 0) {
			t.Errorf("%s has price %v", ty.Name, ty.OnDemandPrice)
		}
	}
}

var testZones = []string{"us-east-1a", "us-east-1b", "us-east-1c", "us-west-2a", "eu-west-1b"}

func TestSpotPriceBounds(t *testing.T) {
	var names []string
	for _, ty := range Types() {
		names = append(names, ty.Name)
	}
	names = append(names, "cr1.8xlarge", "g2.2xlarge", "g2.8xlarge")
	minRatio, maxRatio := 1.0, 0.0
	for _, name := range names {
		od, _ := OnDemandPrice(name)
		for _, z := range testZones {
			p := SpotPrice(name, z)
			// A tiny slack absorbs the float64 error of computing the bounds themselves.
			if p < 0.3*od-1e-12 || p > 0.7*od+1e-12 {
				t.Errorf("SpotPrice(%s, %s) = %v outside 30%%..70%% of %v", name, z, p, od)
			}
			if scaled := p * 1e4; math.Abs(scaled-math.Round(scaled)) > 1e-6 {
				t.Errorf("SpotPrice(%s, %s) = %v has more than 4 decimals", name, z, p)
			}
			minRatio, maxRatio = min(minRatio, p/od), max(maxRatio, p/od)
		}
	}
	// A constant discount would pass the bounds; the spread shows the hash actually varies it.
	if minRatio > 0.32 || maxRatio < 0.68 {
		t.Errorf("spot ratios span only %.3f..%.3f, want most of 0.3..0.7", minRatio, maxRatio)
	}
	if p := SpotPrice("m5.huge", "us-east-1a"); p != 0 {
		t.Errorf("unknown type got spot price %v", p)
	}
}

func TestSpotPriceDeterministic(t *testing.T) {
	// Golden values computed independently (FNV-1a 64 of "name\x00zone" in Python), so a change
	// of hash, separator or rounding shows up here rather than as drifting simulations.
	for _, c := range []struct {
		name, zone string
		want       float64
	}{
		{"m5.large", "us-east-1a", 0.0595},
		{"m5.large", "us-east-1b", 0.0497},
		{"p4d.24xlarge", "us-west-2a", 7.4436},
		{"t4g.nano", "us-east-1c", 0.0026},
	} {
		for range 3 {
			if got := SpotPrice(c.name, c.zone); got != c.want {
				t.Errorf("SpotPrice(%s, %s) = %v, want %v", c.name, c.zone, got, c.want)
			}
		}
	}
}
