package awstest

import (
	"context"
	"fmt"
	"time"
)

// SetParameter stores an SSM parameter (a String), such as an AMI alias's image ID.
func (s *Server) SetParameter(name, value string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parameters[name] = value
}

// DeleteParameter removes an SSM parameter.
func (s *Server) DeleteParameter(name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.parameters, name)
}

func (s *Server) ssmHandlers() map[string]jsonHandler {
	return map[string]jsonHandler{
		"GetParameter":  s.getParameter,
		"GetParameters": s.getParameters,
	}
}

type ssmParameter struct {
	Name             string  `json:"Name"`
	Type             string  `json:"Type"`
	Value            string  `json:"Value"`
	Version          int64   `json:"Version"`
	DataType         string  `json:"DataType"`
	ARN              string  `json:"ARN"`
	LastModifiedDate float64 `json:"LastModifiedDate"`
}

// parameter returns the stored parameter; under mu.
func (s *Server) parameter(name string) (ssmParameter, bool) {
	v, ok := s.parameters[name]
	if !ok {
		return ssmParameter{}, false
	}
	dataType := "text"
	if len(v) > 4 && v[:4] == "ami-" {
		dataType = "aws:ec2:image"
	}
	return ssmParameter{Name: name, Type: "String", Value: v, Version: 1, DataType: dataType,
		ARN:              fmt.Sprintf("arn:aws:ssm:%s::parameter%s", Region, name),
		LastModifiedDate: float64(time.Date(2026, time.January, 1, 0, 0, 0, 0, time.UTC).Unix())}, true
}

func (s *Server) getParameter(_ context.Context, body []byte) (any, error) {
	var in struct{ Name string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.parameter(in.Name)
	if !ok {
		return nil, &apiError{status: 400, code: "ParameterNotFound", message: "Parameter " + in.Name + " not found."}
	}
	return map[string]any{"Parameter": p}, nil
}

func (s *Server) getParameters(_ context.Context, body []byte) (any, error) {
	var in struct{ Names []string }
	if err := decode(body, &in); err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	params, invalid := []ssmParameter{}, []string{}
	for _, n := range in.Names {
		if p, ok := s.parameter(n); ok {
			params = append(params, p)
		} else {
			invalid = append(invalid, n)
		}
	}
	return map[string]any{"Parameters": params, "InvalidParameters": invalid}, nil
}
