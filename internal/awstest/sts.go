package awstest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/credproc/credproc/internal/totp"
)

// This file emulates AWS STS: GetCallerIdentity, GetSessionToken and
// AssumeRole.

var stsProtocol = queryProtocol{version: "2011-06-15", xmlns: "https://sts.amazonaws.com/doc/2011-06-15/"}

func init() {
	registerService(&service{
		name:   "sts",
		detect: stsProtocol.detect,
		parse:  stsProtocol.parse,
		handle: stsProtocol.dispatch(map[string]queryAction{
			"GetCallerIdentity": (*Server).stsGetCallerIdentity,
			"GetSessionToken":   (*Server).stsGetSessionToken,
			"AssumeRole":        (*Server).stsAssumeRole,
		}),
		errorResponse: stsProtocol.errorResponse,
	})
}

// Parameter patterns from the STS API model.
const (
	patSessionName = `[\w+=,.@-]*`
	patSerial      = `[\w+=/:,.@-]*`
	patTokenCode   = `[\d]*`
	patExternalID  = `[\w+=,.@:/-]*`
)

// mfaTOTPSkew is how many 30 s steps around the clock a code may be from.
const mfaTOTPSkew = 1

// roleChainingLimit caps sessions assumed with temporary credentials.
const roleChainingLimit = time.Hour

var roleARNRE = regexp.MustCompile(`^arn:aws:iam::[0-9]{12}:role/.+$`)

type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string
	SessionToken    string
	Expiration      string
}

func credentialsOf(k *accessKey) stsCredentials {
	return stsCredentials{
		AccessKeyID:     k.id,
		SecretAccessKey: k.secret,
		SessionToken:    k.token,
		Expiration:      k.expires.UTC().Format("2006-01-02T15:04:05Z"),
	}
}

func errAccessDenied(format string, args ...any) *apiError {
	return errorf(http.StatusForbidden, "AccessDenied", format, args...)
}

func (s *Server) stsGetCallerIdentity(req *request) (any, *apiError) {
	// Like AWS, no permission is needed to ask who you are.
	return struct {
		Arn     string
		UserID  string `xml:"UserId"`
		Account string
	}{req.caller.arn(), req.caller.userID(), req.caller.account}, nil
}

func (s *Server) stsGetSessionToken(req *request) (any, *apiError) {
	if req.caller.temporary {
		return nil, errAccessDenied("Cannot call GetSessionToken with session credentials")
	}
	v := validation{req: req}
	seconds := v.integer("DurationSeconds", "durationSeconds", 43200, 900, 129600)
	serial := v.str("SerialNumber", "serialNumber", false, 9, 256, patSerial)
	code := v.str("TokenCode", "tokenCode", false, 6, 6, patTokenCode)
	if e := v.err(); e != nil {
		return nil, e
	}
	mfa, e := s.checkMFA(req, serial, code)
	if e != nil {
		return nil, e
	}
	expires := req.now.Add(time.Duration(seconds) * time.Second).Truncate(time.Second)
	k := s.issueSession(identity{account: req.caller.account, user: req.caller.user, mfa: mfa != nil}, expires)
	mfa.consume()
	return struct{ Credentials stsCredentials }{credentialsOf(k)}, nil
}

