package cli

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awstest"
)

// federationWorld is an emulator with a user who may assume a role.
type federationWorld struct {
	srv          *awstest.Server
	akid, secret string
	roleARN      string
}

func newFederationWorld(t *testing.T) *federationWorld {
	t.Helper()
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	akid, secret := srv.CreateUser("111111111111", "alice")
	roleARN := srv.CreateRole(awstest.Role{
		Account: "222222222222", Name: "OrganizationAccountAccessRole",
		TrustedAccounts: []string{"111111111111"}, Actions: []string{"*"},
	})
	return &federationWorld{srv: srv, akid: akid, secret: secret, roleARN: roleARN}
}

func (w *federationWorld) sts(c cache.Credentials) *sts.Client {
	return sts.NewFromConfig(aws.Config{
		Region:       "us-east-1",
		Credentials:  credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken),
		BaseEndpoint: aws.String(w.srv.URL),
	})
}

func toCreds(t *testing.T, c *sts.AssumeRoleOutput, err error) cache.Credentials {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	return cache.Credentials{AccessKeyID: *c.Credentials.AccessKeyId, SecretAccessKey: *c.Credentials.SecretAccessKey,
		SessionToken: *c.Credentials.SessionToken, Expiration: *c.Credentials.Expiration}
}

// roleSession assumes the role with alice's long-lived key.
func (w *federationWorld) roleSession(t *testing.T) cache.Credentials {
	out, err := w.sts(cache.Credentials{AccessKeyID: w.akid, SecretAccessKey: w.secret}).AssumeRole(context.Background(),
		&sts.AssumeRoleInput{RoleArn: aws.String(w.roleARN), RoleSessionName: aws.String("alice")})
	return toCreds(t, out, err)
}

// noRedirects is an HTTP client that shows redirects instead of following.
var noRedirects = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func TestSigninTokenAndLogin(t *testing.T) {
	w := newFederationWorld(t)
	c := w.roleSession(t)
	federation := w.srv.URL + awstest.FederationPath
	for _, d := range []time.Duration{0, time.Hour} {
		token, err := signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), federation, c, d)
		if err != nil {
			t.Fatalf("signinToken(duration %s): %v", d, err)
		}
		if arn, ok := w.srv.SigninTokenRole(token); !ok || arn != "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/alice" {
			t.Fatalf("the emulator does not know the token: %q %v", arn, ok)
		}
		dest := "https://console.aws.amazon.com/s3/home?region=eu-west-1#x"
		login, err := loginURL(federation, dest, token)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := noRedirects.Get(login)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
			t.Errorf("login: %s to %q, want 302 to %q", resp.Status, resp.Header.Get("Location"), dest)
		}
		q, _ := url.ParseQuery(strings.SplitN(login, "?", 2)[1])
		if q.Get("Issuer") != "credproc" || q.Get("Action") != "login" {
			t.Errorf("login URL query %v", q)
		}
	}
	if n := w.srv.Calls("getSigninToken"); n != 2 {
		t.Errorf("getSigninToken calls: %d, want 2", n)
	}
}

