package awstest

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// AddInstance adds an instance as if launched outside the agent (an orphan, say), filling in an
// empty ID, state (running), lifecycle (on-demand), launch time and private address.
func (s *Server) AddInstance(in Instance) Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	if in.State == "" {
		in.State = StateRunning
	}
	if in.Lifecycle == "" {
		in.Lifecycle = CapacityOnDemand
	}
	if in.LaunchTime.IsZero() {
		in.LaunchTime = time.Now().UTC()
	}
	in.Tags = cloneTags(in.Tags)
	in.SecurityGroupIDs = slices.Clone(in.SecurityGroupIDs)
	return cloneInstance(s.addInstance(&in))
}

// addInstance stores in, filling in what a launch fills in; under mu.
func (s *Server) addInstance(in *Instance) *Instance {
	if in.ID == "" {
		in.ID = s.nextID("i")
	}
	if in.PrivateIP == "" {
		in.PrivateIP = fmt.Sprintf("10.0.%d.%d", (s.seq/250)%250, s.seq%250+4)
	}
	if in.PrivateDNSName == "" {
		in.PrivateDNSName = "ip-" + strings.ReplaceAll(in.PrivateIP, ".", "-") + ".ec2.internal"
	}
	if in.Architecture == "" {
		in.Architecture = "x86_64"
		if t := s.instanceTypes[in.InstanceType]; t != nil && len(t.Architectures) > 0 {
			in.Architecture = t.Architectures[0]
		}
	}
	if in.VPCID == "" {
		if sn := s.subnets[in.SubnetID]; sn != nil {
			in.VPCID = sn.VPCID
		}
	}
	s.instances[in.ID] = in
	s.instanceOrder = append(s.instanceOrder, in.ID)
	return in
}

// Instances returns every instance, terminated ones included, in launch order.
func (s *Server) Instances() []Instance {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Instance, 0, len(s.instanceOrder))
	for _, id := range s.instanceOrder {
		out = append(out, cloneInstance(s.instances[id]))
	}
	return out
}

// Instance returns the instance with the ID.
func (s *Server) Instance(id string) (Instance, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok {
		return Instance{}, false
	}
	return cloneInstance(in), true
}

// SetInstanceState moves an instance to a state, as EC2 does on its own (a spot reclaim, a stop).
func (s *Server) SetInstanceState(id, state string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	in, ok := s.instances[id]
	if !ok {
		return fmt.Errorf("no instance %s", id)
	}
	in.State = state
	return nil
}

func cloneInstance(in *Instance) Instance {
	c := *in
	c.Tags = cloneTags(in.Tags)
	c.SecurityGroupIDs = slices.Clone(in.SecurityGroupIDs)
	return c
}

// stateCodes are EC2's numeric instance state codes.
var stateCodes = map[string]int{StatePending: 0, StateRunning: 16, StateShuttingDown: 32, StateTerminated: 48, StateStopping: 64, StateStopped: 80}

type instanceStateXML struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

func stateXML(state string) instanceStateXML {
	return instanceStateXML{Code: stateCodes[state], Name: state}
}

type groupXML struct {
	GroupID   string `xml:"groupId"`
	GroupName string `xml:"groupName,omitempty"`
}

type instanceXML struct {
	InstanceID     string           `xml:"instanceId"`
	ImageID        string           `xml:"imageId"`
	InstanceState  instanceStateXML `xml:"instanceState"`
	PrivateDNSName string           `xml:"privateDnsName"`
	InstanceType   string           `xml:"instanceType"`
	LaunchTime     string           `xml:"launchTime"`
	Placement      struct {
		AvailabilityZone string `xml:"availabilityZone"`
		Tenancy          string `xml:"tenancy"`
	} `xml:"placement"`
	SubnetID           string     `xml:"subnetId,omitempty"`
	VpcID              string     `xml:"vpcId,omitempty"`
	PrivateIPAddress   string     `xml:"privateIpAddress"`
	GroupSet           []groupXML `xml:"groupSet>item"`
	Architecture       string     `xml:"architecture"`
	RootDeviceType     string     `xml:"rootDeviceType"`
	InstanceLifecycle  string     `xml:"instanceLifecycle,omitempty"`
	IamInstanceProfile *struct {
		Arn string `xml:"arn"`
		ID  string `xml:"id"`
	} `xml:"iamInstanceProfile,omitempty"`
	TagSet []tagXML `xml:"tagSet>item"`
}

func (s *Server) instanceXMLOf(in *Instance) instanceXML {
	x := instanceXML{InstanceID: in.ID, ImageID: in.ImageID, InstanceState: stateXML(in.State), PrivateDNSName: in.PrivateDNSName,
		InstanceType: in.InstanceType, LaunchTime: ec2Time(in.LaunchTime), SubnetID: in.SubnetID, VpcID: in.VPCID,
		PrivateIPAddress: in.PrivateIP, Architecture: in.Architecture, RootDeviceType: "ebs", TagSet: tagsXML(in.Tags)}
	x.Placement.AvailabilityZone, x.Placement.Tenancy = in.Zone, "default"
	if in.Lifecycle == CapacitySpot {
		// EC2 leaves instanceLifecycle out for on-demand instances.
		x.InstanceLifecycle = "spot"
	}
	for _, id := range in.SecurityGroupIDs {
		g := groupXML{GroupID: id}
		if sg := s.securityGroups[id]; sg != nil {
			g.GroupName = sg.Name
		}
		x.GroupSet = append(x.GroupSet, g)
	}
	if in.InstanceProfileARN != "" {
		x.IamInstanceProfile = &struct {
			Arn string `xml:"arn"`
			ID  string `xml:"id"`
		}{Arn: in.InstanceProfileARN, ID: "AIPA" + strings.ToUpper(in.ID[2:])}
	}
	return x
}

