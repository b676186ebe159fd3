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

// Call names one failed AWS call for the messages that explain it: which
// service and operation, and on whose behalf.
type Call struct {
	Service   string // "sts" (credential_process), "iam", "organizations" or "signin": picks the rows of awsErrors
	Op        string // "AssumeRole", "iam:CreateRole", "ListAccounts"; "" takes it from the error
	Role      string // role ARN of AssumeRole
	Source    string // the source whose keys signed the call
	Profile   string // the profile whose keys signed the call (init-role, console)
	Account   string // the account the call acts in
	OU        string // the OU or root being listed
	MFASerial string
	MFAUsed   bool // the call was signed by, or carried, MFA
	Chained   bool // signed with temporary credentials
	// Duration is set when the session length was asked for explicitly.
	Duration bool
	Endpoint Endpoint // where STS was asked (credential_process mode)
}

// target is the call as messages name it: "AssumeRole ROLE".
func (c Call) target() string {
	if c.Role != "" {
		return c.Op + " " + c.Role
	}
	return c.Op
}

// explainRule fills e (whose Msg is the default "OP failed: MESSAGE (CODE)")
// for one AWS error, or reports false when it does not apply after all.
type explainRule func(c Call, err error, e *Error) bool

// errorKey picks rows of awsErrors: a service ("iam") or an operation
// ("AssumeRole", "iam:AttachRolePolicy"), and an AWS error code. The code ""
// holds a service's rows for failures that are neither an AWS answer nor a
// network failure.
type errorKey struct{ where, code string }

