package awstest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
)

// jsonHandler answers one JSON-protocol action; the context ends with the request, which ends a
// long poll early.
type jsonHandler func(ctx context.Context, body []byte) (any, error)

type jsonService struct {
	contentType string
	// errorPrefix qualifies error types as the real services do ("com.amazonaws.sqs#").
	errorPrefix string
	handlers    map[string]jsonHandler
}

func (s *Server) jsonServices() map[string]jsonService {
	return map[string]jsonService{
		"AmazonSSM":           {contentType: "application/x-amz-json-1.1", handlers: s.ssmHandlers()},
		"AWSPriceListService": {contentType: "application/x-amz-json-1.1", handlers: s.pricingHandlers()},
		"AmazonSQS":           {contentType: "application/x-amz-json-1.0", errorPrefix: "com.amazonaws.sqs#", handlers: s.sqsHandlers()},
	}
}

func (s *Server) serveJSON(w http.ResponseWriter, ctx context.Context, target string, body []byte) {
	prefix, action, ok := strings.Cut(target, ".")
	svc, known := s.jsonServices()[prefix]
	if !ok || !known {
		writeJSONError(w, "application/x-amz-json-1.1", "", &apiError{status: http.StatusBadRequest, code: "UnknownOperationException", message: "unknown target " + target})
		return
	}
	h, ok := svc.handlers[action]
	if !ok {
		writeJSONError(w, svc.contentType, "", &apiError{status: http.StatusBadRequest, code: "UnknownOperationException", message: "unknown operation " + action})
		return
	}
	if f := s.count(action); f != nil {
		if f.throttle {
			writeJSONError(w, svc.contentType, "", &apiError{status: http.StatusBadRequest, code: "ThrottlingException", message: "Rate exceeded"})
			return
		}
		code := "ServiceUnavailableException"
		if f.status == http.StatusInternalServerError {
			code = "InternalServerError"
		}
		writeJSONError(w, svc.contentType, "", &apiError{status: f.status, code: code, message: "injected server error"})
		return
	}
	out, err := h(ctx, body)
	if err != nil {
		writeJSONError(w, svc.contentType, svc.errorPrefix, err)
		return
	}
	data, err := json.Marshal(out)
	if err != nil {
		http.Error(w, "encoding the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", svc.contentType)
	_, _ = w.Write(data)
}

// jsonError is an apiError with the awsQuery code that query-compatible services (SQS) also send.
type jsonError struct {
	apiError
	queryCode string
}

func writeJSONError(w http.ResponseWriter, contentType, prefix string, err error) {
	ae, queryCode := asAPIError(err), ""
	var je *jsonError
	if errors.As(err, &je) {
		ae, queryCode = &je.apiError, je.queryCode
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("X-Amzn-ErrorType", ae.code)
	if queryCode != "" {
		fault := "Sender"
		if ae.status >= http.StatusInternalServerError {
			fault = "Receiver"
		}
		w.Header().Set("X-Amzn-Query-Error", queryCode+";"+fault)
	}
	w.WriteHeader(ae.status)
	data, _ := json.Marshal(map[string]string{"__type": prefix + ae.code, "message": ae.message})
	_, _ = w.Write(data)
}

// decode reads a JSON request body into v.
func decode(body []byte, v any) error {
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return &apiError{status: http.StatusBadRequest, code: "SerializationException", message: err.Error()}
	}
	return nil
}