type reservationXML struct {
	ReservationID string        `xml:"reservationId"`
	OwnerID       string        `xml:"ownerId"`
	Instances     []instanceXML `xml:"instancesSet>item"`
}

type describeInstancesResponse struct {
	ec2Meta
	Reservations []reservationXML `xml:"reservationSet>item"`
	NextToken    string           `xml:"nextToken,omitempty"`
}

func (s *Server) describeInstances(p params) (ec2Body, error) {
	ids, filters := p.strings("InstanceId"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []string
	for _, id := range ids {
		if s.instances[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, instanceNotFound(missing)
	}
	var out []reservationXML
	for _, id := range s.instanceOrder {
		in := s.instances[id]
		if len(ids) > 0 && !slices.Contains(ids, id) {
			continue
		}
		ok, err := matchFilters(filters, in.Tags, func(f string) ([]string, bool) {
			switch f {
			case "instance-id":
				return oneOf(in.ID), true
			case "instance-state-name":
				return oneOf(in.State), true
			case "instance-type":
				return oneOf(in.InstanceType), true
			case "availability-zone":
				return oneOf(in.Zone), true
			case "subnet-id":
				return oneOf(in.SubnetID), true
			case "vpc-id":
				return oneOf(in.VPCID), true
			case "image-id":
				return oneOf(in.ImageID), true
			case "instance-lifecycle":
				if in.Lifecycle == CapacitySpot {
					return oneOf("spot"), true
				}
				return nil, true
			case "private-dns-name":
				return oneOf(in.PrivateDNSName), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, reservationXML{ReservationID: "r-" + in.ID[2:], OwnerID: AccountID, Instances: []instanceXML{s.instanceXMLOf(in)}})
		}
	}
	pg, next, err := page(out, p, 0, 1000)
	if err != nil {
		return nil, err
	}
	return &describeInstancesResponse{Reservations: pg, NextToken: next}, nil
}

func instanceNotFound(ids []string) *apiError {
	return &apiError{status: 400, code: "InvalidInstanceID.NotFound",
		message: fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(ids, ", "))}
}

type stateChangeXML struct {
	InstanceID    string           `xml:"instanceId"`
	CurrentState  instanceStateXML `xml:"currentState"`
	PreviousState instanceStateXML `xml:"previousState"`
}

type terminateInstancesResponse struct {
	ec2Meta
	Instances []stateChangeXML `xml:"instancesSet>item"`
}

// terminateInstances is idempotent like EC2's: terminating a terminated instance succeeds and
// reports it terminated. The instance stays visible, terminated, as EC2 keeps it for a while.
func (s *Server) terminateInstances(p params) (ec2Body, error) {
	ids := p.strings("InstanceId")
	if len(ids) == 0 {
		return nil, &apiError{status: 400, code: "MissingParameter", message: "The request must contain the parameter InstanceId"}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var missing []string
	for _, id := range ids {
		if s.instances[id] == nil {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		return nil, instanceNotFound(missing)
	}
	out := &terminateInstancesResponse{}
	for _, id := range ids {
		in := s.instances[id]
		prev, cur := in.State, StateShuttingDown
		if prev == StateTerminated {
			cur = StateTerminated
		}
		in.State = StateTerminated
		out.Instances = append(out.Instances, stateChangeXML{InstanceID: id, CurrentState: stateXML(cur), PreviousState: stateXML(prev)})
	}
	return out, nil
}

type emptyEC2Response struct {
	ec2Meta
	Return bool `xml:"return"`
}

func (s *Server) createTags(p params) (ec2Body, error) {
	ids, tags := p.strings("ResourceId"), tagsOf(p, "Tag")
	s.mu.Lock()
	defer s.mu.Unlock()
	targets := make([]map[string]string, 0, len(ids))
	for _, id := range ids {
		var t map[string]string
		switch {
		case s.instances[id] != nil:
			t = s.instances[id].Tags
		case s.launchTemplates[id] != nil:
			t = s.launchTemplates[id].Tags
		case s.subnets[id] != nil:
			t = s.subnets[id].Tags
		case s.securityGroups[id] != nil:
			t = s.securityGroups[id].Tags
		case s.images[id] != nil:
			t = s.images[id].Tags
		case strings.HasPrefix(id, "i-"):
			return nil, instanceNotFound([]string{id})
		default:
			return nil, invalidParameter("Invalid id: %q", id)
		}
		targets = append(targets, t)
	}
	for _, t := range targets {
		maps.Copy(t, tags)
	}
	return &emptyEC2Response{Return: true}, nil
}