// awsErrors is the one table that turns AWS errors into what to do, for
// every command. Explain tries the operation's rows, then the service's, each
// in order; the first rule that applies wins.
var awsErrors = map[errorKey][]explainRule{
	{"sts", "AccessDenied"}: {
		func(c Call, err error, e *Error) bool {
			if !isBadMFACode(err) {
				return false
			}
			e.Msg = fmt.Sprintf("the MFA code for %s was not accepted (AccessDenied)", c.MFASerial)
			e.Hint = "enter the current code; a code can be used only once, so wait for the next one if you just used it"
			return true
		},
	},
	{"AssumeRole", "AccessDenied"}: {
		func(c Call, err error, e *Error) bool {
			if isBadMFACode(err) {
				return false
			}
			e.Msg = fmt.Sprintf("not allowed to assume %s (AccessDenied): %s", c.Role, errorMessage(err))
			acct := ""
			if p, perr := ParseRoleARN(c.Role); perr == nil {
				acct = p.Account
			}
			hint := "either the source identity lacks sts:AssumeRole on " + c.Role +
				", or the role's trust policy in account " + acct + " does not trust the source's account or user"
			if !c.MFAUsed {
				hint += "; if the trust policy requires MFA, add --mfa-serial"
			}
			e.Hint = hint + "; if it requires an external ID, add --external-id; `credproc doctor` checks each step"
			return true
		},
	},
	{"GetSessionToken", "AccessDenied"}: {
		func(c Call, err error, e *Error) bool {
			if isBadMFACode(err) || !strings.Contains(errorMessage(err), "session credentials") {
				return false
			}
			e.Msg = fmt.Sprintf("GetSessionToken: source %q already has temporary credentials", c.Source)
			e.Hint = "use --mfa-direct for this profile"
			return true
		},
	},
	{"sts", "InvalidClientTokenId"}:  {stsRejected},
	{"sts", "SignatureDoesNotMatch"}: {stsRejected},
	{"sts", "ExpiredToken"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("%s: the credentials of source %q have expired (ExpiredToken)", c.target(), c.Source)
			e.Hint = "refresh the source profile's credentials (for SSO: aws sso login), then try again"
			return true
		},
	},
	{"sts", "ValidationError"}: {
		func(c Call, err error, e *Error) bool {
			if !strings.Contains(errorMessage(err), "role chaining") {
				return false
			}
			e.Msg = fmt.Sprintf("%s: a role assumed with temporary credentials lasts at most 1h (role chaining)", c.target())
			e.Hint = "use --duration 1h, or --mfa-direct to assume the role with the MFA code and long-lived keys"
			return true
		},
		func(c Call, err error, e *Error) bool {
			if !strings.Contains(errorMessage(err), "MaxSessionDuration") {
				return false
			}
			e.Msg = fmt.Sprintf("%s: the requested duration exceeds the role's maximum session duration", c.target())
			e.Hint = "lower --duration, or raise the role's maximum session duration in IAM"
			return true
		},
	},

	{"iam", "AccessDenied"}:          {iamDenied},
	{"iam", "AccessDeniedException"}: {iamDenied},
	{"iam", "InvalidClientTokenId"}:  {iamRejected},
	{"iam", "SignatureDoesNotMatch"}: {iamRejected},
	{"iam", "ExpiredToken"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("%s: the credentials of profile %s have expired (ExpiredToken)", c.Op, c.Profile)
			e.Hint = "refresh them (for SSO: aws sso login --profile " + c.Profile + "), then run init-role again"
			return true
		},
	},
	{"iam:AttachRolePolicy", "NoSuchEntity"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("%s: the policy to attach does not exist%s: %s", c.Op, inAccount(c), errorMessage(err))
			e.Hint = "check --policy-arn: AWS managed policies are arn:aws:iam::aws:policy/NAME"
			return true
		},
	},
	{"iam", "MalformedPolicyDocument"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("%s: IAM rejected the trust policy: %s", c.Op, errorMessage(err))
			e.Hint = "check --management-account: IAM refuses a principal whose account does not exist"
			return true
		},
	},
	{"iam", "EntityAlreadyExists"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("%s: the role was created by someone else meanwhile", c.Op)
			e.Hint = "run init-role again: it then compares the existing role"
			return true
		},
	},
	{"iam", "LimitExceeded"}: {
		func(c Call, err error, e *Error) bool {
			e.Hint = "the account has as many roles or attached policies as IAM allows: remove one, or ask AWS for a higher quota"
			return true
		},
	},

	{"organizations", "AccessDeniedException"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("source %q may not list the organization's accounts (AccessDeniedException)", c.Source)
			e.Hint = "use the key of an IAM user in the management account (or a delegated administrator account) allowed organizations:ListAccounts"
			return true
		},
	},
	{"organizations", "AWSOrganizationsNotInUseException"}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = fmt.Sprintf("the account of source %q is not in an organization (AWSOrganizationsNotInUseException)", c.Source)
			e.Hint = "write single profiles with `credproc setup PROFILE --source NAME --account ID`"
			return true
		},
	},
	{"organizations", "ParentNotFoundException"}: {noSuchOU},
	{"organizations", "InvalidInputException"}:   {noSuchOU},

	{"signin", SigninRejected}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = "console sign-in: " + errorMessage(err)
			e.Hint = "run `credproc forget " + c.Profile + "` to get a new role session, and try again"
			if c.Chained && c.Duration {
				// AWS documents that a role assumed with temporary credentials
				// and an explicit DurationSeconds cannot sign in to the console.
				e.Hint = "a role assumed with an MFA session and --duration cannot sign in to the console: drop --duration from the profile or add --mfa-direct"
			}
			return true
		},
	},
	{"signin", ""}: {
		func(c Call, err error, e *Error) bool {
			e.Msg = "console sign-in: " + err.Error()
			e.Hint = "check the network; behind a proxy set HTTPS_PROXY"
			return true
		},
	},
}

// SigninRejected is the code credproc gives the AWS sign-in (federation)
// endpoint's refusal, which comes as an HTTP status without an AWS code.
const SigninRejected = "SigninRejected"

func stsRejected(c Call, err error, e *Error) bool {
	code := ErrorCode(err)
	if c.Chained {
		e.Msg = fmt.Sprintf("%s: the temporary credentials were rejected (%s)", c.target(), code)
		e.Hint = "run `credproc forget --all` and try again"
	} else {
		e.Msg = fmt.Sprintf("%s: the access key of source %q was rejected (%s)", c.target(), c.Source, code)
		e.Hint = "the key is wrong, deleted or deactivated: store a current one with `credproc add " + c.Source + "`"
	}
	return true
}

