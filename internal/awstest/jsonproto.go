package awstest

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"strings"
)

// jsonProtocol implements the AWS JSON protocol (awsJson1_1) used by
// Organizations: POST / with the operation in the X-Amz-Target header
// ("TargetPrefix.Operation"), a JSON object body and JSON responses and
// errors ({"__type":"Code","Message":"..."}).
type jsonProtocol struct {
	target string // target prefix, e.g. "AWSOrganizationsV20161128"
}

// jsonContentType is the content type of awsJson1_1 requests and
// responses.
const jsonContentType = "application/x-amz-json-1.1"

// jsonAction runs one action and returns the value to marshal as the
// response body (nil for an empty object).
type jsonAction func(s *Server, req *request) (any, *apiError)

// detect reports whether req names one of this protocol's operations.
func (p jsonProtocol) detect(req *request) bool {
	return strings.HasPrefix(req.http.Header.Get("X-Amz-Target"), p.target+".")
}

// parse sets req.action from the target header and checks the body is a
// JSON object; actions decode it with decodeJSON.
func (p jsonProtocol) parse(req *request) *apiError {
	op, ok := strings.CutPrefix(req.http.Header.Get("X-Amz-Target"), p.target+".")
	if ok {
		req.action = op
	}
	if !ok || op == "" || req.http.Method != http.MethodPost {
		return errorf(http.StatusBadRequest, "UnknownOperationException", "")
	}
	if mt, _, _ := mime.ParseMediaType(req.http.Header.Get("Content-Type")); mt != jsonContentType {
		return errorf(http.StatusBadRequest, "UnknownOperationException", "")
	}
	body := bytes.TrimSpace(req.body)
	if len(body) > 0 && (body[0] != '{' || !json.Valid(body)) {
		return errorf(http.StatusBadRequest, "SerializationException", "Start of structure or map found where not expected.")
	}
	return nil
}

// decodeJSON decodes the request body into v, an input struct. Unknown
// members are ignored; members of the wrong type are a
// SerializationException.
func decodeJSON(req *request, v any) *apiError {
	body := bytes.TrimSpace(req.body)
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		return errorf(http.StatusBadRequest, "SerializationException", "%v", err)
	}
	return nil
}

// dispatch returns a service handler running the named actions.
func (p jsonProtocol) dispatch(actions map[string]jsonAction) func(*Server, *request) (response, *apiError) {
	return func(s *Server, req *request) (response, *apiError) {
		run := actions[req.action]
		if run == nil {
			return response{}, errorf(http.StatusBadRequest, "UnknownOperationException", "")
		}
		result, e := run(s, req)
		if e != nil {
			return response{}, e
		}
		body := []byte("{}")
		if result != nil {
			body = mustJSON(result)
		}
		return response{status: http.StatusOK, contentType: jsonContentType, body: body}, nil
	}
}

// jsonCommonErrors translates the emulator's authentication errors,
// named as in the query protocol, to the codes and statuses JSON-protocol
// services use for them. AWS's front end sends these with a namespaced
// __type and a lower-case "message" member.
var jsonCommonErrors = map[string]struct {
	code   string
	status int
}{
	"InvalidClientTokenId":       {"UnrecognizedClientException", http.StatusBadRequest},
	"SignatureDoesNotMatch":      {"InvalidSignatureException", http.StatusBadRequest},
	"IncompleteSignature":        {"IncompleteSignatureException", http.StatusBadRequest},
	"MissingAuthenticationToken": {"MissingAuthenticationTokenException", http.StatusBadRequest},
	"ExpiredToken":               {"ExpiredTokenException", http.StatusBadRequest},
	"RequestEntityTooLarge":      {"SerializationException", http.StatusRequestEntityTooLarge},
	"UnknownOperationException":  {"UnknownOperationException", http.StatusBadRequest},
	"SerializationException":     {"SerializationException", http.StatusBadRequest},
}

// errorResponse renders e as a JSON-protocol error.
func (p jsonProtocol) errorResponse(req *request, e *apiError) response {
	if c, ok := jsonCommonErrors[e.code]; ok {
		body := mustJSON(struct {
			Type    string `json:"__type"`
			Message string `json:"message,omitempty"`
		}{"com.amazon.coral.service#" + c.code, e.message})
		return response{status: c.status, contentType: jsonContentType, body: body}
	}
	body := mustJSON(struct {
		Type    string `json:"__type"`
		Message string `json:"Message"`
		Reason  string `json:"Reason,omitempty"`
	}{e.code, e.message, e.reason})
	return response{status: e.status, contentType: jsonContentType, body: body}
}
