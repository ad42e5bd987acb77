package awstest

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"
)

// Fleets returns the recorded CreateFleet calls, oldest first.
func (s *Server) Fleets() []Fleet {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fleet, 0, len(s.fleets))
	for _, f := range s.fleets {
		c := *f
		c.Overrides, c.InstanceIDs, c.Errors = slices.Clone(f.Overrides), slices.Clone(f.InstanceIDs), slices.Clone(f.Errors)
		c.Tags = cloneTags(f.Tags)
		out = append(out, c)
	}
	return out
}

type fleetSpecXML struct {
	LaunchTemplateID   string `xml:"launchTemplateId,omitempty"`
	LaunchTemplateName string `xml:"launchTemplateName,omitempty"`
	Version            string `xml:"version,omitempty"`
}

type fleetOverridesXML struct {
	InstanceType     string   `xml:"instanceType,omitempty"`
	SubnetID         string   `xml:"subnetId,omitempty"`
	AvailabilityZone string   `xml:"availabilityZone,omitempty"`
	ImageID          string   `xml:"imageId,omitempty"`
	Priority         *float64 `xml:"priority,omitempty"`
}

type launchTemplateAndOverridesXML struct {
	Spec      fleetSpecXML      `xml:"launchTemplateSpecification"`
	Overrides fleetOverridesXML `xml:"overrides"`
}

type fleetErrorXML struct {
	LaunchTemplateAndOverrides launchTemplateAndOverridesXML `xml:"launchTemplateAndOverrides"`
	Lifecycle                  string                        `xml:"lifecycle"`
	ErrorCode                  string                        `xml:"errorCode"`
	ErrorMessage               string                        `xml:"errorMessage"`
}

type fleetInstanceXML struct {
	LaunchTemplateAndOverrides launchTemplateAndOverridesXML `xml:"launchTemplateAndOverrides"`
	Lifecycle                  string                        `xml:"lifecycle"`
	InstanceIDs                []string                      `xml:"instanceIds>item"`
	InstanceType               string                        `xml:"instanceType"`
	AvailabilityZone           string                        `xml:"availabilityZone,omitempty"`
	SubnetID                   string                        `xml:"subnetId,omitempty"`
}

type createFleetResponse struct {
	ec2Meta
	FleetID   string             `xml:"fleetId"`
	Errors    []fleetErrorXML    `xml:"errorSet>item"`
	Instances []fleetInstanceXML `xml:"fleetInstanceSet>item"`
}

// candidate is one override with what CreateFleet needs to rank and launch it.
type candidate struct {
	lt       *LaunchTemplate
	spec     fleetSpecXML
	override FleetOverride
	hasPrio  bool
	price    float64
}

func (c candidate) xml() launchTemplateAndOverridesXML {
	o := fleetOverridesXML{InstanceType: c.override.InstanceType, SubnetID: c.override.SubnetID,
		AvailabilityZone: c.override.Zone, ImageID: c.override.ImageID}
	if c.hasPrio {
		p := c.override.Priority
		o.Priority = &p
	}
	return launchTemplateAndOverridesXML{Spec: c.spec, Overrides: o}
}