func (s *Server) stsAssumeRole(req *request) (any, *apiError) {
	v := validation{req: req}
	roleARN := v.str("RoleArn", "roleArn", true, 20, 2048, "")
	session := v.str("RoleSessionName", "roleSessionName", true, 2, 64, patSessionName)
	seconds := v.integer("DurationSeconds", "durationSeconds", 3600, 900, 43200)
	externalID := v.str("ExternalId", "externalId", false, 2, 1224, patExternalID)
	serial := v.str("SerialNumber", "serialNumber", false, 9, 256, patSerial)
	code := v.str("TokenCode", "tokenCode", false, 6, 6, patTokenCode)
	policy := v.str("Policy", "policy", false, 1, 2048, "")
	sourceIdentity := v.str("SourceIdentity", "sourceIdentity", false, 2, 64, patSessionName)
	if e := v.err(); e != nil {
		return nil, e
	}
	if !roleARNRE.MatchString(roleARN) {
		return nil, errorf(http.StatusBadRequest, "ValidationError", "%s is invalid", roleARN)
	}
	// The session policy is checked for syntax but does not narrow the
	// session's permissions.
	if _, given := req.param("Policy"); given && !json.Valid([]byte(policy)) {
		return nil, errorf(http.StatusBadRequest, "MalformedPolicyDocument", "Syntax errors in policy.")
	}
	mfa, e := s.checkMFA(req, serial, code)
	if e != nil {
		return nil, e
	}

	// AWS does not reveal whether the role exists: a missing role, a
	// missing identity permission and an untrusting role all look alike.
	caller := req.caller
	denied := errAccessDenied("User: %s is not authorized to perform: sts:AssumeRole on resource: %s", caller.arn(), roleARN)
	r := s.roles[roleARN]
	if r == nil || !caller.permissions().allows("sts:AssumeRole", roleARN) {
		return nil, denied
	}
	ctx := &requestContext{caller: caller, action: "sts:AssumeRole", keys: callerKeys(caller)}
	ctx.keys["sts:rolesessionname"] = session
	switch {
	case mfa != nil:
		ctx.keys["aws:multifactorauthpresent"] = "true"
	case caller.temporary:
		ctx.keys["aws:multifactorauthpresent"] = fmt.Sprint(caller.mfa)
	default:
		// Absent for long-lived keys, as in AWS: only Bool ... "true"
		// conditions are a safe way to require MFA.
	}
	if externalID != "" {
		ctx.keys["sts:externalid"] = externalID
	}
	if sourceIdentity != "" {
		ctx.keys["sts:sourceidentity"] = sourceIdentity
	}
	if !r.trust.allows(ctx) {
		return nil, denied
	}

	d := time.Duration(seconds) * time.Second
	if caller.temporary && d > roleChainingLimit {
		return nil, errorf(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	}
	if d > r.spec.MaxSessionDuration {
		return nil, errorf(http.StatusBadRequest, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")
	}

	expires := req.now.Add(d).Truncate(time.Second)
	k := s.issueSession(identity{
		account: r.spec.Account,
		role:    r,
		session: session,
		// MFA carries over through role chaining.
		mfa:     mfa != nil || caller.mfa,
		chained: caller.temporary,
	}, expires)
	mfa.consume()

	type assumedRoleUser struct {
		AssumedRoleID string `xml:"AssumedRoleId"`
		Arn           string
	}
	result := struct {
		Credentials      stsCredentials
		AssumedRoleUser  assumedRoleUser
		PackedPolicySize int    `xml:",omitempty"`
		SourceIdentity   string `xml:",omitempty"`
	}{
		Credentials:     credentialsOf(k),
		AssumedRoleUser: assumedRoleUser{AssumedRoleID: k.caller.userID(), Arn: k.caller.arn()},
		SourceIdentity:  sourceIdentity,
	}
	if policy != "" {
		// Percentage of the packed-policy limit used; never 0 when given.
		result.PackedPolicySize = max(1, len(policy)*100/2048)
	}
	return result, nil
}

// callerKeys returns the global condition keys describing the caller.
func callerKeys(id *identity) map[string]string {
	keys := map[string]string{
		"aws:principalaccount": id.account,
		"aws:userid":           id.userID(),
	}
	if id.role != nil {
		keys["aws:principalarn"] = id.role.arn
		keys["aws:principaltype"] = "AssumedRole"
	} else {
		keys["aws:principalarn"] = id.user.arn
		keys["aws:principaltype"] = "User"
		keys["aws:username"] = id.user.name
	}
	return keys
}

// mfaUse is a validated MFA code, to be consumed when the call succeeds.
type mfaUse struct {
	device *mfaDevice
	step   int64
}

// consume marks the code's time step used, so it cannot be replayed. It is
// a no-op on nil (no MFA in the call).
func (u *mfaUse) consume() {
	if u == nil {
		return
	}
	u.device.used[u.step] = true
	// Steps older than the acceptance window can never match again.
	for st := range u.device.used {
		if st < u.step-2*mfaTOTPSkew {
			delete(u.device.used, st)
		}
	}
}

// checkMFA validates SerialNumber/TokenCode. It returns nil, nil when the
// call carries neither. The code is only marked used by consume, once the
// whole call has succeeded.
func (s *Server) checkMFA(req *request, serial, code string) (*mfaUse, *apiError) {
	if serial == "" && code == "" {
		return nil, nil
	}
	unable := errAccessDenied("MultiFactorAuthentication failed, unable to validate MFA code.")
	if serial == "" || code == "" {
		return nil, unable
	}
	d := s.devices[serial]
	// The device must be the calling user's own; role sessions have none.
	if d == nil || req.caller.user == nil || d.user != req.caller.user {
		return nil, unable
	}
	step, ok := totp.Validate(d.secret, code, req.now, mfaTOTPSkew)
	if !ok || d.used[step] {
		return nil, errAccessDenied("MultiFactorAuthentication failed with invalid MFA one time pass code. ")
	}
	return &mfaUse{device: d, step: step}, nil
}
