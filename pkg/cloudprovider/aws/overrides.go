package aws

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"

	"github.com/karpenter-tools/kubectl-karpenter/pkg/cloudprovider"
)

// MaxInstanceTypes bounds the instance types of one CreateFleet request, as upstream does: enough
// for EC2 to find capacity, small enough for the request to stay fast.
const MaxInstanceTypes = 60

// choice is one instance type a launch offers EC2, with its offerings of the chosen capacity type.
type choice struct {
	it        *cloudprovider.InstanceType
	offerings cloudprovider.Offerings
	price     float64 // of the cheapest of those offerings
}

// launchPlan is what one CreateFleet request asks for.
type launchPlan struct {
	capacityType string
	choices      []choice
	// skipped are compatible offerings left out because they recently had no capacity.
	skipped []cloudprovider.OfferingKey
}

// planLaunch picks the capacity type and the instance types of a launch: spot when the NodeClaim
// allows it and a compatible spot offering is available (it is cheaper, and the agent replaces
// interrupted nodes), else on-demand; then the cheapest types, honouring the requirements'
// minValues, at most MaxInstanceTypes.
func planLaunch(its []*cloudprovider.InstanceType, reqs *cloudprovider.LaunchRequirements, requests corev1.ResourceList, unavailable func(cloudprovider.OfferingKey) bool) (launchPlan, error) {
	byType := map[string]map[*cloudprovider.InstanceType]cloudprovider.Offerings{}
	var plan launchPlan
	for _, it := range its {
		if !reqs.MatchesType(it.Labels) || !cloudprovider.Fits(requests, it.Allocatable) {
			continue
		}
		for _, of := range it.Offerings {
			if !reqs.MatchesOffering(of.Zone, of.CapacityType) {
				continue
			}
			key := cloudprovider.OfferingKey{InstanceType: it.Name, Zone: of.Zone, CapacityType: of.CapacityType}
			if !of.Available || unavailable(key) {
				plan.skipped = append(plan.skipped, key)
				continue
			}
			if byType[of.CapacityType] == nil {
				byType[of.CapacityType] = map[*cloudprovider.InstanceType]cloudprovider.Offerings{}
			}
			byType[of.CapacityType][it] = append(byType[of.CapacityType][it], of)
		}
	}
	for _, ct := range []string{cloudprovider.CapacityTypeSpot, cloudprovider.CapacityTypeOnDemand} {
		if len(byType[ct]) > 0 {
			plan.capacityType = ct
			break
		}
	}
	if plan.capacityType == "" {
		return plan, nil
	}
	choices := make([]choice, 0, len(byType[plan.capacityType]))
	for it, ofs := range byType[plan.capacityType] {
		cheapest, _ := ofs.Cheapest()
		choices = append(choices, choice{it: it, offerings: ofs, price: cheapest.Price})
	}
	sortChoices(choices)
	picked, err := pickTypes(choices, reqs.MinValues(), MaxInstanceTypes)
	if err != nil {
		return plan, err
	}
	plan.choices = picked
	return plan, nil
}

func sortChoices(choices []choice) {
	sort.Slice(choices, func(i, j int) bool {
		if choices[i].price != choices[j].price {
			return choices[i].price < choices[j].price
		}
		return choices[i].it.Name < choices[j].it.Name
	})
}

// pickTypes keeps the cheapest limit choices (already sorted by price), first making sure that
// every key with a minValues requirement has that many distinct values among them, each from the
// cheapest type that brings it.
func pickTypes(choices []choice, minValues map[string]int, limit int) ([]choice, error) {
	picked := map[string]bool{}
	var out []choice
	for _, key := range slices.Sorted(maps.Keys(minValues)) {
		want := minValues[key]
		all := map[string]bool{}
		for _, c := range choices {
			if v, ok := c.it.Labels[key]; ok {
				all[v] = true
			}
		}
		if len(all) < want {
			return nil, fmt.Errorf("minValues of %s is %d, but the compatible, available instance types have only %d distinct values (%s)",
				key, want, len(all), strings.Join(slices.Sorted(maps.Keys(all)), ", "))
		}
		covered := map[string]bool{}
		for _, c := range out {
			covered[c.it.Labels[key]] = true
		}
		for _, c := range choices {
			if len(covered) >= want {
				break
			}
			v, ok := c.it.Labels[key]
			if !ok || covered[v] || picked[c.it.Name] {
				continue
			}
			covered[v] = true
			picked[c.it.Name] = true
			out = append(out, c)
		}
	}
	for _, c := range choices {
		if len(out) >= limit {
			break
		}
		if !picked[c.it.Name] {
			picked[c.it.Name] = true
			out = append(out, c)
		}
	}
	sortChoices(out)
	return out, nil
}
