package credproc

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awsapi"
)

// codedError is an error with an AWS-style code, as the sign-in endpoint's
// refusal in internal/cli has.
type codedError struct{ code, msg string }

func (e *codedError) Error() string        { return e.msg }
func (e *codedError) ErrorCode() string    { return e.code }
func (e *codedError) ErrorMessage() string { return e.msg }

func TestExplainTable(t *testing.T) {
	api := func(svc, op, code, msg string) error {
		return fmt.Errorf("wrapped: %w", &awsapi.APIError{Service: svc, Operation: op, Code: code, Message: msg, Status: 400})
	}
	role := "arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"
	sts := Call{Service: "sts", Op: "AssumeRole", Role: role, Source: "mgmt", MFASerial: "arn:aws:iam::111111111111:mfa/bob"}
	chained := sts
	chained.Chained = true
	iam := Call{Service: "iam", Op: "iam:CreateRole", Profile: "member", Account: "333333333333"}
	iamSession := iam
	iamSession.Chained = true
	org := Call{Service: "organizations", Source: "mgmt"}
	ou := org
	ou.OU = "ou-abcd-12345678"
	signin := Call{Service: "signin", Op: "console sign-in", Profile: "p"}
	signinDuration := signin
	signinDuration.Chained, signinDuration.Duration = true, true
	for _, tc := range []struct {
		name      string
		c         Call
		err       error
		msg, hint string // substrings
	}{
		{"bad MFA code", sts, api("sts", "AssumeRole", "AccessDenied", "MultiFactorAuthentication failed with invalid MFA one time pass code."), "the MFA code for arn:aws:iam::111111111111:mfa/bob was not accepted (AccessDenied)", "a code can be used only once"},
		{"assume denied", sts, api("sts", "AssumeRole", "AccessDenied", "not authorized"), "not allowed to assume " + role + " (AccessDenied): not authorized", "trust policy in account 222222222222"},
		{"session token on temporary keys", Call{Service: "sts", Op: "GetSessionToken", Source: "sso"}, api("sts", "GetSessionToken", "AccessDenied", "Cannot call GetSessionToken with session credentials"), `GetSessionToken: source "sso" already has temporary credentials`, "--mfa-direct"},
		{"sts key rejected", sts, api("sts", "AssumeRole", "InvalidClientTokenId", "bad"), `the access key of source "mgmt" was rejected (InvalidClientTokenId)`, "credproc add mgmt"},
		{"sts session rejected", chained, api("sts", "AssumeRole", "SignatureDoesNotMatch", "bad"), "the temporary credentials were rejected (SignatureDoesNotMatch)", "credproc forget --all"},
		{"sts expired", sts, api("sts", "AssumeRole", "ExpiredToken", "expired"), `the credentials of source "mgmt" have expired`, "aws sso login"},
		{"role chaining", sts, api("sts", "AssumeRole", "ValidationError", "exceeds the 1 hour session limit for roles assumed by role chaining"), "lasts at most 1h (role chaining)", "--duration 1h"},
		{"max duration", sts, api("sts", "AssumeRole", "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."), "exceeds the role's maximum session duration", "lower --duration"},
		{"sts other", sts, api("sts", "AssumeRole", "Throttling", "Rate exceeded"), "AssumeRole " + role + " failed: Rate exceeded (Throttling)", ""},
		{"iam denied", iam, api("iam", "CreateRole", "AccessDenied", "no"), "profile member may not call iam:CreateRole in account 333333333333 (AccessDenied): no", "AdministratorAccess"},
		{"iam key rejected", iam, api("iam", "CreateRole", "InvalidClientTokenId", "bad"), "iam:CreateRole: the credentials of profile member were rejected (InvalidClientTokenId)", "put a current one in the profile"},
		{"iam session rejected", iamSession, api("iam", "CreateRole", "InvalidClientTokenId", "bad"), "were rejected", "IAM refuses GetSessionToken sessions made without MFA"},
		{"iam expired", iam, api("iam", "CreateRole", "ExpiredToken", "old"), "the credentials of profile member have expired (ExpiredToken)", "aws sso login --profile member"},
		{"no such policy", Call{Service: "iam", Op: "iam:AttachRolePolicy", Profile: "member"}, api("iam", "AttachRolePolicy", "NoSuchEntity", "Policy x does not exist"), "the policy to attach does not exist: Policy x does not exist", "arn:aws:iam::aws:policy/NAME"},
		{"no such role is no row", iam, api("iam", "GetRole", "NoSuchEntity", "gone"), "iam:CreateRole failed: gone (NoSuchEntity)", ""},
		{"malformed policy", iam, api("iam", "CreateRole", "MalformedPolicyDocument", "Invalid principal"), "IAM rejected the trust policy: Invalid principal", "--management-account"},
		{"created meanwhile", iam, api("iam", "CreateRole", "EntityAlreadyExists", "exists"), "the role was created by someone else meanwhile", "run init-role again"},
		{"limit", iam, api("iam", "CreateRole", "LimitExceeded", "too many"), "iam:CreateRole failed: too many (LimitExceeded)", "higher quota"},
		{"org denied", org, api("organizations", "ListAccounts", "AccessDeniedException", "no"), `source "mgmt" may not list the organization's accounts (AccessDeniedException)`, "organizations:ListAccounts"},
		{"no organization", org, api("organizations", "ListRoots", "AWSOrganizationsNotInUseException", "no"), `the account of source "mgmt" is not in an organization`, "credproc setup PROFILE"},
		{"org other names its operation", org, api("organizations", "ListRoots", "TooManyRequestsException", "slow down"), "ListRoots failed: slow down (TooManyRequestsException)", ""},
		{"no such OU", ou, api("organizations", "ListChildren", "ParentNotFoundException", "no"), `no OU or root "ou-abcd-12345678" in the organization (ParentNotFoundException)`, "aws organizations list-roots"},
		{"invalid input outside an OU listing", org, api("organizations", "ListAccounts", "InvalidInputException", "bad"), "ListAccounts failed: bad (InvalidInputException)", ""},
		{"signin refused", signin, &codedError{SigninRejected, "the AWS sign-in endpoint refused the credentials (HTTP 400)"}, "console sign-in: the AWS sign-in endpoint refused the credentials (HTTP 400)", "credproc forget p"},
		{"signin refused with duration", signinDuration, &codedError{SigninRejected, "refused"}, "console sign-in: refused", "drop --duration"},
		{"signin other", signin, errors.New("cannot reach the AWS sign-in endpoint signin.aws.amazon.com: connection refused"), "console sign-in: cannot reach", "HTTPS_PROXY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Explain(tc.c, tc.err)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Explain returned %T %v", err, err)
			}
			if !strings.Contains(e.Msg, tc.msg) || strings.Contains(e.Msg, "\n") {
				t.Errorf("msg %q, want %q", e.Msg, tc.msg)
			}
			if tc.hint == "" && e.Hint != "" || !strings.Contains(e.Hint, tc.hint) {
				t.Errorf("hint %q, want %q", e.Hint, tc.hint)
			}
			if !errors.Is(err, tc.err) {
				t.Error("the explanation does not wrap the error")
			}
		})
	}
}

