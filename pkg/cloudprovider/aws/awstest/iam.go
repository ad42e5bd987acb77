package awstest

import (
	"fmt"
	"net/http"
	"slices"
	"time"
)

// AddRole adds an IAM role, filling in an empty path ("/"), ARN and ID.
func (s *Server) AddRole(r Role) Role {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r.Path == "" {
		r.Path = "/"
	}
	if r.ARN == "" {
		r.ARN = fmt.Sprintf("arn:aws:iam::%s:role%s%s", AccountID, r.Path, r.Name)
	}
	if r.ID == "" {
		s.seq++
		r.ID = fmt.Sprintf("AROA%016X", s.seq)
	}
	r.Tags = cloneTags(r.Tags)
	s.roles[r.Name] = &r
	return r
}

// AddInstanceProfile adds an instance profile, as one created outside the agent, filling in an
// empty path ("/"), ARN and ID. Roles must name roles added with AddRole to be reported.
func (s *Server) AddInstanceProfile(p InstanceProfile) InstanceProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p.Path == "" {
		p.Path = "/"
	}
	if p.ARN == "" {
		p.ARN = fmt.Sprintf("arn:aws:iam::%s:instance-profile%s%s", AccountID, p.Path, p.Name)
	}
	if p.ID == "" {
		s.seq++
		p.ID = fmt.Sprintf("AIPA%016X", s.seq)
	}
	p.Roles, p.Tags = slices.Clone(p.Roles), cloneTags(p.Tags)
	s.profiles[p.Name] = &p
	return p
}

// InstanceProfiles returns the instance profiles, ordered by name.
func (s *Server) InstanceProfiles() []InstanceProfile {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]InstanceProfile, 0, len(s.profiles))
	for _, name := range sortedKeys(s.profiles) {
		p := *s.profiles[name]
		p.Roles, p.Tags = slices.Clone(p.Roles), cloneTags(p.Tags)
		out = append(out, p)
	}
	return out
}

func (s *Server) iamHandlers() map[string]iamHandler {
	return map[string]iamHandler{
		"GetRole":                       s.getRole,
		"GetInstanceProfile":            s.getInstanceProfile,
		"CreateInstanceProfile":         s.createInstanceProfile,
		"AddRoleToInstanceProfile":      s.addRoleToInstanceProfile,
		"RemoveRoleFromInstanceProfile": s.removeRoleFromInstanceProfile,
		"DeleteInstanceProfile":         s.deleteInstanceProfile,
		"TagInstanceProfile":            s.tagInstanceProfile,
	}
}

var iamCreateDate = time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339)

type iamTagXML struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

func iamTags(tags map[string]string) []iamTagXML {
	out := make([]iamTagXML, 0, len(tags))
	for _, k := range sortedKeys(tags) {
		out = append(out, iamTagXML{Key: k, Value: tags[k]})
	}
	return out
}

type roleXML struct {
	Path       string      `xml:"Path"`
	RoleName   string      `xml:"RoleName"`
	RoleID     string      `xml:"RoleId"`
	Arn        string      `xml:"Arn"`
	CreateDate string      `xml:"CreateDate"`
	Tags       []iamTagXML `xml:"Tags>member,omitempty"`
}

func roleXMLOf(r *Role) roleXML {
	return roleXML{Path: r.Path, RoleName: r.Name, RoleID: r.ID, Arn: r.ARN, CreateDate: iamCreateDate, Tags: iamTags(r.Tags)}
}

type instanceProfileXML struct {
	Path                string      `xml:"Path"`
	InstanceProfileName string      `xml:"InstanceProfileName"`
	InstanceProfileID   string      `xml:"InstanceProfileId"`
	Arn                 string      `xml:"Arn"`
	CreateDate          string      `xml:"CreateDate"`
	Roles               []roleXML   `xml:"Roles>member"`
	Tags                []iamTagXML `xml:"Tags>member,omitempty"`
}

