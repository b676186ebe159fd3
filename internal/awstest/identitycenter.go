package awstest

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// This file emulates the two unsigned ways to a role session that AWS
// credential chains use for source profiles:
//
//   - the IAM Identity Center (SSO) portal's GetRoleCredentials, GET
//     /federation/credentials?account_id=…&role_name=… with the access token
//     from `aws sso login` in the x-amz-sso_bearer_token header (point the
//     client's SSO endpoint, AWS_ENDPOINT_URL_SSO, at Server.URL);
//   - STS AssumeRoleWithWebIdentity, a query-protocol POST that is not
//     signed: the web identity token (an OIDC JWT) is the proof.
//
// Tokens are opaque strings registered with AddSSOToken and
// AddWebIdentityToken; each grants a session of the roles named there.

// ssoCredentialsPath is the SSO portal's GetRoleCredentials path.
const ssoCredentialsPath = "/federation/credentials"

// ssoSessionLength is how long portal role credentials last.
const ssoSessionLength = time.Hour

// AddSSOToken makes token an SSO access token that may get credentials for
// the roles roleARNs (as an Identity Center permission set provisions them).
func (s *Server) AddSSOToken(token string, roleARNs ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ssoTokens == nil {
		s.ssoTokens = map[string][]string{}
	}
	for _, arn := range roleARNs {
		s.mustRole(arn)
	}
	s.ssoTokens[token] = append(s.ssoTokens[token], roleARNs...)
}

// AddWebIdentityToken makes token a web identity token that roleARN trusts.
func (s *Server) AddWebIdentityToken(token, roleARN string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webTokens == nil {
		s.webTokens = map[string][]string{}
	}
	s.mustRole(roleARN)
	s.webTokens[token] = append(s.webTokens[token], roleARN)
}

// serveUnsigned serves the unsigned requests of this file; it reports
// whether r was one.
func (s *Server) serveUnsigned(w http.ResponseWriter, r *http.Request) bool {
	switch {
	case r.URL.Path == ssoCredentialsPath && r.Method == http.MethodGet:
		s.ssoGetRoleCredentials(w, r)
		return true
	case r.Method == http.MethodPost && r.Header.Get("Authorization") == "":
		body := make([]byte, 0)
		if r.Body != nil {
			b, err := readAllLimited(r)
			if err != nil {
				return false
			}
			body = b
		}
		params, err := queryParams(r, body)
		if err != nil || params.Get("Action") != "AssumeRoleWithWebIdentity" {
			restoreBody(r, body)
			return false
		}
		s.assumeRoleWithWebIdentity(w, r, params)
		return true
	}
	return false
}

func (s *Server) ssoGetRoleCredentials(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	q := r.URL.Query()
	account, name := q.Get("account_id"), q.Get("role_name")
	c := Call{Service: "sso", Action: "GetRoleCredentials", UserAgent: r.UserAgent()}
	defer func() {
		s.log = append(s.log, c)
		s.calls[c.Action]++
		if c.ErrorCode == "" {
			s.succeeded[c.Action]++
		}
	}()
	fail := func(status int, code, msg string) {
		c.ErrorCode, c.Message = code, msg
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Amzn-Errortype", code)
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	arn := "arn:aws:iam::" + account + ":role/" + name
	granted := false
	for _, a := range s.ssoTokens[r.Header.Get("X-Amz-Sso_bearer_token")] {
		granted = granted || a == arn
	}
	if _, ok := s.ssoTokens[r.Header.Get("X-Amz-Sso_bearer_token")]; !ok {
		fail(http.StatusUnauthorized, "UnauthorizedException", "Session token not found or invalid")
		return
	}
	role := s.roles[arn]
	if !granted || role == nil {
		fail(http.StatusForbidden, "ForbiddenException", "No access")
		return
	}
	now := s.clock()
	k := s.issueSession(identity{account: account, role: role, session: "sso-user"}, now.Add(ssoSessionLength).Truncate(time.Second))
	c.Caller = k.caller.arn()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"roleCredentials": map[string]any{
		"accessKeyId":     k.id,
		"secretAccessKey": k.secret,
		"sessionToken":    k.token,
		"expiration":      k.expires.UnixMilli(),
	}})
}

func (s *Server) assumeRoleWithWebIdentity(w http.ResponseWriter, r *http.Request, params map[string][]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	req := &request{http: r, requestID: newRequestID(), now: s.clock(), action: "AssumeRoleWithWebIdentity", params: params, service: services["sts"]}
	c := Call{Service: "sts", Action: req.action, UserAgent: r.UserAgent()}
	var e *apiError
	var resp response
	defer func() {
		if e != nil {
			c.ErrorCode, c.Message = e.code, e.message
			resp = stsProtocol.errorResponse(req, e)
		}
		s.log = append(s.log, c)
		s.calls[c.Action]++
		if e == nil {
			s.succeeded[c.Action]++
		}
		w.Header().Set("x-amzn-RequestId", req.requestID)
		w.Header().Set("Content-Type", resp.contentType)
		w.Header().Set("Content-Length", strconv.Itoa(len(resp.body)))
		w.WriteHeader(resp.status)
		w.Write(resp.body)
	}()
	arn, _ := req.param("RoleArn")
	session, _ := req.param("RoleSessionName")
	token, _ := req.param("WebIdentityToken")
	if arn == "" || session == "" || token == "" {
		e = errorf(http.StatusBadRequest, "ValidationError", "RoleArn, RoleSessionName and WebIdentityToken are required")
		return
	}
	trusted := false
	for _, a := range s.webTokens[token] {
		trusted = trusted || a == arn
	}
	role := s.roles[arn]
	if _, ok := s.webTokens[token]; !ok {
		e = errorf(http.StatusBadRequest, "InvalidIdentityToken", "Couldn't retrieve verification key from your identity provider")
		return
	}
	if !trusted || role == nil {
		e = errorf(http.StatusForbidden, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")
		return
	}
	k := s.issueSession(identity{account: role.spec.Account, role: role, session: session}, req.now.Add(time.Hour).Truncate(time.Second))
	c.Caller = k.caller.arn()
	type assumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string
	}
	resp = stsProtocol.render(req, struct {
		Credentials                 stsCredentials
		SubjectFromWebIdentityToken string
		AssumedRoleUser             assumedRoleUser
	}{credentialsOf(k), "web-user", assumedRoleUser{k.caller.userID(), k.caller.arn()}})
}
