package awsapi

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
)

// APIError is a failure AWS reported: a non-2xx reply. Callers find it with
// errors.As (credproc.ErrorCode does). Its ErrorCode and ErrorMessage
// methods are those of the SDK's smithy.APIError, so code written against
// the SDK's errors reads it unchanged.
type APIError struct {
	Service   string // signing name: "iam", "organizations", "sts"
	Operation string // the action or operation: "GetRole", "AssumeRole"
	Code      string // "NoSuchEntity", "AccessDeniedException"; "" if the reply named none
	Message   string // AWS's message, trimmed
	Status    int    // HTTP status
	RequestID string // AWS's request ID, if the reply had one
}

// Error is "Code: Message", the form AWS documents its errors in.
func (e *APIError) Error() string {
	switch {
	case e.Code == "":
		return fmt.Sprintf("%s: HTTP %d", e.Service, e.Status)
	case e.Message == "":
		return e.Code
	}
	return e.Code + ": " + e.Message
}

// ErrorCode is the AWS error code (Code).
func (e *APIError) ErrorCode() string { return e.Code }

// ErrorMessage is the AWS error message (Message).
func (e *APIError) ErrorMessage() string { return e.Message }

// HTTPStatusCode is the reply's status, under the name the SDK's errors
// give it.
func (e *APIError) HTTPStatusCode() int { return e.Status }

// parseQueryError reads a query protocol error:
// <ErrorResponse><Error><Type>Sender</Type><Code>…</Code><Message>…</Message>
// </Error><RequestId>…</RequestId></ErrorResponse>. A body that is not
// such a document gives empty strings.
func parseQueryError(body []byte, _ http.Header) (code, message, requestID string) {
	var e struct {
		Code      string `xml:"Error>Code"`
		Message   string `xml:"Error>Message"`
		RequestID string `xml:"RequestId"`
	}
	if xml.Unmarshal(body, &e) != nil {
		return "", "", ""
	}
	return strings.TrimSpace(e.Code), strings.TrimSpace(e.Message), strings.TrimSpace(e.RequestID)
}

// parseJSONError reads a JSON 1.1 protocol error the way the SDK does: the
// code from the X-Amzn-ErrorType header, else the body's "code" or
// "__type", shortened to its name ("com.amazon.coral.service#
// AccessDeniedException" and "AccessDeniedException:http://…" are
// "AccessDeniedException"); the message from "message" or "Message".
func parseJSONError(body []byte, h http.Header) (code, message, requestID string) {
	var m map[string]json.RawMessage
	_ = json.Unmarshal(body, &m) // a body that is not an object has no fields
	str := func(keys ...string) string {
		for _, k := range keys {
			var s string
			if json.Unmarshal(m[k], &s) == nil && strings.TrimSpace(s) != "" {
				return s
			}
		}
		return ""
	}
	code = h.Get("X-Amzn-Errortype")
	if code == "" {
		code = str("code", "__type")
	}
	return shortCode(code), strings.TrimSpace(str("message", "Message", "errorMessage")), strings.TrimSpace(h.Get("X-Amzn-Requestid"))
}

// shortCode strips the namespace and the URL AWS may put around a JSON
// error code.
func shortCode(code string) string {
	if i := strings.IndexByte(code, ':'); i >= 0 {
		code = code[:i]
	}
	if i := strings.LastIndexByte(code, '#'); i >= 0 {
		code = code[i+1:]
	}
	return strings.TrimSpace(code)
}
