package credproc

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"

	"github.com/credproc/credproc/internal/awsapi"
)

// Error is a failure explained in the user's terms: Msg says what went
// wrong, Hint (optional) what to do next. Neither ever holds a secret.
type Error struct {
	Msg  string
	Hint string
	Err  error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// Hint returns the hint attached to err, if any.
func Hint(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Hint != "" {
		return e.Hint
	}
	// Errors of other packages (cache's keyring errors) carry their own.
	var h interface{ Hint() string }
	if errors.As(err, &h) {
		return h.Hint()
	}
	return ""
}

// apiError is an error AWS reported, as ErrorCode finds it: the methods of
// the SDK's smithy.APIError (STS, source profiles), which *awsapi.APIError
// (IAM, Organizations) has too.
type apiError interface {
	ErrorCode() string
	ErrorMessage() string
}

var _ apiError = (*awsapi.APIError)(nil)

// ErrorCode returns the AWS error code inside err ("AccessDenied", …), or "".
func ErrorCode(err error) string {
	var api apiError
	if errors.As(err, &api) {
		return api.ErrorCode()
	}
	return ""
}

func errorMessage(err error) string {
	var api apiError
	if errors.As(err, &api) {
		return strings.TrimSpace(api.ErrorMessage())
	}
	return err.Error()
}

// unreachable reports whether err means STS could not be asked at all (a
// network failure or time-out), as opposed to an answer from STS.
func unreachable(err error) bool {
	var held *HolderFailed
	if errors.As(err, &held) {
		return held.Network
	}
	if ErrorCode(err) != "" {
		return false
	}
	var ne net.Error
	var conn interface{ ConnectionError() bool }
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) ||
		errors.As(err, &conn) && conn.ConnectionError() || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF)
}

// timedOut reports whether err is a deadline or time-out: the endpoint
// took the connection and never answered.
func timedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &ne) && ne.Timeout()
}

// endpointHost is the host a failed request went to, if err says.
func endpointHost(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		if u, perr := url.Parse(ue.URL); perr == nil {
			return u.Host
		}
	}
	return ""
}

// operationOf is the AWS operation a failure came from ("AssumeRole").
func operationOf(err error) string {
	var op interface{ Operation() string }
	var sdk interface{ OperationName() string }
	switch {
	case errors.As(err, &sdk):
		return sdk.OperationName()
	case errors.As(err, &op):
		return op.Operation()
	}
	var api *awsapi.APIError
	if errors.As(err, &api) {
		return api.Operation
	}
	return ""
}

// isBadMFACode reports whether STS rejected the MFA code itself.
func isBadMFACode(err error) bool {
	return ErrorCode(err) == "AccessDenied" && strings.Contains(errorMessage(err), "MultiFactorAuthentication failed")
}

// stsCall names one STS call for messages.
type stsCall struct {
	op        string // "AssumeRole", "GetSessionToken", "GetCallerIdentity"
	role      string // role ARN for AssumeRole
	source    string // source name
	mfaSerial string
	mfaUsed   bool // the call was signed by, or carried, MFA
	chained   bool // signed with temporary credentials
	endpoint  Endpoint
}