// TestExplainNetwork: one network-failure check serves every service, and
// names the service, where it was asked and how to point elsewhere.
func TestExplainNetwork(t *testing.T) {
	refused := &url.Error{Op: "Post", URL: "https://127.0.0.1:9/", Err: &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")}}
	for _, tc := range []struct {
		c         Call
		err       error
		msg, hint string
	}{
		{Call{Service: "sts", Op: "AssumeRole"}, refused, "AssumeRole: cannot reach STS at 127.0.0.1:9: dial tcp: connection refused", "AWS_ENDPOINT_URL_STS, --endpoint-url"},
		{Call{Service: "sts", Op: "GetCallerIdentity", Endpoint: Endpoint{Region: "eu-west-1"}}, context.DeadlineExceeded, "GetCallerIdentity: STS at eu-west-1 did not answer in time", "VPN, proxy, captive portal"},
		{Call{Service: "iam", Op: "iam:GetRole"}, refused, "iam:GetRole: cannot reach IAM at 127.0.0.1:9", "AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL"},
		{Call{Service: "iam", Op: "sts:GetCallerIdentity"}, refused, "sts:GetCallerIdentity: cannot reach STS at 127.0.0.1:9", "AWS_ENDPOINT_URL_STS"},
		{Call{Service: "organizations", Op: "ListAccounts"}, fmt.Errorf("ListAccounts: %w", context.DeadlineExceeded), "ListAccounts: AWS Organizations did not answer in time", "AWS_ENDPOINT_URL_ORGANIZATIONS, AWS_ENDPOINT_URL"},
	} {
		err := Explain(tc.c, tc.err)
		if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(Hint(err), tc.hint) {
			t.Errorf("%s/%s: got %q (hint %q), want %q (hint %q)", tc.c.Service, tc.c.Op, err, Hint(err), tc.msg, tc.hint)
		}
	}
	// An answer from AWS is never a network failure, and an explained
	// error stays as it is.
	if err := Explain(Call{Service: "iam", Op: "iam:GetRole"}, &awsapi.APIError{Code: "Throttling", Message: "slow"}); strings.Contains(err.Error(), "reach") {
		t.Errorf("API error taken for a network failure: %v", err)
	}
	done := &Error{Msg: "no terminal"}
	if err := Explain(Call{Service: "sts", Op: "AssumeRole"}, done); err != done {
		t.Errorf("explained error rewritten: %v", err)
	}
}

// TestExplainTableKeys: every row is keyed by a service the network check
// knows or by an operation, so no row is unreachable by a typo.
func TestExplainTableKeys(t *testing.T) {
	for k := range awsErrors {
		if _, ok := services[k.where]; ok {
			continue
		}
		if k.where == "" || strings.ToLower(k.where[:1]) == k.where[:1] && !strings.Contains(k.where, ":") {
			t.Errorf("row %v: neither a service nor an operation", k)
		}
	}
}
