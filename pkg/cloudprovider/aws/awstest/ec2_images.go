package awstest

import (
	"fmt"
	"slices"
	"time"
)

// amazonOwnerID owns the public EKS-optimized AMIs; Owners=["amazon"] selects it.
const amazonOwnerID = "137112412989"

// AddImage adds an AMI, filling in an empty ID, owner (this account), state ("available") and
// creation date.
func (s *Server) AddImage(img Image) Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	if img.ID == "" {
		img.ID = s.nextID("ami")
	}
	if img.OwnerID == "" {
		img.OwnerID = AccountID
	}
	if img.State == "" {
		img.State = "available"
	}
	if img.Architecture == "" {
		img.Architecture = "x86_64"
	}
	if img.CreationDate.IsZero() {
		img.CreationDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(s.seq) * time.Minute)
	}
	img.Tags = cloneTags(img.Tags)
	s.images[img.ID] = &img
	return img
}

// DeleteImage deregisters an AMI.
func (s *Server) DeleteImage(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.images, id)
}

type imageXML struct {
	ImageID            string   `xml:"imageId"`
	Name               string   `xml:"name"`
	ImageOwnerID       string   `xml:"imageOwnerId"`
	ImageState         string   `xml:"imageState"`
	Architecture       string   `xml:"architecture"`
	CreationDate       string   `xml:"creationDate"`
	ImageType          string   `xml:"imageType"`
	IsPublic           bool     `xml:"isPublic"`
	RootDeviceType     string   `xml:"rootDeviceType"`
	RootDeviceName     string   `xml:"rootDeviceName"`
	VirtualizationType string   `xml:"virtualizationType"`
	Hypervisor         string   `xml:"hypervisor"`
	TagSet             []tagXML `xml:"tagSet>item"`
}

type describeImagesResponse struct {
	ec2Meta
	Images    []imageXML `xml:"imagesSet>item"`
	NextToken string     `xml:"nextToken,omitempty"`
}

func (s *Server) describeImages(p params) (ec2Body, error) {
	ids, owners, filters := p.strings("ImageId"), p.strings("Owner"), filtersOf(p)
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range ids {
		if s.images[id] == nil {
			return nil, &apiError{status: 400, code: "InvalidAMIID.NotFound", message: fmt.Sprintf("The image id '[%s]' does not exist", id)}
		}
	}
	var out []imageXML
	for _, id := range sortedKeys(s.images) {
		img := s.images[id]
		if len(ids) > 0 && !slices.Contains(ids, id) || len(owners) > 0 && !ownedBy(img, owners) {
			continue
		}
		ok, err := matchFilters(filters, img.Tags, func(name string) ([]string, bool) {
			switch name {
			case "image-id":
				return oneOf(img.ID), true
			case "name":
				return oneOf(img.Name), true
			case "owner-id":
				return oneOf(img.OwnerID), true
			case "architecture":
				return oneOf(img.Architecture), true
			case "state":
				return oneOf(img.State), true
			}
			return nil, false
		})
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, imageXML{ImageID: img.ID, Name: img.Name, ImageOwnerID: img.OwnerID, ImageState: img.State,
				Architecture: img.Architecture, CreationDate: ec2Time(img.CreationDate), ImageType: "machine",
				IsPublic: img.OwnerID == amazonOwnerID, RootDeviceType: "ebs", RootDeviceName: "/dev/xvda",
				VirtualizationType: "hvm", Hypervisor: "xen", TagSet: tagsXML(img.Tags)})
		}
	}
	pg, next, err := page(out, p, 0, 1000)
	if err != nil {
		return nil, err
	}
	return &describeImagesResponse{Images: pg, NextToken: next}, nil
}

// ownedBy understands the Owners aliases "self" and "amazon" besides account IDs.
func ownedBy(img *Image, owners []string) bool {
	for _, o := range owners {
		switch o {
		case img.OwnerID:
			return true
		case "self":
			if img.OwnerID == AccountID {
				return true
			}
		case "amazon":
			if img.OwnerID == amazonOwnerID {
				return true
			}
		}
	}
	return false
}
