package awstest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// API versions of the query-protocol services.
const (
	ec2Version = "2016-11-15"
	iamVersion = "2010-05-08"
	ec2XMLNS   = "http://ec2.amazonaws.com/doc/2016-11-15/"
	iamXMLNS   = "https://iam.amazonaws.com/doc/2010-05-08/"
)

// params reads the flattened keys of a query-protocol form ("Filter.1.Value.2") below a prefix.
type params struct {
	v      url.Values
	prefix string
}

func (p params) get(key string) string { return p.v.Get(p.prefix + key) }

func (p params) has(key string) bool {
	k := p.prefix + key
	for name := range p.v {
		if name == k || strings.HasPrefix(name, k+".") {
			return true
		}
	}
	return false
}

func (p params) sub(key string) params { return params{v: p.v, prefix: p.prefix + key + "."} }

// list returns the members key.1, key.2, ... until the first missing index, as the SDK numbers
// them densely from 1.
func (p params) list(key string) []params {
	var out []params
	for i := 1; p.has(key + "." + strconv.Itoa(i)); i++ {
		out = append(out, p.sub(key+"."+strconv.Itoa(i)))
	}
	return out
}

// strings returns the scalar members key.1, key.2, ...
func (p params) strings(key string) []string {
	var out []string
	for i := 1; ; i++ {
		k := p.prefix + key + "." + strconv.Itoa(i)
		if _, ok := p.v[k]; !ok {
			return out
		}
		out = append(out, p.v.Get(k))
	}
}

func (p params) int(key string, def int) (int, error) {
	s := p.get(key)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Errorf("%s%s is not a number: %q", p.prefix, key, s)
	}
	return n, nil
}

// apiError is an error answered in the service's own error format.
type apiError struct {
	status  int
	code    string
	message string
}

func (e *apiError) Error() string { return e.code + ": " + e.message }

func invalidParameter(format string, args ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, code: "InvalidParameterValue", message: fmt.Sprintf(format, args...)}
}

func (s *Server) serveQuery(w http.ResponseWriter, body []byte) {
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "parsing the form: "+err.Error(), http.StatusBadRequest)
		return
	}
	action, version := form.Get("Action"), form.Get("Version")
	p := params{v: form}
	switch version {
	case ec2Version:
		s.serveEC2(w, action, p)
	case iamVersion:
		s.serveIAM(w, action, p)
	default:
		http.Error(w, fmt.Sprintf("unknown API version %q", version), http.StatusBadRequest)
	}
}

// ec2Meta is embedded in every EC2 response body for its requestId element.
type ec2Meta struct {
	RequestID string `xml:"requestId"`
}

func (m *ec2Meta) setRequestID(id string) { m.RequestID = id }

type ec2Body interface{ setRequestID(string) }

// ec2Handler answers one EC2 action with a response body or an error.
type ec2Handler func(p params) (ec2Body, error)

func (s *Server) serveEC2(w http.ResponseWriter, action string, p params) {
	reqID := s.requestID()
	h, ok := s.ec2Handlers()[action]
	if !ok {
		writeEC2Error(w, reqID, &apiError{status: http.StatusBadRequest, code: "InvalidAction", message: "The action " + action + " is not valid for this web service."})
		return
	}
	if f := s.count(action); f != nil {
		if f.throttle {
			writeEC2Error(w, reqID, &apiError{status: http.StatusServiceUnavailable, code: "RequestLimitExceeded", message: "Request limit exceeded."})
			return
		}
		code := "Unavailable"
		if f.status == http.StatusInternalServerError {
			code = "InternalError"
		}
		writeEC2Error(w, reqID, &apiError{status: f.status, code: code, message: "injected server error"})
		return
	}
	out, err := h(p)
	if err != nil {
		writeEC2Error(w, reqID, err)
		return
	}
	out.setRequestID(reqID)
	writeXML(w, xml.StartElement{
		Name: xml.Name{Local: action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: ec2XMLNS}},
	}, out, nil)
}

// writeXML writes body's fields inside start, then the trailing elements, if any.
func writeXML(w http.ResponseWriter, start xml.StartElement, body any, trailer func(*xml.Encoder) error) {
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	err := enc.EncodeElement(body, start)
	if err == nil && trailer != nil {
		err = trailer(enc)
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	_, _ = w.Write([]byte(b.String()))
}

type ec2ErrorResponse struct {
	XMLName xml.Name `xml:"Response"`
	Errors  []struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Errors>Error"`
	RequestID string `xml:"RequestID"`
}

func writeEC2Error(w http.ResponseWriter, reqID string, err error) {
	ae := asAPIError(err)
	resp := ec2ErrorResponse{RequestID: reqID}
	resp.Errors = append(resp.Errors, struct {
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	}{ae.code, ae.message})
	out, _ := xml.Marshal(resp)
	w.Header().Set("Content-Type", "text/xml;charset=UTF-8")
	w.WriteHeader(ae.status)
	_, _ = w.Write(append([]byte(xml.Header), out...))
}

func asAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var je *jsonError
	if errors.As(err, &je) {
		return &je.apiError
	}
	return &apiError{status: http.StatusInternalServerError, code: "InternalError", message: err.Error()}
}

// iamHandler answers one IAM action with the body of its <Action>Result element.
type iamHandler func(p params) (any, error)

type iamErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string `xml:"Type"`
		Code    string `xml:"Code"`
		Message string `xml:"Message"`
	} `xml:"Error"`
	RequestID string `xml:"RequestId"`
}

func (s *Server) serveIAM(w http.ResponseWriter, action string, p params) {
	reqID := s.requestID()
	h, ok := s.iamHandlers()[action]
	if !ok {
		writeIAMError(w, reqID, &apiError{status: http.StatusBadRequest, code: "InvalidAction", message: "Could not find operation " + action})
		return
	}
	if f := s.count(action); f != nil {
		if f.throttle {
			writeIAMError(w, reqID, &apiError{status: http.StatusBadRequest, code: "Throttling", message: "Rate exceeded"})
			return
		}
		code := "ServiceUnavailable"
		if f.status == http.StatusInternalServerError {
			code = "ServiceFailure"
		}
		writeIAMError(w, reqID, &apiError{status: f.status, code: code, message: "injected server error"})
		return
	}
	out, err := h(p)
	if err != nil {
		writeIAMError(w, reqID, err)
		return
	}
	if out == nil {
		out = struct{}{}
	}
	var b strings.Builder
	b.WriteString(xml.Header)
	enc := xml.NewEncoder(&b)
	start := xml.StartElement{Name: xml.Name{Local: action + "Response"}, Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: iamXMLNS}}}
	err = enc.EncodeToken(start)
	if err == nil {
		err = enc.EncodeElement(out, xml.StartElement{Name: xml.Name{Local: action + "Result"}})
	}
	if err == nil {
		err = enc.EncodeElement(struct {
			RequestID string `xml:"RequestId"`
		}{reqID}, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml")
	_, _ = w.Write([]byte(b.String()))
}

func writeIAMError(w http.ResponseWriter, reqID string, err error) {
	ae := asAPIError(err)
	var resp iamErrorResponse
	resp.Xmlns = iamXMLNS
	resp.Error.Type = "Sender"
	if ae.status >= http.StatusInternalServerError {
		resp.Error.Type = "Receiver"
	}
	resp.Error.Code, resp.Error.Message, resp.RequestID = ae.code, ae.message, reqID
	out, _ := xml.Marshal(resp)
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(ae.status)
	_, _ = w.Write(append([]byte(xml.Header), out...))
}
