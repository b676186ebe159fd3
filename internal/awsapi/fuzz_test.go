package awsapi

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzParseQueryError: any body parses without panicking into trimmed
// parts, and an ErrorResponse with any code and message gives them back.
func FuzzParseQueryError(f *testing.F) {
	for _, s := range []string{
		`<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name R cannot be found.</Message></Error><RequestId>1</RequestId></ErrorResponse>`,
		`<ErrorResponse><Error><Code> Throttling </Code><Message>Rate exceeded</Message></Error></ErrorResponse>`,
		`<Response><Errors><Error><Code>AuthFailure</Code></Error></Errors></Response>`,
		`<ErrorResponse><Error><Code>A</Code><Code>B</Code></Error>`,
		`<html><body>502 Bad Gateway</body></html>`,
		``,
		`<`,
	} {
		f.Add([]byte(s), "", "")
	}
	f.Add([]byte(nil), "AccessDenied", "User: arn:aws:iam::111111111111:user/x is not authorized & <so> on")
	f.Fuzz(func(t *testing.T, body []byte, code, message string) {
		c, m, id := parseQueryError(body, nil)
		_ = decodeQueryResult(body, "GetRole", &role{}) // must not panic
		for _, s := range []string{c, m, id} {
			if s != strings.TrimSpace(s) {
				t.Fatalf("parseQueryError(%q) = %q, %q, %q: not trimmed", body, c, m, id)
			}
		}
		// Round trip: what encoding/xml writes, the parser reads back.
		doc := struct {
			XMLName xml.Name `xml:"ErrorResponse"`
			Code    string   `xml:"Error>Code"`
			Message string   `xml:"Error>Message"`
			ID      string   `xml:"RequestId"`
		}{Code: code, Message: message, ID: "req-1"}
		b, err := xml.Marshal(doc)
		if err != nil || !xmlText(code) || !xmlText(message) {
			return // not representable in XML 1.0
		}
		c, m, id = parseQueryError(b, nil)
		if c != strings.TrimSpace(code) || m != strings.TrimSpace(message) || id != "req-1" {
			t.Fatalf("round trip of %q, %q: got %q, %q, %q from %s", code, message, c, m, id, b)
		}
	})
}

// FuzzParseJSONError: any body and error-type header parse without
// panicking into a short code (no namespace, no URL) and a trimmed
// message; a well-formed error gives its code and message back.
func FuzzParseJSONError(f *testing.F) {
	for _, s := range []struct{ body, header string }{
		{`{"__type":"com.amazon.coral.service#UnrecognizedClientException","message":"The security token included in the request is invalid."}`, ""},
		{`{"__type":"AccessDeniedException","Message":"You don't have permissions to access this resource."}`, ""},
		{`{"__type":"InvalidInputException","Message":"x","Reason":"MAX_VALUE_EXCEEDED"}`, ""},
		{`{"code":"ThrottlingException","message":"Rate exceeded"}`, ""},
		{`{}`, "TooManyRequestsException:http://internal.amazon.com/coral/com.amazonaws.organizations/"},
		{`{"__type":5,"message":["x"]}`, ""},
		{`[1,2]`, ""},
		{`not json`, "#:"},
		{``, ""},
	} {
		f.Add([]byte(s.body), s.header, "", "")
	}
	f.Add([]byte(nil), "", "AWSOrganizationsNotInUseException", "Your account is not a member of an organization.")
	f.Fuzz(func(t *testing.T, body []byte, header, code, message string) {
		h := http.Header{}
		if header != "" {
			h.Set("X-Amzn-Errortype", header)
		}
		c, m, _ := parseJSONError(body, h)
		if strings.ContainsAny(c, "#:") || c != strings.TrimSpace(c) || m != strings.TrimSpace(m) {
			t.Fatalf("parseJSONError(%q, %q) = %q, %q", body, header, c, m)
		}
		// Round trip, namespaced as AWS's front end sends it.
		if strings.ContainsAny(code, "#:") || !utf8.ValidString(code) || !utf8.ValidString(message) || strings.TrimSpace(code) == "" {
			return
		}
		b, _ := json.Marshal(map[string]string{"__type": "com.amazon.coral.service#" + code, "message": message})
		c, m, _ = parseJSONError(b, http.Header{})
		if c != strings.TrimSpace(code) || m != strings.TrimSpace(message) {
			t.Fatalf("round trip of %q, %q: got %q, %q from %s", code, message, c, m, b)
		}
	})
}

// xmlText reports whether s consists of characters XML 1.0 allows;
// encoding/xml replaces others, so they cannot round-trip.
func xmlText(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || !(r == 0x09 || r == 0x0A || r == 0x0D || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return utf8.ValidString(s)
}
