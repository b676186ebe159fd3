package awstest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// queryProtocol implements the AWS query protocol used by STS and IAM:
// form-encoded parameters (POST body or GET query string) with Action and
// Version, XML responses and errors.
type queryProtocol struct {
	version string // API version, e.g. "2011-06-15"
	xmlns   string // response namespace
}

// queryAction runs one action and returns the value to marshal as the
// <ActionResult> element (nil for none).
type queryAction func(s *Server, req *request) (any, *apiError)

// params collects the request's parameters from a form body and the URL
// query string.
func queryParams(r *http.Request, body []byte) (url.Values, error) {
	params := url.Values{}
	var firstErr error
	if r.Method == http.MethodPost {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		if mt == "application/x-www-form-urlencoded" {
			form, err := url.ParseQuery(string(body))
			firstErr = err
			for k, v := range form {
				params[k] = append(params[k], v...)
			}
		}
	}
	query, err := url.ParseQuery(r.URL.RawQuery)
	if firstErr == nil {
		firstErr = err
	}
	for k, v := range query {
		params[k] = append(params[k], v...)
	}
	return params, firstErr
}

// detect reports whether req carries this protocol's Version.
func (q queryProtocol) detect(req *request) bool {
	params, _ := queryParams(req.http, req.body)
	return params.Get("Version") == q.version
}

// parse sets req.params and req.action.
func (q queryProtocol) parse(req *request) *apiError {
	params, err := queryParams(req.http, req.body)
	req.params = params
	req.action = params.Get("Action")
	if err != nil {
		return errorf(http.StatusBadRequest, "MalformedQueryString", "The request parameters are not validly encoded: %v", err)
	}
	return nil
}

// dispatch returns a service handler running the named actions.
func (q queryProtocol) dispatch(actions map[string]queryAction) func(*Server, *request) (response, *apiError) {
	return func(s *Server, req *request) (response, *apiError) {
		version, _ := req.param("Version")
		run := actions[req.action]
		if run == nil || version != q.version {
			return response{}, errorf(http.StatusBadRequest, "InvalidAction", "Could not find operation %s for version %s", req.action, version)
		}
		result, e := run(s, req)
		if e != nil {
			return response{}, e
		}
		return q.render(req, result), nil
	}
}

// render wraps result as AWS does:
// <ActionResponse xmlns=...><ActionResult>...</ActionResult>
// <ResponseMetadata><RequestId>...</RequestId></ResponseMetadata></ActionResponse>
func (q queryProtocol) render(req *request, result any) response {
	var buf bytes.Buffer
	enc := xml.NewEncoder(&buf)
	start := xml.StartElement{
		Name: xml.Name{Local: req.action + "Response"},
		Attr: []xml.Attr{{Name: xml.Name{Local: "xmlns"}, Value: q.xmlns}},
	}
	err := enc.EncodeToken(start)
	if err == nil && result != nil {
		err = enc.EncodeElement(result, xml.StartElement{Name: xml.Name{Local: req.action + "Result"}})
	}
	if err == nil {
		meta := struct {
			RequestID string `xml:"RequestId"`
		}{req.requestID}
		err = enc.EncodeElement(meta, xml.StartElement{Name: xml.Name{Local: "ResponseMetadata"}})
	}
	if err == nil {
		err = enc.EncodeToken(start.End())
	}
	if err == nil {
		err = enc.Flush()
	}
	if err != nil {
		panic("awstest: marshal response: " + err.Error()) // a bug in a result type
	}
	return response{status: http.StatusOK, contentType: "text/xml", body: buf.Bytes()}
}

// errorResponse renders e as a query-protocol ErrorResponse.
func (q queryProtocol) errorResponse(req *request, e *apiError) response {
	type errorBody struct {
		Type    string
		Code    string
		Message string
	}
	doc := struct {
		XMLName   xml.Name `xml:"ErrorResponse"`
		Xmlns     string   `xml:"xmlns,attr"`
		Error     errorBody
		RequestID string `xml:"RequestId"`
	}{Xmlns: q.xmlns, Error: errorBody{Type: "Sender", Code: e.code, Message: e.message}, RequestID: req.requestID}
	if e.receiver {
		doc.Error.Type = "Receiver"
	}
	body, err := xml.Marshal(doc)
	if err != nil {
		panic("awstest: marshal error: " + err.Error())
	}
	return response{status: e.status, contentType: "text/xml", body: body}
}

// validation collects parameter constraint violations and reports them
// the way AWS does: "2 validation errors detected: Value ... at
// 'roleSessionName' failed to satisfy constraint: ...; Value ...".
type validation struct {
	req  *request
	errs []string
}

func (v *validation) fail(value *string, member, constraint string) {
	shown := "null"
	if value != nil {
		shown = "'" + *value + "'"
	}
	v.errs = append(v.errs, fmt.Sprintf("Value %s at '%s' failed to satisfy constraint: Member %s", shown, member, constraint))
}

// str returns the string parameter name (reported as member), checking
// presence, length in characters and, if pattern is set, that the whole
// value matches it. The pattern is shown in AWS's notation.
func (v *validation) str(name, member string, required bool, min, max int, pattern string) string {
	s, ok := v.req.param(name)
	if !ok {
		if required {
			v.fail(nil, member, "must not be null")
		}
		return ""
	}
	n := utf8.RuneCountInString(s)
	switch {
	case n < min:
		v.fail(&s, member, fmt.Sprintf("must have length greater than or equal to %d", min))
	case n > max:
		v.fail(&s, member, fmt.Sprintf("must have length less than or equal to %d", max))
	case pattern != "" && !fullMatch(pattern, s):
		v.fail(&s, member, "must satisfy regular expression pattern: "+pattern)
	}
	return s
}

// integer returns the integer parameter name, or def if it is absent.
func (v *validation) integer(name, member string, def, min, max int64) int64 {
	s, ok := v.req.param(name)
	if !ok {
		return def
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	switch {
	case err != nil:
		v.fail(&s, member, "must be a whole number")
	case n < min:
		v.fail(&s, member, fmt.Sprintf("must have value greater than or equal to %d", min))
	case n > max:
		v.fail(&s, member, fmt.Sprintf("must have value less than or equal to %d", max))
	}
	return n
}

// err returns the collected violations as a ValidationError, or nil.
func (v *validation) err() *apiError {
	switch len(v.errs) {
	case 0:
		return nil
	case 1:
		return errorf(http.StatusBadRequest, "ValidationError", "1 validation error detected: %s", v.errs[0])
	}
	return errorf(http.StatusBadRequest, "ValidationError", "%d validation errors detected: %s", len(v.errs), strings.Join(v.errs, "; "))
}

// patterns caches compiled parameter patterns, shared by all servers.
var patterns sync.Map // string -> *regexp.Regexp

// fullMatch reports whether all of s matches the AWS model pattern. The
// patterns are Java regular expressions; the ones used here mean the same
// in RE2.
func fullMatch(pattern, s string) bool {
	re, ok := patterns.Load(pattern)
	if !ok {
		re, _ = patterns.LoadOrStore(pattern, regexp.MustCompile(`^(?:`+pattern+`)$`))
	}
	return re.(*regexp.Regexp).MatchString(s)
}
