package awsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awstest"
)

// The emulator verifies SigV4 strictly (its own implementation, not the
// SDK's signer), so every call that succeeds against it proves the
// signing: payload hash, signed headers, credential scope, session token.

const (
	mgmt   = "111111111111"
	member = "222222222222"
)

// world is an emulator with an administrator user in the management
// account.
type world struct {
	srv   *awstest.Server
	admin cache.Credentials
}

func newWorld(t *testing.T) *world {
	t.Helper()
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	id, secret := srv.CreateUser(mgmt, "admin")
	return &world{srv: srv, admin: cache.Credentials{AccessKeyID: id, SecretAccessKey: secret}}
}

// client returns a client for svc at the emulator. Its waits between
// attempts are recorded instead of slept.
func (w *world) client(t *testing.T, svc *Service, c cache.Credentials) (*Client, *[]time.Duration) {
	t.Helper()
	cl := NewWithEndpoint(svc, c, Endpoint{URL: w.srv.URL, Region: svc.DefaultEndpoint("aws").Region})
	return cl, &[]time.Duration{}
}

// roleSession assumes a role in member that may do anything, for
// credentials with a session token.
func (w *world) roleSession(t *testing.T) cache.Credentials {
	t.Helper()
	arn := w.srv.CreateRole(awstest.Role{Account: member, Name: "Admin", TrustedAccounts: []string{mgmt}, Actions: []string{"*"}})
	c := w.admin
	out, err := sts.New(sts.Options{
		Region: "us-east-1",
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey}, nil
		}),
		BaseEndpoint: aws.String(w.srv.URL),
	}).AssumeRole(t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("test")})
	if err != nil {
		t.Fatal(err)
	}
	return cache.Credentials{AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey, SessionToken: *out.Credentials.SessionToken}
}

// wantAPIError checks err is an *APIError with status and code, found
// through wrapping the way credproc.ErrorCode finds codes and the way code
// written against the SDK's errors does (an ErrorCode method), and that it
// holds no secret.
func wantAPIError(t *testing.T, err error, service string, status int, code, msgPart string, c cache.Credentials) *APIError {
	t.Helper()
	var e *APIError
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want *APIError %s", err, err, code)
	}
	var wrapped *APIError
	if !errors.As(fmt.Errorf("wrapped: %w", err), &wrapped) || wrapped.Code != code {
		t.Errorf("*APIError code of wrapped %v: %v", err, wrapped)
	}
	var api interface {
		ErrorCode() string
		ErrorMessage() string
	}
	if !errors.As(fmt.Errorf("wrapped: %w", err), &api) || api.ErrorCode() != code || api.ErrorMessage() != e.Message {
		t.Errorf("ErrorCode, ErrorMessage of %v: %v", err, api)
	}
	if e.Service != service || e.Status != status || e.Code != code || !strings.Contains(e.Message, msgPart) || e.RequestID == "" {
		t.Errorf("got %+v, want %s %d %s %q", e, service, status, code, msgPart)
	}
	if want := strings.TrimSuffix(code+": "+e.Message, ": "); e.Error() != want {
		t.Errorf("Error() = %q, want %q", e.Error(), want)
	}
	noSecret(t, err, c)
	return e
}

func noSecret(t *testing.T, err error, c cache.Credentials) {
	t.Helper()
	for _, s := range []string{c.SecretAccessKey, c.SessionToken} {
		if s != "" && strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), s) {
			t.Errorf("error %v holds a secret", err)
		}
	}
}