// createFleet supports type instant: it launches TotalTargetCapacity instances of the capacity
// type, trying overrides cheapest first (by Priority first under a prioritized strategy) and
// reporting each refused override in the error set, as EC2 does.
func (s *Server) createFleet(p params) (ec2Body, error) {
	if typ := p.get("Type"); typ != "instant" {
		return nil, invalidParameter("the test server supports only fleets of type instant, not %q", typ)
	}
	tc := p.sub("TargetCapacitySpecification")
	capacityType := tc.get("DefaultTargetCapacityType")
	if capacityType != CapacitySpot && capacityType != CapacityOnDemand {
		return nil, invalidParameter("DefaultTargetCapacityType must be spot or on-demand, not %q", capacityType)
	}
	total, err := tc.int("TotalTargetCapacity", 0)
	if err != nil || total < 1 {
		return nil, invalidParameter("TotalTargetCapacity must be a positive number")
	}
	strategy := p.get("SpotOptions.AllocationStrategy")
	if capacityType == CapacityOnDemand {
		strategy = p.get("OnDemandOptions.AllocationStrategy")
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	fleet := &Fleet{ID: "fleet-" + fmt.Sprintf("%08x-0000-4000-8000-%012x", s.seq, s.seq+1), Type: "instant", CapacityType: capacityType,
		TotalTargetCapacity: int32(total), SpotAllocation: p.get("SpotOptions.AllocationStrategy"),
		OnDemandAllocation: p.get("OnDemandOptions.AllocationStrategy"), CreateTime: time.Now().UTC(),
		Tags: tagSpecs(p, "TagSpecification", "instance")}
	s.seq++
	out := &createFleetResponse{FleetID: fleet.ID}
	refuse := func(c candidate, code, msg string) {
		out.Errors = append(out.Errors, fleetErrorXML{LaunchTemplateAndOverrides: c.xml(), Lifecycle: capacityType, ErrorCode: code, ErrorMessage: msg})
		fleet.Errors = append(fleet.Errors, FleetError{Code: code, Message: msg, InstanceType: c.override.InstanceType,
			SubnetID: c.override.SubnetID, Zone: c.override.Zone, Lifecycle: capacityType})
	}

	cands, err := s.fleetCandidates(p, capacityType)
	if err != nil {
		return nil, err
	}
	for _, c := range cands {
		fleet.Overrides = append(fleet.Overrides, c.override)
	}
	prioritized := strategy == "prioritized" || strategy == "capacity-optimized-prioritized"
	slices.SortStableFunc(cands, func(a, b candidate) int {
		if prioritized {
			if d := cmp.Compare(a.override.Priority, b.override.Priority); d != 0 {
				return d
			}
		}
		return cmp.Compare(a.price, b.price)
	})

	launched := 0
	for _, c := range cands {
		if launched == total {
			break
		}
		o := c.override
		switch {
		case o.Zone == "":
			refuse(c, "InvalidSubnetID.NotFound", fmt.Sprintf("The subnet ID '%s' does not exist", o.SubnetID))
			continue
		case math.IsInf(c.price, 1):
			refuse(c, ErrUnfulfillableCapacity, fmt.Sprintf("Unable to fulfill capacity due to your request configuration. %s is not offered as %s in %s.", o.InstanceType, capacityType, o.Zone))
			continue
		}
		if code := s.faults.capacityFault(o.InstanceType, o.Zone, capacityType); code != "" {
			refuse(c, code, capacityMessage(code, o))
			continue
		}
		if capacityType == CapacitySpot && s.faults.spotLimit > 0 && s.runningSpot() >= s.faults.spotLimit {
			refuse(c, ErrMaxSpotInstanceCountExceeded, "Max spot instance count exceeded")
			continue
		}
		for launched < total {
			in := s.launch(c, capacityType, fleet.Tags)
			launched++
			fleet.InstanceIDs = append(fleet.InstanceIDs, in.ID)
			out.Instances = appendFleetInstance(out.Instances, c, capacityType, in)
		}
	}
	s.fleets = append(s.fleets, fleet)
	return out, nil
}

func capacityMessage(code string, o FleetOverride) string {
	switch code {
	case ErrInsufficientInstanceCapacity:
		return fmt.Sprintf("We currently do not have sufficient %s capacity in the Availability Zone you requested (%s). Our system will be working on provisioning additional capacity.", o.InstanceType, o.Zone)
	case ErrMaxSpotInstanceCountExceeded:
		return "Max spot instance count exceeded"
	}
	return "There is no Spot capacity available that matches your request."
}

func appendFleetInstance(list []fleetInstanceXML, c candidate, capacityType string, in *Instance) []fleetInstanceXML {
	for i := range list {
		if list[i].InstanceType == in.InstanceType && list[i].SubnetID == in.SubnetID {
			list[i].InstanceIDs = append(list[i].InstanceIDs, in.ID)
			return list
		}
	}
	return append(list, fleetInstanceXML{LaunchTemplateAndOverrides: c.xml(), Lifecycle: capacityType, InstanceIDs: []string{in.ID},
		InstanceType: in.InstanceType, AvailabilityZone: in.Zone, SubnetID: in.SubnetID})
}

// fleetCandidates reads the launch template configs and their overrides; under mu.
func (s *Server) fleetCandidates(p params, capacityType string) ([]candidate, error) {
	var out []candidate
	for _, cfg := range p.list("LaunchTemplateConfigs") {
		spec := cfg.sub("LaunchTemplateSpecification")
		var lt *LaunchTemplate
		switch id, name := spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName"); {
		case id != "":
			if lt = s.launchTemplates[id]; lt == nil {
				return nil, &apiError{status: 400, code: "InvalidLaunchTemplateId.NotFound", message: fmt.Sprintf("The specified launch template, with template ID %s, does not exist.", id)}
			}
		case name != "":
			if lt = s.launchTemplateByName(name); lt == nil {
				return nil, &apiError{status: 400, code: "InvalidLaunchTemplateName.NotFoundException", message: fmt.Sprintf("The specified launch template, with template name %s, does not exist.", name)}
			}
		default:
			return nil, invalidParameter("a launch template config names no launch template")
		}
		if v := spec.get("Version"); !versionNumber(v) {
			return nil, &apiError{status: 400, code: "InvalidLaunchTemplateId.VersionNotFound", message: fmt.Sprintf("Could not find launch template version %s", v)}
		}
		sx := fleetSpecXML{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, Version: spec.get("Version")}
		overrides := cfg.list("Overrides")
		if len(overrides) == 0 {
			return nil, invalidParameter("the test server needs overrides naming instance type and subnet")
		}
		for _, ov := range overrides {
			o := FleetOverride{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, InstanceType: ov.get("InstanceType"),
				SubnetID: ov.get("SubnetId"), Zone: ov.get("AvailabilityZone"), ImageID: ov.get("ImageId")}
			if o.InstanceType == "" {
				o.InstanceType = lt.InstanceType
			}
			if sn := s.subnets[o.SubnetID]; sn != nil {
				o.Zone = sn.Zone
			} else if o.SubnetID != "" {
				o.Zone = ""
			}
			c := candidate{lt: lt, spec: sx, hasPrio: ov.get("Priority") != ""}
			if c.hasPrio {
				pr, err := strconv.ParseFloat(ov.get("Priority"), 64)
				if err != nil {
					return nil, invalidParameter("Priority %q is not a number", ov.get("Priority"))
				}
				o.Priority = pr
			}
			c.override = o
			c.price = s.price(o.InstanceType, o.Zone, capacityType)
			out = append(out, c)
		}
	}
	if len(out) == 0 {
		return nil, invalidParameter("CreateFleet needs at least one launch template config")
	}
	return out, nil
}

