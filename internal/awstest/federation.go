package awstest

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// This file emulates the AWS console federation endpoint,
// https://signin.aws.amazon.com/federation, at Server.URL + "/federation":
//
//	GET /federation?Action=getSigninToken&SessionDuration=N&Session=JSON
//	GET /federation?Action=login&Issuer=URL&Destination=URL&SigninToken=T
//
// getSigninToken exchanges the temporary credentials of a role session,
// given as {"sessionId":AKID,"sessionKey":SECRET,"sessionToken":TOKEN},
// for a sign-in token valid for 15 minutes; login redirects to the
// Destination when the token is valid. The endpoint is not signed; POST
// with a form body works too. Failures are HTTP 400 with an HTML page, as
// from AWS.

// FederationPath is the URL path of the console federation endpoint.
const FederationPath = "/federation"

// signinTokenLifetime is how long a sign-in token may be used to log in.
const signinTokenLifetime = 15 * time.Minute

func init() {
	routes[FederationPath] = (*Server).serveFederation
}

// signinToken is an issued console sign-in token.
type signinToken struct {
	caller  identity // the role session the token signs in as
	expires time.Time
}

// federationError is an HTTP 400 from the federation endpoint.
type federationError string

func (s *Server) serveFederation(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	formErr := r.ParseForm()

	s.mu.Lock()
	now := s.clock()
	action := r.Form.Get("Action")
	c := Call{Service: "signin", Action: action, UserAgent: r.UserAgent()}
	var status int
	var body []byte
	var location string
	var fail federationError
	switch {
	case formErr != nil || (r.Method != http.MethodGet && r.Method != http.MethodPost):
		fail = "Bad request"
	case action == "getSigninToken":
		var token string
		token, fail = s.getSigninToken(r.Form, now, &c)
		if fail == "" {
			status = http.StatusOK
			body = mustJSON(struct{ SigninToken string }{token})
		}
	case action == "login":
		location, fail = s.signinLogin(r.Form, now, &c)
		status = http.StatusFound
	default:
		fail = "Invalid Action parameter"
	}
	if fail != "" {
		c.ErrorCode, c.Message = "BadRequest", string(fail)
	}
	s.log = append(s.log, c)
	if action != "" {
		s.calls[action]++
		if fail == "" {
			s.succeeded[action]++
		}
	}
	s.mu.Unlock()

	h := w.Header()
	h.Set("Date", now.UTC().Format(http.TimeFormat))
	h.Set("Cache-Control", "no-store")
	switch {
	case fail != "":
		h.Set("Content-Type", "text/html;charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		msg := html.EscapeString(string(fail))
		w.Write([]byte("<html><head><title>Error report</title></head><body><h1>HTTP Status 400 - " + msg +
			"</h1><p><b>message</b> <u>" + msg + "</u></p><p><b>description</b> <u>The request sent by the client was syntactically incorrect.</u></p></body></html>"))
	case status == http.StatusFound:
		h.Set("Location", location)
		w.WriteHeader(status)
	default:
		h.Set("Content-Type", "application/json")
		w.WriteHeader(status)
		w.Write(body)
	}
}

const errCredentialsParam federationError = "Invalid credentials parameter"

// getSigninToken validates the Session credentials and issues a token.
func (s *Server) getSigninToken(form url.Values, now time.Time, c *Call) (string, federationError) {
	var sess struct {
		ID     string `json:"sessionId"`
		Secret string `json:"sessionKey"`
		Token  string `json:"sessionToken"`
	}
	dec := json.NewDecoder(bytes.NewReader([]byte(form.Get("Session"))))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&sess); err != nil || dec.More() {
		return "", errCredentialsParam
	}
	c.AccessKeyID = sess.ID
	k := s.keys[sess.ID]
	switch {
	case k == nil, !k.active, k.token == "",
		subtle.ConstantTimeCompare([]byte(sess.Secret), []byte(k.secret)) != 1,
		subtle.ConstantTimeCompare([]byte(sess.Token), []byte(k.token)) != 1,
		!now.Before(k.expires),
		// Only role sessions may sign in to the console; AWS refuses
		// GetSessionToken credentials (and long-lived keys).
		k.caller.role == nil:
		return "", errCredentialsParam
	}
	c.Caller = k.caller.arn()
	if v, given := form["SessionDuration"]; given {
		n, err := strconv.Atoi(v[0])
		if err != nil || n < 900 || n > 43200 {
			return "", "Invalid SessionDuration parameter"
		}
		// AWS refuses a console session duration for credentials from
		// role chaining.
		if k.caller.chained {
			return "", errCredentialsParam
		}
	}
	b := make([]byte, 384)
	rand.Read(b)
	token := base64.RawURLEncoding.EncodeToString(b)
	s.signin[token] = &signinToken{caller: k.caller, expires: now.Add(signinTokenLifetime)}
	return token, ""
}

// signinLogin checks a login request and returns where to redirect.
func (s *Server) signinLogin(form url.Values, now time.Time, c *Call) (string, federationError) {
	t := s.signin[form.Get("SigninToken")]
	if t == nil || !now.Before(t.expires) {
		return "", "Invalid SigninToken parameter"
	}
	c.Caller = t.caller.arn()
	dest, err := url.Parse(form.Get("Destination"))
	if err != nil || (dest.Scheme != "https" && dest.Scheme != "http") || dest.Host == "" {
		return "", "Invalid Destination parameter"
	}
	return dest.String(), ""
}

// SigninTokens returns how many console sign-in tokens the federation
// endpoint has issued, including expired ones.
func (s *Server) SigninTokens() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.signin)
}

// SigninTokenRole reports whether token is a sign-in token the federation
// endpoint issued that is still valid for login at the server clock, and
// the role session ARN ("arn:aws:sts::ACCT:assumed-role/ROLE/SESSION") it
// signs in as.
func (s *Server) SigninTokenRole(token string) (roleSessionARN string, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.signin[token]
	if t == nil || !s.clock().Before(t.expires) {
		return "", false
	}
	return t.caller.arn(), true
}
