package awstest

import (
	"fmt"
	"slices"
	"strconv"
	"time"
)

// LaunchTemplates returns the launch templates, ordered by name.
func (s *Server) LaunchTemplates() []LaunchTemplate {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]LaunchTemplate, 0, len(s.launchTemplates))
	for _, lt := range s.launchTemplates {
		out = append(out, cloneLaunchTemplate(lt))
	}
	slices.SortFunc(out, func(a, b LaunchTemplate) int { return compare(a.Name, b.Name) })
	return out
}

func cloneLaunchTemplate(lt *LaunchTemplate) LaunchTemplate {
	c := *lt
	c.SecurityGroupIDs = slices.Clone(lt.SecurityGroupIDs)
	c.BlockDevices = slices.Clone(lt.BlockDevices)
	c.Tags, c.InstanceTags = cloneTags(lt.Tags), cloneTags(lt.InstanceTags)
	return c
}

func compare(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// launchTemplateByName finds a template; under mu.
func (s *Server) launchTemplateByName(name string) *LaunchTemplate {
	for _, lt := range s.launchTemplates {
		if lt.Name == name {
			return lt
		}
	}
	return nil
}

type launchTemplateXML struct {
	LaunchTemplateID     string   `xml:"launchTemplateId"`
	LaunchTemplateName   string   `xml:"launchTemplateName"`
	CreateTime           string   `xml:"createTime"`
	CreatedBy            string   `xml:"createdBy"`
	DefaultVersionNumber int64    `xml:"defaultVersionNumber"`
	LatestVersionNumber  int64    `xml:"latestVersionNumber"`
	TagSet               []tagXML `xml:"tagSet>item"`
}

func launchTemplateXMLOf(lt *LaunchTemplate) launchTemplateXML {
	return launchTemplateXML{LaunchTemplateID: lt.ID, LaunchTemplateName: lt.Name, CreateTime: ec2Time(lt.CreateTime),
		CreatedBy: fmt.Sprintf("arn:aws:iam::%s:role/karpenter", AccountID), DefaultVersionNumber: 1, LatestVersionNumber: 1,
		TagSet: tagsXML(lt.Tags)}
}

type launchTemplateResponse struct {
	ec2Meta
	LaunchTemplate launchTemplateXML `xml:"launchTemplate"`
}

func (s *Server) createLaunchTemplate(p params) (ec2Body, error) {
	name := p.get("LaunchTemplateName")
	if name == "" {
		return nil, &apiError{status: 400, code: "MissingParameter", message: "The request must contain the parameter LaunchTemplateName"}
	}
	d := p.sub("LaunchTemplateData")
	lt := &LaunchTemplate{
		Name: name, ImageID: d.get("ImageId"), InstanceType: d.get("InstanceType"), UserData: d.get("UserData"),
		SecurityGroupIDs:   d.strings("SecurityGroupId"),
		InstanceProfileARN: d.get("IamInstanceProfile.Arn"), InstanceProfile: d.get("IamInstanceProfile.Name"),
		MetadataOptions: MetadataOptions{
			HTTPEndpoint: d.get("MetadataOptions.HttpEndpoint"), HTTPTokens: d.get("MetadataOptions.HttpTokens"),
			HTTPProtocolIPv6: d.get("MetadataOptions.HttpProtocolIpv6"), InstanceMetadataTags: d.get("MetadataOptions.InstanceMetadataTags"),
		},
		Tags:         tagSpecs(p, "TagSpecification", "launch-template"),
		InstanceTags: tagSpecs(d, "TagSpecification", "instance"),
		CreateTime:   time.Now().UTC(),
	}
	hops, err := d.int("MetadataOptions.HttpPutResponseHopLimit", 0)
	if err != nil {
		return nil, invalidParameter("%v", err)
	}
	lt.MetadataOptions.HTTPPutResponseHopLimit = int32(hops)
	for _, bd := range d.list("BlockDeviceMapping") {
		dev := BlockDevice{DeviceName: bd.get("DeviceName"), VolumeType: bd.get("Ebs.VolumeType"), KMSKeyID: bd.get("Ebs.KmsKeyId"),
			Encrypted: bd.get("Ebs.Encrypted") == "true", DeleteOnTermination: bd.get("Ebs.DeleteOnTermination") == "true"}
		for key, dst := range map[string]*int32{"Ebs.VolumeSize": &dev.VolumeSizeGiB, "Ebs.Iops": &dev.IOPS, "Ebs.Throughput": &dev.Throughput} {
			n, err := bd.int(key, 0)
			if err != nil {
				return nil, invalidParameter("%v", err)
			}
			*dst = int32(n)
		}
		lt.BlockDevices = append(lt.BlockDevices, dev)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.launchTemplateByName(name) != nil {
		return nil, &apiError{status: 400, code: "InvalidLaunchTemplateName.AlreadyExistsException",
			message: fmt.Sprintf("Launch template name already in use: %s", name)}
	}
	if lt.ImageID != "" && s.images[lt.ImageID] == nil {
		return nil, &apiError{status: 400, code: "InvalidAMIID.NotFound", message: fmt.Sprintf("The image id '[%s]' does not exist", lt.ImageID)}
	}
	lt.ID = s.nextID("lt")
	s.launchTemplates[lt.ID] = lt
	return &launchTemplateResponse{LaunchTemplate: launchTemplateXMLOf(lt)}, nil
}

type describeLaunchTemplatesResponse struct {
	ec2Meta
	LaunchTemplates []launchTemplateXML `xml:"launchTemplates>item"`
	NextToken       string              `xml:"nextToken,omitempty"`
}

func (s *Server) describeLaunchTemplates(p params) (ec2Body, error) {
	ids, names, filters := p.strings("LaunchTemplateId"), p.strings("LaunchTemplateName"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.launchTemplates[id] == nil {
			return nil, &apiError{status: 400, code: "InvalidLaunchTemplateId.NotFound", message: fmt.Sprintf("The specified launch template, with template ID %s, does not exist.", id)}
		}
	}
	for _, n := range names {
		if s.launchTemplateByName(n) == nil {
			return nil, &apiError{status: 400, code: "InvalidLaunchTemplateName.NotFoundException",
				message: "At least one of the launch templates specified in the request does not exist."}
		}
	}
	var out []launchTemplateXML
	for _, id := range sortedKeys(s.launchTemplates) {
		lt := s.launchTemplates[id]
		if len(ids) > 0 && !slices.Contains(ids, id) || len(names) > 0 && !slices.Contains(names, lt.Name) {
			continue
		}
		ok, err := matchFilters(filters, lt.Tags, func(f string) ([]string, bool) {
			switch f {
			case "launch-template-name":
				return oneOf(lt.Name), true
			case "launch-template-id":
				return oneOf(lt.ID), true
			case "create-time":
				return oneOf(ec2Time(lt.CreateTime)), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, launchTemplateXMLOf(lt))
		}
	}
	pg, next, err := page(out, p, 0, 200)
	if err != nil {
		return nil, err
	}
	return &describeLaunchTemplatesResponse{LaunchTemplates: pg, NextToken: next}, nil
}

func (s *Server) deleteLaunchTemplate(p params) (ec2Body, error) {
	id, name := p.get("LaunchTemplateId"), p.get("LaunchTemplateName")
	s.mu.Lock()
	defer s.mu.Unlock()
	var lt *LaunchTemplate
	switch {
	case id != "":
		if lt = s.launchTemplates[id]; lt == nil {
			return nil, &apiError{status: 400, code: "InvalidLaunchTemplateId.NotFound", message: fmt.Sprintf("The specified launch template, with template ID %s, does not exist.", id)}
		}
	case name != "":
		if lt = s.launchTemplateByName(name); lt == nil {
			return nil, &apiError{status: 400, code: "InvalidLaunchTemplateName.NotFoundException",
				message: fmt.Sprintf("The specified launch template, with template name %s, does not exist.", name)}
		}
	default:
		return nil, &apiError{status: 400, code: "MissingParameter", message: "The request must contain the parameter launchTemplateName or launchTemplateId"}
	}
	delete(s.launchTemplates, lt.ID)
	return &launchTemplateResponse{LaunchTemplate: launchTemplateXMLOf(lt)}, nil
}

// versionNumber parses a launch template version reference; only "$Latest", "$Default" and 1 exist.
func versionNumber(v string) bool {
	if v == "" || v == "$Latest" || v == "$Default" {
		return true
	}
	n, err := strconv.Atoi(v)
	return err == nil && n == 1
}
