package awstest

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// federation sends a GET to the federation endpoint without following
// redirects and returns the response and its body.
func federation(t testing.TB, s *Server, params url.Values) (*http.Response, string) {
	t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(s.URL + FederationPath + "?" + params.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, string(body)
}

// sessionParam is the Session parameter of getSigninToken for c.
func sessionParam(c creds) string {
	return string(mustJSON(map[string]string{"sessionId": c.id, "sessionKey": c.secret, "sessionToken": c.token}))
}

// signinToken asks for a sign-in token for c and returns it, or "" and
// the failed response's body.
func getSigninToken(t testing.TB, s *Server, c creds, extra url.Values) (token, failure string) {
	t.Helper()
	params := url.Values{"Action": {"getSigninToken"}, "Session": {sessionParam(c)}}
	for k, v := range extra {
		params[k] = v
	}
	resp, body := federation(t, s, params)
	if resp.StatusCode != http.StatusOK {
		if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "HTTP Status 400 - ") {
			t.Fatalf("getSigninToken: %d %s", resp.StatusCode, body)
		}
		return "", body
	}
	var out struct{ SigninToken string }
	if err := json.Unmarshal([]byte(body), &out); err != nil || out.SigninToken == "" {
		t.Fatalf("getSigninToken body %q: %v", body, err)
	}
	return out.SigninToken, ""
}

func TestFederation(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct2, Name: "admin", TrustedAccounts: []string{acct, acct2}, Actions: []string{"*"}})
	stsc := client(s, alice)
	sess, _ := assume(t, stsc, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice")})

	token, failure := getSigninToken(t, s, sess, url.Values{"SessionDuration": {"43200"}})
	if token == "" {
		t.Fatalf("role session refused: %s", failure)
	}
	if got, ok := s.SigninTokenRole(token); !ok || got != "arn:aws:sts::222222222222:assumed-role/admin/alice" {
		t.Errorf("SigninTokenRole = %q, %v", got, ok)
	}
	if !slices.Contains(s.Secrets(), token) {
		t.Error("Secrets does not include the sign-in token")
	}

	dest := "https://console.aws.amazon.com/console/home?region=eu-west-1"
	login := url.Values{"Action": {"login"}, "Issuer": {"https://example.com/credproc"}, "Destination": {dest}, "SigninToken": {token}}
	resp, body := federation(t, s, login)
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
		t.Fatalf("login: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}

	// Only valid temporary credentials of role sessions get tokens.
	gst := sessionCreds(stsc, t)
	wrongSecret := sess
	wrongSecret.secret = "x" + sess.secret[1:]
	if wrongSecret.secret == sess.secret { // a random secret may start with x
		wrongSecret.secret = "y" + sess.secret[1:]
	}
	wrongToken := sess
	wrongToken.token = sess.token[:len(sess.token)-4] + "AAAA"
	if wrongToken.token == sess.token {
		wrongToken.token = sess.token[:len(sess.token)-4] + "BBBB"
	}
	for name, c := range map[string]creds{"long-lived key": alice, "GetSessionToken": gst, "wrong secret": wrongSecret, "wrong token": wrongToken} {
		if token, _ := getSigninToken(t, s, c, nil); token != "" {
			t.Errorf("%s: got a sign-in token", name)
		}
	}
	for _, d := range []string{"899", "43201", "1h"} {
		if token, _ := getSigninToken(t, s, sess, url.Values{"SessionDuration": {d}}); token != "" {
			t.Errorf("SessionDuration %s accepted", d)
		}
	}
	for _, session := range []string{"", "{", `{"sessionId":"x"} trailing`} {
		resp, _ := federation(t, s, url.Values{"Action": {"getSigninToken"}, "Session": {session}})
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("Session %q: %d", session, resp.StatusCode)
		}
	}
	// Role chaining: a token, but not with a SessionDuration.
	chained, _ := assume(t, client(s, sess), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("chained")})
	if token, _ := getSigninToken(t, s, chained, nil); token == "" {
		t.Error("chained session refused")
	}
	if token, _ := getSigninToken(t, s, chained, url.Values{"SessionDuration": {"3600"}}); token != "" {
		t.Error("chained session with SessionDuration accepted")
	}

	// Bad logins.
	for name, params := range map[string]url.Values{
		"unknown token":       {"Action": {"login"}, "Destination": {dest}, "SigninToken": {"nope"}},
		"missing destination": {"Action": {"login"}, "SigninToken": {token}},
		"relative":            {"Action": {"login"}, "Destination": {"/console"}, "SigninToken": {token}},
		"unknown action":      {"Action": {"logout"}},
	} {
		if resp, body := federation(t, s, params); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "HTTP Status 400") {
			t.Errorf("%s: %d %s", name, resp.StatusCode, body)
		}
	}

	// Tokens are good for 15 minutes; expired credentials get none.
	s.SetClock(func() time.Time { return now.Add(15*time.Minute - time.Second) })
	if resp, _ := federation(t, s, login); resp.StatusCode != http.StatusFound {
		t.Errorf("login after 14:59: %d", resp.StatusCode)
	}
	s.SetClock(func() time.Time { return now.Add(15 * time.Minute) })
	if resp, _ := federation(t, s, login); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("login after 15 min: %d", resp.StatusCode)
	}
	if _, ok := s.SigninTokenRole(token); ok {
		t.Error("SigninTokenRole of an expired token")
	}
	s.SetClock(func() time.Time { return now.Add(time.Hour) })
	if token, _ := getSigninToken(t, s, sess, nil); token != "" {
		t.Error("expired credentials got a token")
	}

	if n, ok := s.Calls("getSigninToken"), s.Succeeded("getSigninToken"); n != 14 || ok != 2 {
		t.Errorf("getSigninToken calls %d, succeeded %d", n, ok)
	}
	if n, ok := s.Calls("login"), s.Succeeded("login"); n != 6 || ok != 2 {
		t.Errorf("login calls %d, succeeded %d", n, ok)
	}
	if s.SigninTokens() != 2 {
		t.Errorf("SigninTokens %d", s.SigninTokens())
	}
	var logged bool
	for _, c := range s.Log() {
		if c.Service == "signin" && c.Action == "getSigninToken" && c.ErrorCode == "" {
			logged = c.AccessKeyID == sess.id && c.Caller == "arn:aws:sts::222222222222:assumed-role/admin/alice"
			break
		}
	}
	if !logged {
		t.Errorf("log %+v", s.Log())
	}
}