// explain turns an STS failure into an Error that says what to do.
func explain(c stsCall, err error) error {
	var done *Error
	if errors.As(err, &done) {
		return err // already explained (no terminal, mfa-process failure)
	}
	code := ErrorCode(err)
	target := c.op
	if c.role != "" {
		target = c.op + " " + c.role
	}
	e := &Error{Err: err, Msg: fmt.Sprintf("%s failed: %s (%s)", target, errorMessage(err), code)}
	switch {
	case code == "":
		var held *HolderFailed
		where := c.endpoint.Region
		if h := endpointHost(err); h != "" {
			where = h
		} else if c.endpoint.URL != "" {
			where = c.endpoint.URL
		}
		switch {
		case errors.As(err, &held):
			e.Msg = held.Error()
		case timedOut(err):
			e.Msg = fmt.Sprintf("%s: STS at %s did not answer in time", target, where)
			e.Hint = "check the network (VPN, proxy, captive portal) and any endpoint URL (AWS_ENDPOINT_URL_STS, --endpoint-url)"
		case unreachable(err):
			e.Msg = fmt.Sprintf("%s: cannot reach STS at %s: %v", target, where, rootCause(err))
			e.Hint = "check the network, the region and any endpoint URL (AWS_ENDPOINT_URL_STS, --endpoint-url)"
			if isCertError(err) {
				e.Msg = fmt.Sprintf("%s: the TLS certificate of STS at %s is not trusted: %v", target, where, rootCause(err))
				e.Hint = "behind a TLS-inspecting proxy, point AWS_CA_BUNDLE (or ca_bundle in the profile) at its CA certificate"
			}
		default:
			e.Msg = fmt.Sprintf("%s: %v", target, err)
			if isCertError(err) {
				e.Msg = fmt.Sprintf("%s: the TLS certificate of STS at %s is not trusted: %v", target, where, rootCause(err))
				e.Hint = "behind a TLS-inspecting proxy, point AWS_CA_BUNDLE (or ca_bundle in the profile) at its CA certificate"
			}
		}
	case isBadMFACode(err):
		e.Msg = fmt.Sprintf("the MFA code for %s was not accepted (%s)", c.mfaSerial, code)
		e.Hint = "enter the current code; a code can be used only once, so wait for the next one if you just used it"
	case code == "AccessDenied" && c.op == "AssumeRole":
		e.Msg = fmt.Sprintf("not allowed to assume %s (AccessDenied): %s", c.role, errorMessage(err))
		acct := ""
		if p, perr := ParseRoleARN(c.role); perr == nil {
			acct = p.Account
		}
		hint := "either the source identity lacks sts:AssumeRole on " + c.role +
			", or the role's trust policy in account " + acct + " does not trust the source's account or user"
		if !c.mfaUsed {
			hint += "; if the trust policy requires MFA, add --mfa-serial"
		}
		hint += "; if it requires an external ID, add --external-id; `credproc doctor` checks each step"
		e.Hint = hint
	case code == "InvalidClientTokenId" || code == "SignatureDoesNotMatch":
		if c.chained {
			e.Msg = fmt.Sprintf("%s: the temporary credentials were rejected (%s)", target, code)
			e.Hint = "run `credproc forget --all` and try again"
		} else {
			e.Msg = fmt.Sprintf("%s: the access key of source %q was rejected (%s)", target, c.source, code)
			e.Hint = "the key is wrong, deleted or deactivated: store a current one with `credproc add " + c.source + "`"
		}
	case code == "ExpiredToken":
		e.Msg = fmt.Sprintf("%s: the credentials of source %q have expired (ExpiredToken)", target, c.source)
		e.Hint = "refresh the source profile's credentials (for SSO: aws sso login), then try again"
	case code == "ValidationError" && strings.Contains(errorMessage(err), "role chaining"):
		e.Msg = fmt.Sprintf("%s: a role assumed with temporary credentials lasts at most 1h (role chaining)", target)
		e.Hint = "use --duration 1h, or --mfa-direct to assume the role with the MFA code and long-lived keys"
	case code == "ValidationError" && strings.Contains(errorMessage(err), "MaxSessionDuration"):
		e.Msg = fmt.Sprintf("%s: the requested duration exceeds the role's maximum session duration", target)
		e.Hint = "lower --duration, or raise the role's maximum session duration in IAM"
	case code == "AccessDenied" && c.op == "GetSessionToken" && strings.Contains(errorMessage(err), "session credentials"):
		e.Msg = fmt.Sprintf("GetSessionToken: source %q already has temporary credentials", c.source)
		e.Hint = "use --mfa-direct for this profile"
	}
	return e
}

// isCertError reports a TLS certificate the client does not trust.
func isCertError(err error) bool {
	var unknown x509.UnknownAuthorityError
	var invalid x509.CertificateInvalidError
	var host x509.HostnameError
	var verify *tls.CertificateVerificationError
	return errors.As(err, &unknown) || errors.As(err, &invalid) || errors.As(err, &host) || errors.As(err, &verify)
}

// rootCause is the innermost error: the SDK's wrappers repeat the
// operation and the attempt count.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		var ue *url.Error
		if errors.As(err, &ue) && ue == err {
			return ue.Err
		}
		err = next
	}
}
