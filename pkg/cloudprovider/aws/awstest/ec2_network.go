package awstest

import (
	"fmt"
	"slices"
	"strconv"
)

// AddSubnet adds a subnet, filling in an empty ID, VPC, zone ID, CIDR and free address count.
func (s *Server) AddSubnet(sn Subnet) Subnet {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sn.ID == "" {
		sn.ID = s.nextID("subnet")
	}
	if sn.VPCID == "" {
		sn.VPCID = "vpc-00000000000000001"
	}
	if sn.ZoneID == "" && len(sn.Zone) > 0 {
		sn.ZoneID = "use1-az" + strconv.Itoa(int(sn.Zone[len(sn.Zone)-1]-'a'+1))
	}
	if sn.CIDR == "" {
		sn.CIDR = fmt.Sprintf("10.0.%d.0/24", len(s.subnets))
	}
	if sn.AvailableIPAddressCount == 0 {
		sn.AvailableIPAddressCount = 251
	}
	sn.Tags = cloneTags(sn.Tags)
	s.vpcs[sn.VPCID] = true
	s.subnets[sn.ID] = &sn
	return sn
}

// AddSecurityGroup adds a security group, filling in an empty ID and VPC.
func (s *Server) AddSecurityGroup(sg SecurityGroup) SecurityGroup {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sg.ID == "" {
		sg.ID = s.nextID("sg")
	}
	if sg.VPCID == "" {
		sg.VPCID = "vpc-00000000000000001"
	}
	sg.Tags = cloneTags(sg.Tags)
	s.securityGroups[sg.ID] = &sg
	return sg
}

// DeleteSubnet removes a subnet, as when someone deletes it behind the agent's back.
func (s *Server) DeleteSubnet(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.subnets, id)
}

// DeleteSecurityGroup removes a security group.
func (s *Server) DeleteSecurityGroup(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.securityGroups, id)
}

type subnetXML struct {
	SubnetID                string   `xml:"subnetId"`
	SubnetArn               string   `xml:"subnetArn"`
	State                   string   `xml:"state"`
	VpcID                   string   `xml:"vpcId"`
	OwnerID                 string   `xml:"ownerId"`
	CidrBlock               string   `xml:"cidrBlock"`
	AvailableIPAddressCount int32    `xml:"availableIpAddressCount"`
	AvailabilityZone        string   `xml:"availabilityZone"`
	AvailabilityZoneID      string   `xml:"availabilityZoneId"`
	DefaultForAz            bool     `xml:"defaultForAz"`
	MapPublicIPOnLaunch     bool     `xml:"mapPublicIpOnLaunch"`
	TagSet                  []tagXML `xml:"tagSet>item"`
}

type describeSubnetsResponse struct {
	ec2Meta
	Subnets   []subnetXML `xml:"subnetSet>item"`
	NextToken string      `xml:"nextToken,omitempty"`
}

func (s *Server) describeSubnets(p params) (ec2Body, error) {
	ids, filters := p.strings("SubnetId"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.subnets[id] == nil {
			return nil, &apiError{status: 400, code: "InvalidSubnetID.NotFound", message: fmt.Sprintf("The subnet ID '%s' does not exist", id)}
		}
	}
	var out []subnetXML
	for _, id := range sortedKeys(s.subnets) {
		sn := s.subnets[id]
		if len(ids) > 0 && !slices.Contains(ids, id) {
			continue
		}
		ok, err := matchFilters(filters, sn.Tags, func(name string) ([]string, bool) {
			switch name {
			case "subnet-id":
				return oneOf(sn.ID), true
			case "vpc-id":
				return oneOf(sn.VPCID), true
			case "availability-zone":
				return oneOf(sn.Zone), true
			case "availability-zone-id":
				return oneOf(sn.ZoneID), true
			case "cidr-block", "cidr":
				return oneOf(sn.CIDR), true
			case "state":
				return oneOf("available"), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, subnetXML{
				SubnetID: sn.ID, SubnetArn: fmt.Sprintf("arn:aws:ec2:%s:%s:subnet/%s", Region, AccountID, sn.ID),
				State: "available", VpcID: sn.VPCID, OwnerID: AccountID, CidrBlock: sn.CIDR,
				AvailableIPAddressCount: sn.AvailableIPAddressCount, AvailabilityZone: sn.Zone,
				AvailabilityZoneID: sn.ZoneID, TagSet: tagsXML(sn.Tags),
			})
		}
	}
	pg, next, err := page(out, p, 0, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSubnetsResponse{Subnets: pg, NextToken: next}, nil
}

type securityGroupXML struct {
	GroupID          string   `xml:"groupId"`
	GroupName        string   `xml:"groupName"`
	GroupDescription string   `xml:"groupDescription"`
	VpcID            string   `xml:"vpcId"`
	OwnerID          string   `xml:"ownerId"`
	TagSet           []tagXML `xml:"tagSet>item"`
}

type describeSecurityGroupsResponse struct {
	ec2Meta
	SecurityGroups []securityGroupXML `xml:"securityGroupInfo>item"`
	NextToken      string             `xml:"nextToken,omitempty"`
}

func (s *Server) describeSecurityGroups(p params) (ec2Body, error) {
	ids, names, filters := p.strings("GroupId"), p.strings("GroupName"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.securityGroups[id] == nil {
			return nil, &apiError{status: 400, code: "InvalidGroup.NotFound", message: fmt.Sprintf("The security group '%s' does not exist", id)}
		}
	}
	var out []securityGroupXML
	for _, id := range sortedKeys(s.securityGroups) {
		sg := s.securityGroups[id]
		if len(ids) > 0 && !slices.Contains(ids, id) || len(names) > 0 && !slices.Contains(names, sg.Name) {
			continue
		}
		ok, err := matchFilters(filters, sg.Tags, func(name string) ([]string, bool) {
			switch name {
			case "group-id":
				return oneOf(sg.ID), true
			case "group-name":
				return oneOf(sg.Name), true
			case "vpc-id":
				return oneOf(sg.VPCID), true
			case "description":
				return oneOf(sg.Description), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, securityGroupXML{GroupID: sg.ID, GroupName: sg.Name, GroupDescription: sg.Description,
				VpcID: sg.VPCID, OwnerID: AccountID, TagSet: tagsXML(sg.Tags)})
		}
	}
	pg, next, err := page(out, p, 0, 1000)
	if err != nil {
		return nil, err
	}
	return &describeSecurityGroupsResponse{SecurityGroups: pg, NextToken: next}, nil
}

type availabilityZoneXML struct {
	ZoneName   string `xml:"zoneName"`
	ZoneID     string `xml:"zoneId"`
	ZoneType   string `xml:"zoneType"`
	ZoneState  string `xml:"zoneState"`
	RegionName string `xml:"regionName"`
}

type describeAvailabilityZonesResponse struct {
	ec2Meta
	Zones []availabilityZoneXML `xml:"availabilityZoneInfo>item"`
}

func (s *Server) describeAvailabilityZones(params) (ec2Body, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	seen := map[string]bool{}
	for _, zones := range s.offerings {
		for _, z := range zones {
			seen[z] = true
		}
	}
	out := &describeAvailabilityZonesResponse{}
	for _, z := range sortedKeys(seen) {
		out.Zones = append(out.Zones, availabilityZoneXML{ZoneName: z, ZoneID: "use1-az" + strconv.Itoa(int(z[len(z)-1]-'a'+1)),
			ZoneType: "availability-zone", ZoneState: "available", RegionName: Region})
	}
	return out, nil
}