func iamDenied(c Call, err error, e *Error) bool {
	e.Msg = fmt.Sprintf("profile %s may not call %s%s (AccessDenied): %s", c.Profile, c.Op, inAccount(c), errorMessage(err))
	e.Hint = "the profile is not an administrator of the member account: run init-role with a profile that has AdministratorAccess there (an IAM user or role of that account, or its root user's key)"
	return true
}

func iamRejected(c Call, err error, e *Error) bool {
	e.Msg = fmt.Sprintf("%s: the credentials of profile %s were rejected (%s)", c.Op, c.Profile, ErrorCode(err))
	if c.Chained {
		e.Hint = "IAM refuses GetSessionToken sessions made without MFA, and keys that are wrong or deactivated: use the profile's long-lived keys, a role session, or an MFA session"
	} else {
		e.Hint = "the access key is wrong, deleted or deactivated: put a current one in the profile"
	}
	return true
}

func noSuchOU(c Call, err error, e *Error) bool {
	if c.OU == "" {
		return false
	}
	e.Msg = fmt.Sprintf("no OU or root %q in the organization (%s)", c.OU, ErrorCode(err))
	e.Hint = "give the ID of an OU (ou-xxxx-xxxxxxxx) or the root (r-xxxx): `aws organizations list-roots`"
	return true
}

func inAccount(c Call) string {
	if c.Account != "" {
		return " in account " + c.Account
	}
	return ""
}

// services names each service in network messages, with the settings that
// point credproc at another endpoint.
var services = map[string]struct{ name, endpoints string }{
	"sts":           {"STS", "AWS_ENDPOINT_URL_STS, --endpoint-url"},
	"iam":           {"IAM", "AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL"},
	"organizations": {"AWS Organizations", "AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL"},
	"signin":        {"the AWS sign-in endpoint", "HTTPS_PROXY"},
}

// Explain turns the failure of call c into an Error that says what to do:
// the row of awsErrors for its operation or service and AWS error code, or,
// without a code, the one network-failure explanation.
func Explain(c Call, err error) error {
	var done *Error
	if errors.As(err, &done) {
		return err // already explained (no terminal, mfa-process failure)
	}
	if c.Op == "" {
		c.Op = operationOf(err)
	}
	code := ErrorCode(err)
	e := &Error{Err: err, Msg: fmt.Sprintf("%s failed: %s (%s)", c.target(), errorMessage(err), code)}
	if code == "" {
		e.Msg = fmt.Sprintf("%s: %v", c.target(), err)
		if explainNetwork(c, err, e) {
			return e
		}
	}
	for _, where := range []string{c.Op, c.Service} {
		for _, rule := range awsErrors[errorKey{where, code}] {
			if rule(c, err, e) {
				return e
			}
		}
	}
	return e
}

// explainNetwork explains a call that got no answer from AWS (a network
// failure, a time-out, an untrusted certificate), or reports false.
func explainNetwork(c Call, err error, e *Error) bool {
	svc := c.Service
	if p, _, ok := strings.Cut(c.Op, ":"); ok {
		svc = p // init-role's "sts:GetCallerIdentity"
	}
	s := services[svc]
	where := c.Endpoint.Region
	if h := endpointHost(err); h != "" {
		where = h
	} else if c.Endpoint.URL != "" {
		where = c.Endpoint.URL
	}
	at := s.name
	if where != "" {
		at += " at " + where
	}
	var held *HolderFailed
	switch {
	case errors.As(err, &held):
		e.Msg = held.Error()
	case isCertError(err):
		e.Msg = fmt.Sprintf("%s: the TLS certificate of %s is not trusted: %v", c.target(), at, rootCause(err))
		e.Hint = "behind a TLS-inspecting proxy, point AWS_CA_BUNDLE (or ca_bundle in the profile) at its CA certificate"
	case timedOut(err):
		e.Msg = fmt.Sprintf("%s: %s did not answer in time", c.target(), at)
		e.Hint = "check the network (VPN, proxy, captive portal) and any endpoint URL (" + s.endpoints + ")"
	case unreachable(err):
		e.Msg = fmt.Sprintf("%s: cannot reach %s: %v", c.target(), at, rootCause(err))
		e.Hint = "check the network, the region and any endpoint URL (" + s.endpoints + ")"
	default:
		return false
	}
	return true
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