// instanceProfileXMLOf renders a profile; under mu.
func (s *Server) instanceProfileXMLOf(p *InstanceProfile) instanceProfileXML {
	x := instanceProfileXML{Path: p.Path, InstanceProfileName: p.Name, InstanceProfileID: p.ID, Arn: p.ARN,
		CreateDate: iamCreateDate, Roles: []roleXML{}, Tags: iamTags(p.Tags)}
	for _, name := range p.Roles {
		if r := s.roles[name]; r != nil {
			x.Roles = append(x.Roles, roleXMLOf(r))
		}
	}
	return x
}

func noSuchEntity(kind, name string) *apiError {
	return &apiError{status: http.StatusNotFound, code: "NoSuchEntity", message: fmt.Sprintf("The %s with name %s cannot be found.", kind, name)}
}

func (s *Server) getRole(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.roles[p.get("RoleName")]
	if r == nil {
		return nil, noSuchEntity("role", p.get("RoleName"))
	}
	return struct {
		Role roleXML `xml:"Role"`
	}{roleXMLOf(r)}, nil
}

func (s *Server) getInstanceProfile(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip := s.profiles[p.get("InstanceProfileName")]
	if ip == nil {
		return nil, noSuchEntity("Instance Profile", p.get("InstanceProfileName"))
	}
	return struct {
		InstanceProfile instanceProfileXML `xml:"InstanceProfile"`
	}{s.instanceProfileXMLOf(ip)}, nil
}

func (s *Server) createInstanceProfile(p params) (any, error) {
	name, path := p.get("InstanceProfileName"), p.get("Path")
	if path == "" {
		path = "/"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.profiles[name] != nil {
		return nil, &apiError{status: http.StatusConflict, code: "EntityAlreadyExists", message: "Instance Profile " + name + " already exists."}
	}
	s.seq++
	ip := &InstanceProfile{Name: name, Path: path, ID: fmt.Sprintf("AIPA%016X", s.seq),
		ARN: fmt.Sprintf("arn:aws:iam::%s:instance-profile%s%s", AccountID, path, name), Tags: iamTagsOf(p)}
	s.profiles[name] = ip
	return struct {
		InstanceProfile instanceProfileXML `xml:"InstanceProfile"`
	}{s.instanceProfileXMLOf(ip)}, nil
}

// iamTagsOf reads the query protocol's "Tags.member.N.Key/Value".
func iamTagsOf(p params) map[string]string {
	tags := map[string]string{}
	for _, t := range p.list("Tags.member") {
		tags[t.get("Key")] = t.get("Value")
	}
	return tags
}

func (s *Server) addRoleToInstanceProfile(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip, role := s.profiles[p.get("InstanceProfileName")], p.get("RoleName")
	if ip == nil {
		return nil, noSuchEntity("Instance Profile", p.get("InstanceProfileName"))
	}
	if s.roles[role] == nil {
		return nil, noSuchEntity("role", role)
	}
	if len(ip.Roles) > 0 {
		// An instance profile holds one role, as in IAM.
		return nil, &apiError{status: http.StatusConflict, code: "LimitExceeded", message: "Cannot exceed quota for InstanceSessionsPerInstanceProfile: 1"}
	}
	ip.Roles = append(ip.Roles, role)
	return nil, nil
}

func (s *Server) removeRoleFromInstanceProfile(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip, role := s.profiles[p.get("InstanceProfileName")], p.get("RoleName")
	if ip == nil || !slices.Contains(ip.Roles, role) {
		return nil, noSuchEntity("role", role)
	}
	ip.Roles = slices.DeleteFunc(ip.Roles, func(r string) bool { return r == role })
	return nil, nil
}

func (s *Server) deleteInstanceProfile(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	name := p.get("InstanceProfileName")
	ip := s.profiles[name]
	if ip == nil {
		return nil, noSuchEntity("Instance Profile", name)
	}
	if len(ip.Roles) > 0 {
		return nil, &apiError{status: http.StatusConflict, code: "DeleteConflict", message: "Cannot delete entity, must remove roles from instance profile first."}
	}
	delete(s.profiles, name)
	return nil, nil
}

func (s *Server) tagInstanceProfile(p params) (any, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ip := s.profiles[p.get("InstanceProfileName")]
	if ip == nil {
		return nil, noSuchEntity("Instance Profile", p.get("InstanceProfileName"))
	}
	for k, v := range iamTagsOf(p) {
		ip.Tags[k] = v
	}
	return nil, nil
}