// TestSigninTokenErrors checks that refusals are reported as such and that
// no error message holds a secret.
func TestSigninTokenErrors(t *testing.T) {
	w := newFederationWorld(t)
	role := w.roleSession(t)
	federation := w.srv.URL + awstest.FederationPath
	noLeak := func(err error, c cache.Credentials) {
		t.Helper()
		for _, s := range []string{c.SecretAccessKey, c.SessionToken, url.QueryEscape(c.SessionToken)} {
			if strings.Contains(err.Error(), s) {
				t.Errorf("error %q holds a secret", err)
			}
		}
	}

	// Session credentials that are not a role's: refused.
	gst, err := w.sts(cache.Credentials{AccessKeyID: w.akid, SecretAccessKey: w.secret}).GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	sess := cache.Credentials{AccessKeyID: *gst.Credentials.AccessKeyId, SecretAccessKey: *gst.Credentials.SecretAccessKey, SessionToken: *gst.Credentials.SessionToken}
	_, err = signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), federation, sess, 0)
	if !isRejected(err) || !strings.Contains(err.Error(), "(HTTP 400): Invalid credentials parameter") {
		t.Errorf("GetSessionToken credentials: %v, want a refusal", err)
	}
	noLeak(err, sess)

	// A role assumed with those session credentials is chained: AWS takes
	// no SessionDuration for it, and without one it signs in.
	out, err := w.sts(sess).AssumeRole(context.Background(), &sts.AssumeRoleInput{RoleArn: aws.String(w.roleARN), RoleSessionName: aws.String("chained")})
	chained := toCreds(t, out, err)
	if _, err := signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), federation, chained, time.Hour); !isRejected(err) {
		t.Errorf("chained role with SessionDuration: %v, want a refusal", err)
	}
	if _, err := signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), federation, chained, 0); err != nil {
		t.Errorf("chained role without SessionDuration: %v", err)
	}

	// Bad secret: refused, and not quoted.
	bad := role
	bad.SecretAccessKey = "wrong" + role.SecretAccessKey
	_, err = signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), federation, bad, 0)
	if !isRejected(err) {
		t.Errorf("wrong secret: %v, want a refusal", err)
	}
	noLeak(err, bad)

	// Unreachable endpoint: *url.Error would quote the URL with the credentials.
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	_, err = signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), dead.URL+"/federation", role, 0)
	if err == nil || isRejected(err) || !strings.Contains(err.Error(), "cannot reach") {
		t.Errorf("dead endpoint: %v", err)
	}
	noLeak(err, role)

	// A redirect is not followed: the query string holds the credentials.
	var followed bool
	elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { followed = true }))
	defer elsewhere.Close()
	redirecting := httptest.NewServer(http.RedirectHandler(elsewhere.URL, http.StatusFound))
	defer redirecting.Close()
	_, err = signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), redirecting.URL, role, 0)
	if !isRejected(err) || followed {
		t.Errorf("redirect: %v, followed %v", err, followed)
	}
	noLeak(err, role)

	// A body that quotes the credentials is not repeated.
	echo := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.WriteHeader(http.StatusBadRequest)
		rw.Write([]byte(r.URL.Query().Get("Session")))
	}))
	defer echo.Close()
	_, err = signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), echo.URL, role, 0)
	if !isRejected(err) {
		t.Errorf("echo: %v", err)
	}
	noLeak(err, role)

	// A 200 without a token.
	empty := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) { rw.Write([]byte(`{}`)) }))
	defer empty.Close()
	if _, err := signinToken(context.Background(), awsapi.HTTPClient(aws.Config{}), empty.URL, role, 0); err == nil || !strings.Contains(err.Error(), "no sign-in token") {
		t.Errorf("empty reply: %v", err)
	}
}

func TestRejectionDetail(t *testing.T) {
	c := cache.Credentials{SecretAccessKey: "SECRET", SessionToken: "TOKEN"}
	for body, want := range map[string]string{
		"<html><body><h1>HTTP Status 400 - Invalid credentials parameter</h1><p>x</p></body></html>": "Invalid credentials parameter",
		"<h1>HTTP Status 400 - a &amp; b</h1>":                                                       "a & b",
		"Bad Request\n":                                                                              "Bad Request",
		"":                                                                                           "",
		"your token is TOKEN":                                                                        "",
		"<p>unclosed":                                                                                "",
		strings.Repeat("x", 300):                                                                     "",
	} {
		if got := rejectionDetail(body, c); got != want {
			t.Errorf("rejectionDetail(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestOpenerCommand(t *testing.T) {
	const target = "https://signin.aws.amazon.com/federation?Action=login&Issuer=credproc&SigninToken=x%27%3B"
	for goos, want := range map[string][]string{
		"linux":   {"xdg-open", target},
		"freebsd": {"xdg-open", target},
		"darwin":  {"open", target},
		"windows": {"rundll32", "url.dll,FileProtocolHandler", target},
	} {
		name, args := openerCommand(goos, target)
		if got := append([]string{name}, args...); !slices.Equal(got, want) {
			t.Errorf("%s: %q, want %q", goos, got, want)
		}
	}
}

func TestConsoleEndpoints(t *testing.T) {
	for partition, want := range map[string]string{
		"aws": "signin.aws.amazon.com", "aws-cn": "signin.amazonaws.cn", "aws-us-gov": "signin.amazonaws-us-gov.com",
	} {
		ep, ok := consoleEndpoints[partition]
		if !ok || ep.federation != "https://"+want+"/federation" || !strings.HasPrefix(ep.console, "https://console.") {
			t.Errorf("%s: %+v", partition, ep)
		}
	}
}

func TestConsoleBadInput(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	for _, c := range []struct {
		args    []string
		wantErr string
	}{
		{nil, "give --profile P"},
		{[]string{"--profile", "p", "--duration", "5m"}, "want 15m to 12h"},
		{[]string{"--profile", "p", "--duration", "13h"}, "want 15m to 12h"},
		{[]string{"--profile", "p", "--duration", "soon"}, "invalid duration"},
		{[]string{"--profile", "p", "--destination", "javascript:alert(1)"}, "invalid --destination"},
		{[]string{"--profile", "p", "--destination", "http://console.aws.amazon.com/"}, "invalid --destination"},
		{[]string{"--profile", "p", "extra"}, `unexpected argument "extra"`},
	} {
		var stdout, stderr bytes.Buffer
		u := &ui{stdout: &stdout, stderr: &stderr}
		err := cmdConsole(context.Background(), u, c.args)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.wantErr) || stdout.Len() > 0 {
			t.Errorf("console %q: error %v, stdout %q; want a usage error with %q", c.args, err, stdout.String(), c.wantErr)
		}
	}
}