// price of an offering, +Inf when it is not offered; under mu.
func (s *Server) price(instanceType, zone, capacityType string) float64 {
	if s.instanceTypes[instanceType] == nil || !slices.Contains(s.offerings[instanceType], zone) {
		return math.Inf(1)
	}
	if capacityType == CapacitySpot {
		if p, ok := s.spotPrices[instanceType][zone]; ok {
			return p
		}
		return math.Inf(1)
	}
	if p, ok := s.onDemandPrices[instanceType]; ok {
		return p
	}
	return math.Inf(1)
}

// runningSpot counts live spot instances; under mu.
func (s *Server) runningSpot() int {
	n := 0
	for _, in := range s.instances {
		if in.Lifecycle == CapacitySpot && (in.State == StatePending || in.State == StateRunning) {
			n++
		}
	}
	return n
}

// launch starts one instance of the candidate; under mu. Instances start running at once: there
// is no boot to wait for.
func (s *Server) launch(c candidate, capacityType string, tags map[string]string) *Instance {
	all := cloneTags(c.lt.InstanceTags)
	maps.Copy(all, tags)
	image := c.override.ImageID
	if image == "" {
		image = c.lt.ImageID
	}
	profile := c.lt.InstanceProfileARN
	if profile == "" && c.lt.InstanceProfile != "" {
		if ip := s.profiles[c.lt.InstanceProfile]; ip != nil {
			profile = ip.ARN
		} else {
			profile = fmt.Sprintf("arn:aws:iam::%s:instance-profile/%s", AccountID, c.lt.InstanceProfile)
		}
	}
	return s.addInstance(&Instance{
		InstanceType: c.override.InstanceType, Zone: c.override.Zone, SubnetID: c.override.SubnetID, ImageID: image,
		Lifecycle: capacityType, LaunchTemplateID: c.lt.ID, LaunchTemplateName: c.lt.Name,
		SecurityGroupIDs: slices.Clone(c.lt.SecurityGroupIDs), InstanceProfileARN: profile,
		State: StateRunning, LaunchTime: time.Now().UTC(), Tags: all,
	})
}