const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`

// role is what the tests read of IAM's Role.
type role struct {
	Arn         string `xml:"Role>Arn"`
	Trust       string `xml:"Role>AssumeRolePolicyDocument"`
	Description string `xml:"Role>Description"`
	Tags        []struct {
		Key, Value string
	} `xml:"Role>Tags>member"`
}

func TestQueryIAMRole(t *testing.T) {
	w := newWorld(t)
	for _, who := range []struct {
		name  string
		creds func() cache.Credentials
	}{
		{"user keys", func() cache.Credentials { return w.admin }},
		{"role session", func() cache.Credentials { return w.roleSession(t) }},
	} {
		t.Run(who.name, func(t *testing.T) {
			creds := who.creds()
			w.srv.ResetCalls()
			c, waits := w.client(t, IAM, creds)
			ctx := t.Context()
			name := strings.ReplaceAll(who.name, " ", "-")
			var created role
			err := c.Query(ctx, "CreateRole", url.Values{
				"RoleName":                 {name},
				"AssumeRolePolicyDocument": {trustDoc},
				"Description":              {"made by a test; with & < > and ü"},
				"Tags.member.1.Key":        {"created-by"},
				"Tags.member.1.Value":      {"credproc"},
			}, &created)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(created.Arn, ":role/"+name) {
				t.Errorf("CreateRole ARN %q", created.Arn)
			}
			if err := c.Query(ctx, "TagRole", url.Values{"RoleName": {name}, "Tags.member.1.Key": {"team"}, "Tags.member.1.Value": {"ops"}}, nil); err != nil {
				t.Fatal(err)
			}
			var got role
			if err := c.Query(ctx, "GetRole", url.Values{"RoleName": {name}}, &got); err != nil {
				t.Fatal(err)
			}
			doc, _ := url.PathUnescape(got.Trust)
			if got.Arn != created.Arn || doc != trustDoc || got.Description != "made by a test; with & < > and ü" {
				t.Errorf("GetRole: %+v (trust %s)", got, doc)
			}
			if fmt.Sprint(got.Tags) != "[{created-by credproc} {team ops}]" {
				t.Errorf("tags %v", got.Tags)
			}

			// Three policies, one a page: the marker carries over.
			policies := []string{"arn:aws:iam::aws:policy/ReadOnlyAccess", "arn:aws:iam::aws:policy/SecurityAudit", "arn:aws:iam::aws:policy/AdministratorAccess"}
			for _, p := range policies {
				if err := c.Query(ctx, "AttachRolePolicy", url.Values{"RoleName": {name}, "PolicyArn": {p}}, nil); err != nil {
					t.Fatal(err)
				}
			}
			params := url.Values{"RoleName": {name}, "MaxItems": {"1"}}
			var attached []string
			pages := 0
			for {
				var page struct {
					Policies  []string `xml:"AttachedPolicies>member>PolicyArn"`
					Truncated bool     `xml:"IsTruncated"`
					Marker    string   `xml:"Marker"`
				}
				if err := c.Query(ctx, "ListAttachedRolePolicies", params, &page); err != nil {
					t.Fatal(err)
				}
				pages++
				attached = append(attached, page.Policies...)
				if !page.Truncated {
					break
				}
				params.Set("Marker", page.Marker)
			}
			if pages != 3 || !slices.Equal(attached, policies) {
				t.Errorf("%d pages, attached %q", pages, attached)
			}
			if params.Get("Action") != "" {
				t.Error("Query changed the caller's params")
			}

			trust2 := strings.Replace(trustDoc, mgmt, member, 1)
			if err := c.Query(ctx, "UpdateAssumeRolePolicy", url.Values{"RoleName": {name}, "PolicyDocument": {trust2}}, nil); err != nil {
				t.Fatal(err)
			}
			if p, _ := w.srv.RoleTrustPolicy(created.Arn); p.Document() == "" {
				t.Errorf("no trust policy after UpdateAssumeRolePolicy")
			}
			for _, call := range w.srv.Log() {
				if call.Service == "iam" && (call.ErrorCode != "" || call.AccessKeyID != creds.AccessKeyID) {
					t.Errorf("emulator logged %+v", call)
				}
			}
			if len(*waits) != 0 {
				t.Errorf("retried: %v", *waits)
			}
		})
	}
}

func TestQueryIAMErrors(t *testing.T) {
	w := newWorld(t)
	c, waits := w.client(t, IAM, w.admin)
	ctx := t.Context()

	err := c.Query(ctx, "GetRole", url.Values{"RoleName": {"Nope"}}, &role{})
	wantAPIError(t, err, "iam", http.StatusNotFound, "NoSuchEntity", "The role with name Nope cannot be found.", w.admin)
	err = c.Query(ctx, "CreateRole", url.Values{"RoleName": {"R"}, "AssumeRolePolicyDocument": {"{"}}, nil)
	wantAPIError(t, err, "iam", http.StatusBadRequest, "MalformedPolicyDocument", "", w.admin)
	err = c.Query(ctx, "GetRole", url.Values{"RoleName": {"no spaces"}}, nil)
	wantAPIError(t, err, "iam", http.StatusBadRequest, "ValidationError", "roleName", w.admin)
	err = c.Query(ctx, "NoSuchAction", nil, nil)
	wantAPIError(t, err, "iam", http.StatusBadRequest, "InvalidAction", "NoSuchAction", w.admin)

	// A user without IAM permissions.
	id, secret := w.srv.CreateUser(mgmt, "reader")
	w.srv.SetUserActions(mgmt, "reader", "sts:GetCallerIdentity")
	reader := cache.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	rc, _ := w.client(t, IAM, reader)
	err = rc.Query(ctx, "GetRole", url.Values{"RoleName": {"R"}}, nil)
	wantAPIError(t, err, "iam", http.StatusForbidden, "AccessDenied", "is not authorized to perform: iam:GetRole", reader)

	// Bad keys: a wrong secret, an unknown key ID.
	bad := cache.Credentials{AccessKeyID: w.admin.AccessKeyID, SecretAccessKey: "wrong" + w.admin.SecretAccessKey[5:]}
	bc, _ := w.client(t, IAM, bad)
	err = bc.Query(ctx, "GetRole", url.Values{"RoleName": {"R"}}, nil)
	wantAPIError(t, err, "iam", http.StatusForbidden, "SignatureDoesNotMatch", "signature", bad)
	unknown := cache.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", SessionToken: "FwoGZXIvYXdzEXAMPLETOKEN"}
	uc, _ := w.client(t, IAM, unknown)
	err = uc.Query(ctx, "GetRole", url.Values{"RoleName": {"R"}}, nil)
	wantAPIError(t, err, "iam", http.StatusForbidden, "InvalidClientTokenId", "", unknown)

	if len(*waits) != 0 {
		t.Errorf("client errors were retried: %v", *waits)
	}
	if n := w.srv.Calls("GetRole"); n != 5 {
		t.Errorf("GetRole called %d times, want 5 (no retries)", n)
	}
	// Organizations does not speak the query protocol.
	oc, _ := w.client(t, Organizations, w.admin)
	if err := oc.Query(ctx, "ListAccounts", nil, nil); err == nil {
		t.Error("Query on Organizations succeeded")
	}
}

// account is what the tests read of Organizations' Account.
type account struct {
	ID     string `json:"Id"`
	Arn    string
	Name   string
	State  string
	Status string
}

func TestJSONOrganizations(t *testing.T) {
	w := newWorld(t)
	orgID := w.srv.CreateOrganization(mgmt)
	var want []string
	want = append(want, mgmt)
	for i := range 44 {
		id := fmt.Sprintf("3%011d", i)
		w.srv.AddAccount(awstest.Account{ID: id, Name: "Team " + strconv.Itoa(i), Email: "root+" + id + "@example.com"})
		want = append(want, id)
	}
	slices.Sort(want)
	c, waits := w.client(t, Organizations, w.admin)
	ctx := t.Context()

	in := struct {
		MaxResults int
		NextToken  string `json:",omitempty"`
	}{MaxResults: 20}
	var got []string
	pages := 0
	for {
		var page struct {
			Accounts  []account
			NextToken string
		}
		if err := c.JSON(ctx, "ListAccounts", in, &page); err != nil {
			t.Fatal(err)
		}
		pages++
		for _, a := range page.Accounts {
			if a.State != "ACTIVE" || !strings.HasSuffix(a.Arn, "/"+orgID+"/"+a.ID) {
				t.Errorf("account %+v", a)
			}
			got = append(got, a.ID)
		}
		if page.NextToken == "" {
			break
		}
		in.NextToken = page.NextToken
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Errorf("%d pages, accounts %v", pages, got)
	}

	// No input at all, and an output with a nested object.
	var org struct {
		Organization struct {
			ID              string `json:"Id"`
			MasterAccountID string `json:"MasterAccountId"`
		}
	}
	if err := c.JSON(ctx, "DescribeOrganization", nil, &org); err != nil {
		t.Fatal(err)
	}
	if org.Organization.ID != orgID || org.Organization.MasterAccountID != mgmt {
		t.Errorf("DescribeOrganization: %+v", org)
	}
	if err := c.JSON(ctx, "DescribeOrganization", nil, nil); err != nil {
		t.Fatal(err)
	}
	if len(*waits) != 0 {
		t.Errorf("retried: %v", *waits)
	}
	// IAM does not speak the JSON protocol.
	ic, _ := w.client(t, IAM, w.admin)
	if err := ic.JSON(ctx, "GetRole", nil, nil); err == nil {
		t.Error("JSON on IAM succeeded")
	}
}

func TestJSONOrganizationsErrors(t *testing.T) {
	w := newWorld(t)
	c, waits := w.client(t, Organizations, w.admin)
	ctx := t.Context()

	err := c.JSON(ctx, "ListAccounts", nil, nil)
	wantAPIError(t, err, "organizations", http.StatusNotFound, "AWSOrganizationsNotInUseException", "not a member of an organization", w.admin)

	w.srv.CreateOrganization(mgmt)
	err = c.JSON(ctx, "ListAccounts", struct{ MaxResults int }{50}, nil)
	wantAPIError(t, err, "organizations", http.StatusBadRequest, "InvalidInputException", "larger value", w.admin)
	err = c.JSON(ctx, "ListAccounts", struct{ NextToken string }{"forged"}, nil)
	wantAPIError(t, err, "organizations", http.StatusBadRequest, "InvalidInputException", "nextToken", w.admin)

	// A member account may not list the accounts.
	w.srv.AddAccount(awstest.Account{ID: member, Name: "Member", Email: "root@example.com"})
	id, secret := w.srv.CreateUser(member, "bob")
	bob := cache.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	bc, _ := w.client(t, Organizations, bob)
	err = bc.JSON(ctx, "ListAccounts", nil, nil)
	wantAPIError(t, err, "organizations", http.StatusForbidden, "AccessDeniedException", "You don't have permissions", bob)

	// Authentication errors come namespaced, with a lower-case "message".
	bad := cache.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	uc, _ := w.client(t, Organizations, bad)
	err = uc.JSON(ctx, "ListAccounts", nil, nil)
	wantAPIError(t, err, "organizations", http.StatusBadRequest, "UnrecognizedClientException", "", bad)
	wrong := cache.Credentials{AccessKeyID: w.admin.AccessKeyID, SecretAccessKey: "x" + w.admin.SecretAccessKey[1:]}
	wc, _ := w.client(t, Organizations, wrong)
	err = wc.JSON(ctx, "ListAccounts", nil, nil)
	wantAPIError(t, err, "organizations", http.StatusBadRequest, "InvalidSignatureException", "signature", wrong)

	err = c.JSON(ctx, "CreateAccount", nil, nil)
	wantAPIError(t, err, "organizations", http.StatusBadRequest, "UnknownOperationException", "", w.admin)

	if len(*waits) != 0 {
		t.Errorf("client errors were retried: %v", *waits)
	}
	if err := c.JSON(ctx, "ListAccounts", make(chan int), nil); err == nil {
		t.Error("an input JSON cannot encode was sent")
	}
}

// TestClockSkew: a signature refused because the clock is off is retried
// once with the server's time (from its Date header), and later calls sign
// with it from the start, as the SDK does.
func TestClockSkew(t *testing.T) {
	for _, tc := range []struct {
		svc  *Service
		call func(*Client) error
		code string
	}{
		{IAM, func(c *Client) error {
			return c.Query(context.Background(), "GetRole", url.Values{"RoleName": {"Nope"}}, nil)
		}, "NoSuchEntity"},
		{Organizations, func(c *Client) error { return c.JSON(context.Background(), "ListAccounts", nil, nil) }, "AWSOrganizationsNotInUseException"},
	} {
		t.Run(tc.svc.Name(), func(t *testing.T) {
			w := newWorld(t)
			w.srv.SetClock(func() time.Time { return time.Now().Add(-40 * time.Minute) })
			c, waits := w.client(t, tc.svc, w.admin)
			for i := range 2 {
				w.srv.ResetCalls()
				err := tc.call(c)
				var e *APIError
				if !errors.As(err, &e) || e.Code != tc.code {
					t.Fatalf("call %d: %v, want %s (the action's own answer)", i, err, tc.code)
				}
				log := w.srv.Log()
				if want := 2 - i; len(log) != want {
					t.Errorf("call %d made %d requests, want %d: %+v", i, len(log), want, log)
				}
			}
			if len(*waits) != 0 {
				t.Errorf("waited %v before the skew retry", *waits)
			}
		})
	}
}

// fakeAWS is a server that answers with the given replies in turn (the
// last one repeated) and counts the requests.
func fakeAWS(t *testing.T, replies ...func(w http.ResponseWriter)) (*httptest.Server, *atomic.Int32) {
	t.Helper()
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		i := int(n.Add(1)) - 1
		replies[min(i, len(replies)-1)](w)
	}))
	t.Cleanup(srv.Close)
	return srv, &n
}

func reply(status int, body string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.WriteHeader(status)
		io.WriteString(w, body)
	}
}

// fakeClient is a client for svc at url on a configuration whose retryer
// records its waits instead of sleeping them.
func fakeClient(svc *Service, url string) (*Client, *[]time.Duration) {
	waits := &[]time.Duration{}
	var mu sync.Mutex
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "s3cr3t-not-shown", "t0ken-not-shown"),
		BaseEndpoint: aws.String(url),
		Retryer: func() aws.Retryer {
			return retry.NewStandard(func(o *retry.StandardOptions) {
				o.Backoff = retry.BackoffDelayerFunc(func(attempt int, err error) (time.Duration, error) {
					mu.Lock()
					defer mu.Unlock()
					*waits = append(*waits, time.Millisecond)
					return time.Millisecond, nil
				})
			})
		},
	}
	return NewFromConfig(svc, cfg), waits
}

const okQuery = `<GetRoleResponse><GetRoleResult><Role><Arn>arn:aws:iam::1:role/R</Arn></Role></GetRoleResult></GetRoleResponse>`

func TestRetry(t *testing.T) {
	throttled := `<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>r</RequestId></ErrorResponse>`
	for _, tc := range []struct {
		name     string
		replies  []func(http.ResponseWriter)
		requests int
		err      string // "" for success, else the error's text
	}{
		{"503 then ok", []func(http.ResponseWriter){reply(503, "<html>busy</html>"), reply(200, okQuery)}, 2, ""},
		{"throttled twice then ok", []func(http.ResponseWriter){reply(400, throttled), reply(400, throttled), reply(200, okQuery)}, 3, ""},
		{"throttled throughout", []func(http.ResponseWriter){reply(400, throttled)}, 3, "Throttling: Rate exceeded"},
		{"500 throughout", []func(http.ResponseWriter){reply(500, "")}, 3, "iam: HTTP 500"},
		{"429", []func(http.ResponseWriter){reply(429, ""), reply(200, okQuery)}, 2, ""},
		{"not retried", []func(http.ResponseWriter){reply(400, `<ErrorResponse><Error><Code>ValidationError</Code><Message>no</Message></Error></ErrorResponse>`)}, 1, "ValidationError: no"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, n := fakeAWS(t, tc.replies...)
			c, waits := fakeClient(IAM, srv.URL)
			var got role
			err := c.Query(t.Context(), "GetRole", nil, &got)
			if int(n.Load()) != tc.requests || len(*waits) != tc.requests-1 {
				t.Errorf("%d requests, waits %v; want %d requests", n.Load(), *waits, tc.requests)
			}
			for _, d := range *waits {
				if d < 0 || d > 20*time.Second {
					t.Errorf("wait %v", d)
				}
			}
			var e *APIError
			switch {
			case tc.err == "" && (err != nil || got.Arn != "arn:aws:iam::1:role/R"):
				t.Errorf("got %+v, %v", got, err)
			case tc.err != "" && (!errors.As(err, &e) || err.Error() != tc.err):
				t.Errorf("got %v, want %s", err, tc.err)
			}
		})
	}

	// A connection that cannot be made is retried; a cancelled context
	// ends the wait.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, waits := fakeClient(Organizations, "http://"+addr)
	err = c.JSON(t.Context(), "ListAccounts", nil, nil)
	var ne net.Error
	if !errors.As(err, &ne) || len(*waits) != 2 || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("got %v after waits %v", err, *waits)
	}
	noSecret(t, err, cache.Credentials{SecretAccessKey: "s3cr3t-not-shown", SessionToken: "t0ken-not-shown"})

	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err = c.JSON(ctx, "ListAccounts", nil, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

func TestReplyLimits(t *testing.T) {
	big := strings.Repeat("x", MaxResponse+1)
	srv, _ := fakeAWS(t, reply(200, "<GetRoleResponse>"+big+"</GetRoleResponse>"))
	c, _ := fakeClient(IAM, srv.URL)
	if err := c.Query(t.Context(), "GetRole", nil, nil); !errors.Is(err, errTooLarge) {
		t.Errorf("a reply over %d bytes: %v", MaxResponse, err)
	}

	for body, want := range map[string]string{
		"not xml":           "no <GetRoleResponse>",
		"<Other/>":          "no <GetRoleResponse>",
		"<GetRoleResponse>": "unexpected EOF",
		`<GetRoleResponse><GetRoleResult><Role><Arn>x</Role></GetRoleResult></GetRoleResponse>`: "unreadable reply",
	} {
		srv, _ := fakeAWS(t, reply(200, body))
		c, _ := fakeClient(IAM, srv.URL)
		if err := c.Query(t.Context(), "GetRole", nil, &role{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("reply %q: %v, want %q", body, err, want)
		}
	}
	// Actions without a result element send only metadata.
	srv, _ = fakeAWS(t, reply(200, `<AttachRolePolicyResponse><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></AttachRolePolicyResponse>`))
	c, _ = fakeClient(IAM, srv.URL)
	if err := c.Query(t.Context(), "AttachRolePolicy", nil, &role{}); err != nil {
		t.Errorf("no result element: %v", err)
	}

	for body, ok := range map[string]bool{"": true, "{}": true, `{"Accounts":[]}`: true, "[": false, "<html>": false} {
		srv, _ := fakeAWS(t, reply(200, body))
		c, _ := fakeClient(Organizations, srv.URL)
		var out struct{ Accounts []account }
		if err := c.JSON(t.Context(), "ListAccounts", nil, &out); (err == nil) != ok {
			t.Errorf("JSON reply %q: %v", body, err)
		}
	}
}

// TestNoRedirect: a redirect is not followed, so the session token never
// goes to another host.
func TestNoRedirect(t *testing.T) {
	other, hits := fakeAWS(t, reply(200, okQuery))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL+"/", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	c, _ := fakeClient(IAM, srv.URL)
	err := c.Query(t.Context(), "GetRole", nil, &role{})
	var e *APIError
	if !errors.As(err, &e) || e.Status != http.StatusTemporaryRedirect || hits.Load() != 0 {
		t.Errorf("redirect: %v, %d requests to the other host", err, hits.Load())
	}
}

func TestBadEndpointURL(t *testing.T) {
	for _, u := range []string{"", "iam.amazonaws.com", "ftp://x", "http://[::1"} {
		c, _ := fakeClient(IAM, u)
		if err := c.Query(t.Context(), "GetRole", nil, nil); err == nil {
			t.Errorf("endpoint %q accepted", u)
		}
	}
}

// TestEndpoint: each partition's endpoint from the SDK's partition data,
// and the configured URLs as the SDK's configuration reads them.
func TestEndpoint(t *testing.T) {
	for _, tc := range []struct {
		svc    *Service
		region string
		want   Endpoint
	}{
		{IAM, "eu-west-1", Endpoint{"https://iam.amazonaws.com", "us-east-1"}},
		{IAM, "", Endpoint{"https://iam.amazonaws.com", "us-east-1"}},
		{IAM, "cn-northwest-1", Endpoint{"https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"}},
		{IAM, "us-gov-east-1", Endpoint{"https://iam.us-gov.amazonaws.com", "us-gov-west-1"}},
		{IAM, "eusc-de-east-1", Endpoint{"https://iam.eusc-de-east-1.amazonaws.eu", "eusc-de-east-1"}},
		{IAM, "us-iso-east-1", Endpoint{"https://iam.us-iso-east-1.c2s.ic.gov", "us-iso-east-1"}},
		{Organizations, "eu-central-1", Endpoint{"https://organizations.us-east-1.amazonaws.com", "us-east-1"}},
		{Organizations, "cn-north-1", Endpoint{"https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1"}},
		{Organizations, "us-gov-west-1", Endpoint{"https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1"}},
		{Organizations, "us-isob-east-1", Endpoint{"https://organizations.us-isob-east-1.sc2s.sgov.gov", "us-isob-east-1"}},
	} {
		if got := tc.svc.DefaultEndpoint(Partition(tc.region)); got != tc.want {
			t.Errorf("%s in %q: got %+v, want %+v", tc.svc.Name(), tc.region, got, tc.want)
		}
	}

	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "config")
	os.WriteFile(cfgFile, []byte("[default]\nservices = local\n[services local]\niam =\n  endpoint_url = http://iam-from-profile.local\n"), 0o600)
	t.Setenv("AWS_CONFIG_FILE", cfgFile)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	for _, tc := range []struct {
		svc  *Service
		env  map[string]string
		want string
	}{
		{IAM, nil, "http://iam-from-profile.local"},
		{IAM, map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam.local", "AWS_ENDPOINT_URL": "http://all.local"}, "http://iam.local"},
		{Organizations, map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam.local", "AWS_ENDPOINT_URL": "http://all.local"}, "http://all.local"},
		{Organizations, map[string]string{"AWS_ENDPOINT_URL_ORGANIZATIONS": "http://org.local"}, "http://org.local"},
		{Organizations, map[string]string{"AWS_ENDPOINT_URL_ORGANIZATIONS": "http://org.local", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "https://organizations.us-east-1.amazonaws.com"},
		{IAM, map[string]string{"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, "https://iam.amazonaws.com"},
	} {
		for _, k := range []string{"AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL_ORGANIZATIONS", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"} {
			t.Setenv(k, tc.env[k])
		}
		c := New(tc.svc, cache.Credentials{AccessKeyID: "AKID", SecretAccessKey: "x"}, "eu-west-1")
		if err := c.setup(t.Context()); err != nil {
			t.Fatal(err)
		}
		if got := c.Endpoint().URL; got != tc.want {
			t.Errorf("%s with %v: %s, want %s", tc.svc.Name(), tc.env, got, tc.want)
		}
	}
}

func TestAPIErrorText(t *testing.T) {
	for _, tc := range []struct {
		e    APIError
		text string
	}{
		{APIError{Service: "iam", Code: "NoSuchEntity", Message: "gone", Status: 404}, "NoSuchEntity: gone"},
		{APIError{Service: "iam", Code: "ServiceFailure", Status: 500}, "ServiceFailure"},
		{APIError{Service: "organizations", Status: 502}, "organizations: HTTP 502"},
		{APIError{Service: "iam", Status: 307}, "iam: HTTP 307"},
	} {
		if tc.e.Error() != tc.text || tc.e.ErrorCode() != tc.e.Code || tc.e.ErrorMessage() != tc.e.Message || tc.e.HTTPStatusCode() != tc.e.Status {
			t.Errorf("%+v: %q", tc.e, tc.e.Error())
		}
	}
}
