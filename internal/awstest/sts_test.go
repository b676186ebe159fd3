package awstest

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/internal/totp"
)

var ctx = context.Background()

func TestGetCallerIdentityUser(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	if !regexp.MustCompile(`^AKIA[A-Z2-7]{16}$`).MatchString(alice.id) || len(alice.secret) != 40 {
		t.Fatalf("key %q secret %q", alice.id, alice.secret)
	}
	out, err := client(s, alice).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got := aws.ToString(out.Arn); got != "arn:aws:iam::111111111111:user/alice" {
		t.Errorf("Arn = %s", got)
	}
	if got := aws.ToString(out.Account); got != acct {
		t.Errorf("Account = %s", got)
	}
	if got := aws.ToString(out.UserId); !regexp.MustCompile(`^AIDA[A-Z2-7]{17}$`).MatchString(got) {
		t.Errorf("UserId = %s", got)
	}

	// A second key authenticates the same user.
	id2, secret2 := s.CreateAccessKey(acct, "alice")
	if got := callerARN(t, client(s, creds{id: id2, secret: secret2})); got != "arn:aws:iam::111111111111:user/alice" {
		t.Errorf("second key: Arn = %s", got)
	}
}

func TestResponseShape(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})
	resp, _ := rawRequest(t, s, alice, http.MethodPost,
		"Action=AssumeRole&Version=2011-06-15&RoleArn="+arn+"&RoleSessionName=shape", time.Now(), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	if ct := resp.Header.Get("Content-Type"); ct != "text/xml" {
		t.Errorf("Content-Type %q", ct)
	}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err != nil || time.Since(d) > time.Minute {
		t.Errorf("Date header %q", resp.Header.Get("Date"))
	}
	_, qe := rawRequest(t, s, alice, http.MethodPost,
		"Action=AssumeRole&Version=2011-06-15&RoleArn="+arn+"&RoleSessionName=shape2", time.Now(), nil)
	body := string(qe.raw)
	re := regexp.MustCompile(`^<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>` +
		`<Credentials><AccessKeyId>ASIA[A-Z2-7]{16}</AccessKeyId><SecretAccessKey>[A-Za-z0-9+/]{40}</SecretAccessKey>` +
		`<SessionToken>[A-Za-z0-9+/=]{300,}</SessionToken><Expiration>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ</Expiration></Credentials>` +
		`<AssumedRoleUser><AssumedRoleId>AROA[A-Z2-7]{17}:shape2</AssumedRoleId><Arn>arn:aws:sts::111111111111:assumed-role/r/shape2</Arn></AssumedRoleUser>` +
		`</AssumeRoleResult><ResponseMetadata><RequestId>[0-9a-f-]{36}</RequestId></ResponseMetadata></AssumeRoleResponse>$`)
	if !re.MatchString(body) {
		t.Errorf("unexpected body:\n%s", body)
	}
}

func TestAssumeRole(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct2, Name: "admin", Path: "/ops/", TrustedAccounts: []string{acct}, Actions: []string{"*"}})
	if arn != "arn:aws:iam::222222222222:role/ops/admin" {
		t.Fatalf("role ARN %s", arn)
	}
	sess, out := assume(t, client(s, alice), &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("alice@example.com")})
	if !strings.HasPrefix(sess.id, "ASIA") || sess.token == "" {
		t.Errorf("credentials %+v", sess)
	}
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(time.Hour).Truncate(time.Second); !got.Equal(want) {
		t.Errorf("Expiration %v, want %v", got, want)
	}
	wantARN := "arn:aws:sts::222222222222:assumed-role/admin/alice@example.com"
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != wantARN {
		t.Errorf("AssumedRoleUser.Arn %s", got)
	}
	if got := aws.ToString(out.AssumedRoleUser.AssumedRoleId); !regexp.MustCompile(`^AROA[A-Z2-7]{17}:alice@example.com$`).MatchString(got) {
		t.Errorf("AssumedRoleId %s", got)
	}
	idOut, err := client(s, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatal(err)
	}
	if aws.ToString(idOut.Arn) != wantARN || aws.ToString(idOut.Account) != acct2 || aws.ToString(idOut.UserId) != aws.ToString(out.AssumedRoleUser.AssumedRoleId) {
		t.Errorf("GetCallerIdentity = %s %s %s", aws.ToString(idOut.Arn), aws.ToString(idOut.Account), aws.ToString(idOut.UserId))
	}

	// Explicit durations up to the role's maximum, and session policies.
	long := s.CreateRole(Role{Account: acct2, Name: "long", TrustedAccounts: []string{acct}, MaxSessionDuration: 12 * time.Hour})
	_, out = assume(t, client(s, alice), &sts.AssumeRoleInput{
		RoleArn: aws.String(long), DurationSeconds: aws.Int32(43200),
		Policy:         aws.String(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}`),
		SourceIdentity: aws.String("alice"),
	})
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(12*time.Hour).Truncate(time.Second); !got.Equal(want) {
		t.Errorf("Expiration %v, want %v", got, want)
	}
	//lint:ignore SA1019 AWS still sends PackedPolicySize; the emulator must too.
	packed := aws.ToInt32(out.PackedPolicySize)
	if packed == 0 || aws.ToString(out.SourceIdentity) != "alice" {
		t.Errorf("PackedPolicySize %d SourceIdentity %q", packed, aws.ToString(out.SourceIdentity))
	}
	_, err = client(s, alice).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(long), RoleSessionName: aws.String("pp"), Policy: aws.String("{not json")})
	wantAPIError(t, err, 400, "MalformedPolicyDocument", "Syntax errors in policy.")
}

func TestGetSessionToken(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	c := client(s, alice)
	out, err := c.GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(12*time.Hour).Truncate(time.Second); !got.Equal(want) {
		t.Errorf("default Expiration %v, want %v", got, want)
	}
	sess := fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	// A session of a user is still the user.
	if got := callerARN(t, client(s, sess)); got != "arn:aws:iam::111111111111:user/alice" {
		t.Errorf("session caller %s", got)
	}
	_, err = client(s, sess).GetSessionToken(ctx, &sts.GetSessionTokenInput{})
	wantAPIError(t, err, 403, "AccessDenied", "Cannot call GetSessionToken with session credentials")

	out, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129600)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToTime(out.Credentials.Expiration), now.Add(36*time.Hour).Truncate(time.Second); !got.Equal(want) {
		t.Errorf("Expiration %v, want %v", got, want)
	}
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(899)})
	wantAPIError(t, err, 400, "ValidationError", "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900")
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(129601)})
	wantAPIError(t, err, 400, "ValidationError", "Member must have value less than or equal to 129600")
}

func TestMissingAndMalformedAuthorization(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	const params = "Action=GetCallerIdentity&Version=2011-06-15"

	resp, qe := rawRequest(t, s, creds{}, http.MethodPost, params, time.Now(), nil)
	wantRaw(t, resp, qe, 403, "MissingAuthenticationToken", "Request is missing Authentication Token")
	resp, qe = rawRequest(t, s, creds{}, http.MethodGet, params, time.Now(), nil)
	wantRaw(t, resp, qe, 403, "MissingAuthenticationToken", "Request is missing Authentication Token")

	setAuth := func(v string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("Authorization", v) }
	}
	sig := strings.Repeat("ab", 32)
	scope := alice.id + "/" + time.Now().UTC().Format("20060102") + "/us-east-1/sts/aws4_request"
	for _, tc := range []struct{ auth, msg string }{
		{"Bearer abc", "requires 'Credential' parameter"},
		{"AWS " + alice.id + ":c2ln", "requires 'Credential' parameter"},
		{"AWS4-HMAC-SHA512 Credential=" + scope, "Unsupported AWS 'algorithm'"},
		{"AWS4-HMAC-SHA256 SignedHeaders=host, Signature=" + sig, "requires 'Credential' parameter"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host", "requires 'Signature' parameter"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", Signature=" + sig, "requires 'SignedHeaders' parameter"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature", "missing equal-sign"},
		{"AWS4-HMAC-SHA256 Credential=" + alice.id + "/20240101/us-east-1/sts, SignedHeaders=host, Signature=" + sig, "exactly 5 slash-delimited"},
		{"AWS4-HMAC-SHA256 Credential=" + alice.id + "/20240101/us-east-1/sts/aws5_request, SignedHeaders=host, Signature=" + sig, "valid terminator"},
		{"AWS4-HMAC-SHA256 Credential=" + alice.id + "/2024-01-01/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=" + sig, "YYYYMMDD"},
		{"AWS4-HMAC-SHA256 Credential=" + alice.id + "/20240101/US_EAST/sts/aws4_request, SignedHeaders=host, Signature=" + sig, "valid region"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=x-amz-date, Signature=" + sig, "'Host' or ':authority' must be a 'SignedHeader'"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=x-amz-date;host, Signature=" + sig, "SignedHeaders"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=Host, Signature=" + sig, "SignedHeaders"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature=xyz", "Signature must be 64"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature=" + sig + ", Signature=" + sig, "more than once"},
		{"AWS4-HMAC-SHA256 Credential=" + scope + ", SignedHeaders=host, Signature=" + sig + ", Extra=1", "not a valid key=value pair"},
	} {
		resp, qe := rawRequest(t, s, alice, http.MethodPost, params, time.Now(), setAuth(tc.auth))
		wantRaw(t, resp, qe, 400, "IncompleteSignature", tc.msg)
	}

	// A missing X-Amz-Date is found once the key is known.
	resp, qe = rawRequest(t, s, alice, http.MethodPost, params, time.Now(), func(r *http.Request) { r.Header.Del("X-Amz-Date") })
	wantRaw(t, resp, qe, 400, "IncompleteSignature", "X-Amz-Date")
	// A scope naming a service the emulator does not serve.
	resp, qe = rawRequest(t, s, alice, http.MethodPost, params, time.Now(), func(r *http.Request) {
		r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "/sts/", "/s3/", 1))
	})
	wantRaw(t, resp, qe, 403, "SignatureDoesNotMatch", "Credential should be scoped to correct service")
	// Two Authorization headers.
	resp, qe = rawRequest(t, s, alice, http.MethodPost, params, time.Now(), func(r *http.Request) {
		r.Header.Add("Authorization", r.Header.Get("Authorization"))
	})
	wantRaw(t, resp, qe, 400, "IncompleteSignature", "more than one Authorization header")
}

func TestInvalidClientTokenID(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	const msg = "The security token included in the request is invalid."

	_, err := client(s, creds{id: "AKIAAAAAAAAAAAAAAAAA", secret: alice.secret}).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)

	sess := sessionCreds(client(s, alice), t)
	// Temporary key without its token, with another token, and a long-lived
	// key with a token.
	_, err = client(s, creds{id: sess.id, secret: sess.secret}).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)
	other := sessionCreds(client(s, alice), t)
	_, err = client(s, creds{id: sess.id, secret: sess.secret, token: other.token}).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)
	_, err = client(s, creds{id: alice.id, secret: alice.secret, token: sess.token}).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)

	// Deactivated keys, long-lived and temporary.
	callerARN(t, client(s, sess))
	s.DeactivateKey(alice.id)
	_, err = client(s, alice).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)
	s.DeactivateKey(sess.id)
	_, err = client(s, sess).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", msg)
}

func TestExpiredToken(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	out, err := client(s, alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(900)})
	if err != nil {
		t.Fatal(err)
	}
	sess := fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	s.SetClock(func() time.Time { return now.Add(899 * time.Second) })
	callerARN(t, client(s, sess))
	s.SetClock(func() time.Time { return now.Add(900 * time.Second) })
	_, err = client(s, sess).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 400, "ExpiredToken", "The security token included in the request is expired")
	// Long-lived keys do not expire.
	callerARN(t, client(s, alice, noRetryDelay))

	s.SetClock(func() time.Time { return now })
	sess = sessionCreds(client(s, alice), t)
	callerARN(t, client(s, sess))
	s.ExpireAll()
	_, err = client(s, sess).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 400, "ExpiredToken", "expired")
}

// noRetryDelay retries at once, for tests that make the SDK correct its
// clock.
func noRetryDelay(o *sts.Options) {
	o.Retryer = retry.NewStandard(func(o *retry.StandardOptions) {
		o.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

func TestSignatureDoesNotMatch(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})

	wrong := "x"
	if strings.HasSuffix(alice.secret, wrong) {
		wrong = "y"
	}
	_, err := client(s, creds{id: alice.id, secret: alice.secret[:39] + wrong}).GetCallerIdentity(ctx, nil)
	wantAPIError(t, err, 403, "SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided.")

	// The body changed after signing, keeping its length.
	tampered := client(s, alice, func(o *sts.Options) { o.HTTPClient = tamperDoer{"RoleSessionName=aaaa", "RoleSessionName=bbbb"} })
	_, err = tampered.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("aaaa")})
	wantAPIError(t, err, 403, "SignatureDoesNotMatch", "does not match")
	if s.Calls("AssumeRole") != 1 || s.Succeeded("AssumeRole") != 0 {
		t.Errorf("AssumeRole calls %d succeeded %d", s.Calls("AssumeRole"), s.Succeeded("AssumeRole"))
	}

	params := "Action=GetCallerIdentity&Version=2011-06-15"
	now := time.Now()
	for name, mutate := range map[string]func(*http.Request){
		"signed header changed": func(r *http.Request) { r.Header.Set("Content-Type", "application/x-www-form-urlencoded") },
		"host changed":          func(r *http.Request) { r.Host = strings.Replace(r.URL.Host, "127.0.0.1", "localhost", 1) },
		"method changed":        func(r *http.Request) { r.Method = http.MethodPut },
		"path changed":          func(r *http.Request) { r.URL.Path = "/x" },
		"query added":           func(r *http.Request) { r.URL.RawQuery = "a=b" },
		"date changed": func(r *http.Request) {
			r.Header.Set("X-Amz-Date", now.Add(time.Second).UTC().Format("20060102T150405Z"))
		},
		"signed header missing": func(r *http.Request) {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), "SignedHeaders=", "SignedHeaders=a-missing;", 1))
		},
		"content hash header": func(r *http.Request) { r.Header.Set("X-Amz-Content-Sha256", emptySHA256) },
	} {
		resp, qe := rawRequest(t, s, alice, http.MethodPost, params, now, mutate)
		if resp.StatusCode != 403 || qe.Error.Code != "SignatureDoesNotMatch" {
			t.Errorf("%s: got %d %s %s", name, resp.StatusCode, qe.Error.Code, qe.Error.Message)
		}
	}
	// The scope date must be the X-Amz-Date's.
	resp, qe := rawRequest(t, s, alice, http.MethodPost, params, now, func(r *http.Request) {
		r.Header.Set("X-Amz-Date", now.Add(-48*time.Hour).UTC().Format("20060102T150405Z"))
	})
	wantRaw(t, resp, qe, 403, "SignatureDoesNotMatch", "Date in Credential scope does not match")
}

func TestSignatureTimeWindow(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	params := "Action=GetCallerIdentity&Version=2011-06-15"
	for _, d := range []time.Duration{-15 * time.Minute, 15 * time.Minute} {
		if resp, qe := rawRequest(t, s, alice, http.MethodPost, params, now.Add(d), nil); resp.StatusCode != 200 {
			t.Errorf("signed %v from the clock: %s", d, qe.Error.Message)
		}
	}
	resp, qe := rawRequest(t, s, alice, http.MethodPost, params, now.Add(-16*time.Minute), nil)
	wantRaw(t, resp, qe, 403, "SignatureDoesNotMatch", "Signature expired: ")
	resp, qe = rawRequest(t, s, alice, http.MethodPost, params, now.Add(16*time.Minute), nil)
	wantRaw(t, resp, qe, 403, "SignatureDoesNotMatch", "Signature not yet current: ")

	// The SDK corrects its clock from the Date header and retries.
	s.SetClock(func() time.Time { return now.Add(-3 * time.Hour) })
	s.ResetCalls()
	callerARN(t, client(s, alice, noRetryDelay))
	if s.Calls("GetCallerIdentity") != 2 || s.Succeeded("GetCallerIdentity") != 1 {
		t.Errorf("calls %d, succeeded %d; want 2, 1", s.Calls("GetCallerIdentity"), s.Succeeded("GetCallerIdentity"))
	}
}

func TestQueryProtocol(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}, ExternalID: "ext:id/with+chars=ok"})

	// GET with the parameters in the signed query string, including ones
	// that need encoding.
	resp, qe := rawRequest(t, s, alice, http.MethodGet,
		"Version=2011-06-15&Action=AssumeRole&RoleSessionName=a%2Bb%3Dc%40d&ExternalId=ext%3Aid%2Fwith%2Bchars%3Dok&RoleArn="+arn, time.Now(), nil)
	if resp.StatusCode != 200 || !strings.Contains(string(qe.raw), "assumed-role/r/a+b=c@d<") {
		t.Fatalf("GET AssumeRole: %d %s", resp.StatusCode, qe.raw)
	}

	resp, qe = rawRequest(t, s, alice, http.MethodPost, "Action=GetFederationToken&Version=2011-06-15&Name=x", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "InvalidAction", "Could not find operation GetFederationToken for version 2011-06-15")
	resp, qe = rawRequest(t, s, alice, http.MethodPost, "Action=GetCallerIdentity&Version=2010-05-08", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "InvalidAction", "Could not find operation GetCallerIdentity for version 2010-05-08")
	resp, qe = rawRequest(t, s, alice, http.MethodPost, "Version=2011-06-15", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "InvalidAction", "Could not find operation")
	resp, qe = rawRequest(t, s, alice, http.MethodPost, "Action=GetCallerIdentity&Version=2011-06-15&bad=%zz", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "MalformedQueryString", "")
}

func TestValidationErrors(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})
	c := client(s, alice)
	for _, tc := range []struct {
		in  sts.AssumeRoleInput
		msg string
	}{
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("a b")},
			`1 validation error detected: Value 'a b' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\w+=,.@-]*`},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("a")},
			"Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String(strings.Repeat("a", 65))},
			"Member must have length less than or equal to 64"},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(899)},
			"Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ok"), DurationSeconds: aws.Int32(43201)},
			"Member must have value less than or equal to 43200"},
		{sts.AssumeRoleInput{RoleArn: aws.String("short"), RoleSessionName: aws.String("x y")},
			"2 validation errors detected: Value 'short' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'x y' at 'roleSessionName'"},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ok"), TokenCode: aws.String("12345"), SerialNumber: aws.String("arn:aws:iam::111111111111:mfa/x")},
			"Value '12345' at 'tokenCode' failed to satisfy constraint: Member must have length greater than or equal to 6"},
		{sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ok"), ExternalId: aws.String("a b")},
			"at 'externalId' failed to satisfy constraint: Member must satisfy regular expression pattern"},
		{sts.AssumeRoleInput{RoleArn: aws.String("arn:aws:iam::111111111111:user/alice"), RoleSessionName: aws.String("ok")},
			"arn:aws:iam::111111111111:user/alice is invalid"},
	} {
		_, err := c.AssumeRole(ctx, &tc.in)
		wantAPIError(t, err, 400, "ValidationError", tc.msg)
	}
	// Required parameters; the SDK checks these itself, so send raw.
	resp, qe := rawRequest(t, s, alice, http.MethodPost, "Action=AssumeRole&Version=2011-06-15", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "ValidationError", "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName'")
	resp, qe = rawRequest(t, s, alice, http.MethodPost, "Action=AssumeRole&Version=2011-06-15&RoleArn="+arn+"&RoleSessionName=ok&DurationSeconds=1h", time.Now(), nil)
	wantRaw(t, resp, qe, 400, "ValidationError", "Value '1h' at 'durationSeconds'")
}

func TestMFA(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	userCreds(s, acct, "bob")
	serial, secret := s.EnableMFA(acct, "alice", "alice-phone")
	if serial != "arn:aws:iam::111111111111:mfa/alice-phone" {
		t.Fatalf("serial %s", serial)
	}
	bobSerial, bobSecret := s.EnableMFA(acct, "bob", "bob-phone")
	arn := s.CreateRole(Role{Account: acct2, Name: "mfa", TrustedAccounts: []string{acct}, RequireMFA: true})
	c := client(s, alice)
	denied := "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: " + arn
	const invalid = "MultiFactorAuthentication failed with invalid MFA one time pass code. "
	const unable = "MultiFactorAuthentication failed, unable to validate MFA code."

	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", denied)

	code := mfaCode(t, secret, now, 0)
	in := func(serial, code string) *sts.AssumeRoleInput {
		return &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx"), SerialNumber: aws.String(serial), TokenCode: aws.String(code)}
	}
	assume(t, c, in(serial, code))
	// The same code again is refused, also for GetSessionToken.
	_, err = c.AssumeRole(ctx, in(serial, code))
	wantAPIError(t, err, 403, "AccessDenied", invalid)
	_, err = c.GetSessionToken(ctx, &sts.GetSessionTokenInput{SerialNumber: aws.String(serial), TokenCode: aws.String(code)})
	wantAPIError(t, err, 403, "AccessDenied", invalid)
	// The neighbouring steps are accepted once each; further ones are not.
	assume(t, c, in(serial, mfaCode(t, secret, now, 1)))
	assume(t, c, in(serial, mfaCode(t, secret, now, -1)))
	_, err = c.AssumeRole(ctx, in(serial, mfaCode(t, secret, now, 2)))
	wantAPIError(t, err, 403, "AccessDenied", invalid)
	wrong := "000000"
	if wrong == mfaCode(t, secret, now, 0) {
		wrong = "000001"
	}
	_, err = c.AssumeRole(ctx, in(serial, wrong))
	wantAPIError(t, err, 403, "AccessDenied", invalid)

	// Unknown devices and other users' devices.
	s.SetClock(func() time.Time { return now.Add(5 * totp.Step) })
	next := mfaCode(t, secret, now, 5)
	_, err = c.AssumeRole(ctx, in("arn:aws:iam::111111111111:mfa/nope", next))
	wantAPIError(t, err, 403, "AccessDenied", unable)
	_, err = c.AssumeRole(ctx, in(bobSerial, mfaCode(t, bobSecret, now, 5)))
	wantAPIError(t, err, 403, "AccessDenied", unable)
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx"), SerialNumber: aws.String(serial)})
	wantAPIError(t, err, 403, "AccessDenied", unable)
	// A failed call does not use up the code.
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx"), SerialNumber: aws.String(serial), TokenCode: aws.String(next), DurationSeconds: aws.Int32(7200)})
	wantAPIError(t, err, 400, "ValidationError", "MaxSessionDuration")
	sess, _ := assume(t, c, in(serial, next))

	// A role session assumed with MFA is MFA-authenticated: it may assume
	// another MFA-protected role without a code, if its role may chain.
	s.SetClock(func() time.Time { return now.Add(10 * totp.Step) })
	chain := s.CreateRole(Role{Account: acct2, Name: "chain", TrustedAccounts: []string{acct}, RequireMFA: true, Actions: []string{"sts:AssumeRole"}})
	target := s.CreateRole(Role{Account: acct3, Name: "target", TrustedAccounts: []string{acct2}, RequireMFA: true})
	_, err = client(s, sess).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:sts::222222222222:assumed-role/mfa/xx is not authorized to perform: sts:AssumeRole on resource: "+target)
	chainSess, _ := assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(chain), SerialNumber: aws.String(serial), TokenCode: aws.String(mfaCode(t, secret, now, 10))})
	assume(t, client(s, chainSess), &sts.AssumeRoleInput{RoleArn: aws.String(target)})
	// Role sessions have no MFA device of their own.
	_, err = client(s, chainSess).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(target), RoleSessionName: aws.String("xx"), SerialNumber: aws.String(serial), TokenCode: aws.String(mfaCode(t, secret, now, 11))})
	wantAPIError(t, err, 403, "AccessDenied", unable)
}

func TestMFASession(t *testing.T) {
	s := newServer(t)
	now := fixedClock(s)
	alice := userCreds(s, acct, "alice")
	serial, secret := s.EnableMFA(acct, "alice", "phone")
	arn := s.CreateRole(Role{Account: acct2, Name: "mfa", TrustedAccounts: []string{acct}, RequireMFA: true})

	plain := sessionCreds(client(s, alice), t)
	_, err := client(s, plain).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:iam::111111111111:user/alice is not authorized")

	out, err := client(s, alice).GetSessionToken(ctx, &sts.GetSessionTokenInput{
		SerialNumber: aws.String(serial), TokenCode: aws.String(mfaCode(t, secret, now, 0)), DurationSeconds: aws.Int32(3600),
	})
	if err != nil {
		t.Fatal(err)
	}
	mfaSess := fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	// Without a code, twice: the session carries the MFA.
	for i := 0; i < 2; i++ {
		_, ar := assume(t, client(s, mfaSess), &sts.AssumeRoleInput{RoleArn: aws.String(arn)})
		if got := aws.ToString(ar.AssumedRoleUser.Arn); got != "arn:aws:sts::222222222222:assumed-role/mfa/test" {
			t.Errorf("Arn %s", got)
		}
	}
	// Sessions are temporary credentials: role chaining limits apply.
	long := s.CreateRole(Role{Account: acct2, Name: "long", TrustedAccounts: []string{acct}, MaxSessionDuration: 4 * time.Hour})
	_, err = client(s, mfaSess).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(long), RoleSessionName: aws.String("xx"), DurationSeconds: aws.Int32(3601)})
	wantAPIError(t, err, 400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
}

func TestRoleChainingAndMaxDuration(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	hub := s.CreateRole(Role{Account: acct, Name: "hub", TrustedAccounts: []string{acct}, Actions: []string{"sts:AssumeRole"}})
	spoke := s.CreateRole(Role{Account: acct2, Name: "spoke", TrustedPrincipals: []string{hub}, MaxSessionDuration: 2 * time.Hour})
	c := client(s, alice)

	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hub), RoleSessionName: aws.String("xx"), DurationSeconds: aws.Int32(3601)})
	wantAPIError(t, err, 400, "ValidationError", "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.")

	hubSess, _ := assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(hub)})
	hc := client(s, hubSess)
	_, err = hc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(spoke), RoleSessionName: aws.String("xx"), DurationSeconds: aws.Int32(7200)})
	wantAPIError(t, err, 400, "ValidationError", "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.")
	_, out := assume(t, hc, &sts.AssumeRoleInput{RoleArn: aws.String(spoke), DurationSeconds: aws.Int32(3600)})
	if got := aws.ToString(out.AssumedRoleUser.Arn); got != "arn:aws:sts::222222222222:assumed-role/spoke/test" {
		t.Errorf("Arn %s", got)
	}
	// The user itself may not (the trust names the hub role only), but with
	// long-lived keys it may ask for up to the role maximum once trusted.
	_, err = c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(spoke), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "is not authorized")
	s.SetTrust(spoke, nil, []string{"arn:aws:iam::" + acct + ":user/alice"}, false)
	assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(spoke), DurationSeconds: aws.Int32(7200)})
	// The hub role is no longer trusted.
	_, err = hc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(spoke), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:sts::111111111111:assumed-role/hub/test is not authorized")

	// A role session whose role lacks sts:AssumeRole cannot chain.
	leaf := s.CreateRole(Role{Account: acct, Name: "leaf", TrustedAccounts: []string{acct}, Actions: []string{"s3:*"}})
	leafSess, _ := assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(leaf)})
	_, err = client(s, leafSess).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(hub), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "assumed-role/leaf/test is not authorized to perform: sts:AssumeRole on resource: "+hub)
}

func TestExternalID(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct2, Name: "vendor", TrustedAccounts: []string{acct}, ExternalID: "secret-42"})
	c := client(s, alice)
	for _, ext := range []*string{nil, aws.String("secret-43")} {
		_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx"), ExternalId: ext})
		wantAPIError(t, err, 403, "AccessDenied", "is not authorized to perform: sts:AssumeRole")
	}
	assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(arn), ExternalId: aws.String("secret-42")})
	// SetTrust keeps the external ID condition.
	s.SetTrust(arn, []string{acct}, nil, false)
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("xx")})
	wantAPIError(t, err, 403, "AccessDenied", "is not authorized")
}

func TestTrust(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	bob := userCreds(s, acct, "bob")
	mallory := userCreds(s, acct3, "mallory")
	byAccount := s.CreateRole(Role{Account: acct2, Name: "by-account", TrustedAccounts: []string{"arn:aws:iam::" + acct + ":root"}})
	byPrincipal := s.CreateRole(Role{Account: acct2, Name: "by-principal", TrustedPrincipals: []string{"arn:aws:iam::" + acct + ":user/alice"}})
	nobody := s.CreateRole(Role{Account: acct2, Name: "nobody"})
	missing := "arn:aws:iam::" + acct2 + ":role/does-not-exist"

	try := func(c creds, arn string) error {
		_, err := client(s, c).AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ss")})
		return err
	}
	for _, tc := range []struct {
		who  string
		c    creds
		role string
		ok   bool
	}{
		{"alice", alice, byAccount, true},
		{"bob", bob, byAccount, true},
		{"mallory", mallory, byAccount, false},
		{"alice", alice, byPrincipal, true},
		{"bob", bob, byPrincipal, false},
		{"alice", alice, nobody, false},
		{"alice", alice, missing, false},
	} {
		err := try(tc.c, tc.role)
		if tc.ok {
			if err != nil {
				t.Errorf("%s -> %s: %v", tc.who, tc.role, err)
			}
			continue
		}
		// Missing and untrusting roles are indistinguishable.
		wantAPIError(t, err, 403, "AccessDenied", "User: arn:aws:iam::"+callerAccount(tc.c, alice, bob)+":user/"+tc.who+" is not authorized to perform: sts:AssumeRole on resource: "+tc.role)
	}

	// SetTrust replaces the trust.
	s.SetTrust(byAccount, []string{acct3}, nil, false)
	if err := try(alice, byAccount); err == nil {
		t.Error("alice still trusted after SetTrust")
	}
	if err := try(mallory, byAccount); err != nil {
		t.Errorf("mallory after SetTrust: %v", err)
	}
	s.SetTrust(byAccount, nil, []string{"arn:aws:iam::" + acct + ":user/bob"}, false)
	if try(bob, byAccount) != nil || try(alice, byAccount) == nil || try(mallory, byAccount) == nil {
		t.Error("trust by principal after SetTrust")
	}
}

func callerAccount(c, alice, bob creds) string {
	if c == alice || c == bob {
		return acct
	}
	return acct3
}

func TestUserPermissions(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	dev := s.CreateRole(Role{Account: acct2, Name: "dev-admin", TrustedAccounts: []string{acct}})
	prod := s.CreateRole(Role{Account: acct3, Name: "prod-admin", TrustedAccounts: []string{acct}})
	c := client(s, alice)
	try := func(arn string) error {
		_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ss")})
		return err
	}
	if try(dev) != nil || try(prod) != nil {
		t.Fatal("admin user denied")
	}
	s.SetUserAllowedRoles(acct, "alice", "arn:aws:iam::"+acct2+":role/*")
	if err := try(dev); err != nil {
		t.Errorf("allowed role: %v", err)
	}
	wantAPIError(t, try(prod), 403, "AccessDenied", "User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: "+prod)
	s.SetUserAllowedRoles(acct, "alice")
	wantAPIError(t, try(dev), 403, "AccessDenied", "is not authorized")
	s.Allow("arn:aws:iam::"+acct+":user/alice", "sts:Assume*", "arn:aws:iam::*:role/prod-?dmin")
	if try(prod) != nil || try(dev) == nil {
		t.Error("Allow grant")
	}
	// Identity permissions do not matter to GetCallerIdentity.
	callerARN(t, c)
}

func TestCallsAndLog(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})
	c := client(s, alice)
	callerARN(t, c)
	assume(t, c, &sts.AssumeRoleInput{RoleArn: aws.String(arn)})
	_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn + "x"), RoleSessionName: aws.String("ss")})
	wantAPIError(t, err, 403, "AccessDenied", "")
	_, err = client(s, creds{id: "AKIAXXXXXXXXXXXXXXXX", secret: "x"}).GetSessionToken(ctx, nil)
	wantAPIError(t, err, 403, "InvalidClientTokenId", "")

	for action, want := range map[string][2]int{
		"GetCallerIdentity": {1, 1}, "AssumeRole": {2, 1}, "GetSessionToken": {1, 0}, "Nope": {0, 0},
	} {
		if got := [2]int{s.Calls(action), s.Succeeded(action)}; got != want {
			t.Errorf("%s: calls, succeeded = %v, want %v", action, got, want)
		}
	}
	log := s.Log()
	want := []Call{
		{Service: "sts", Action: "GetCallerIdentity", AccessKeyID: alice.id, Caller: "arn:aws:iam::111111111111:user/alice"},
		{Service: "sts", Action: "AssumeRole", AccessKeyID: alice.id, Caller: "arn:aws:iam::111111111111:user/alice"},
		{Service: "sts", Action: "AssumeRole", AccessKeyID: alice.id, Caller: "arn:aws:iam::111111111111:user/alice", ErrorCode: "AccessDenied"},
		{Service: "sts", Action: "GetSessionToken", AccessKeyID: "AKIAXXXXXXXXXXXXXXXX", ErrorCode: "InvalidClientTokenId"},
	}
	if len(log) != len(want) {
		t.Fatalf("log %+v", log)
	}
	for i := range want {
		// Each call records the client's User-Agent.
		if !strings.HasPrefix(log[i].UserAgent, "aws-sdk-go-v2/") {
			t.Errorf("log[%d].UserAgent = %q", i, log[i].UserAgent)
		}
		log[i].Message, log[i].UserAgent = "", ""
		if log[i] != want[i] {
			t.Errorf("log[%d] = %+v, want %+v", i, log[i], want[i])
		}
	}
	s.ResetCalls()
	if s.Calls("AssumeRole") != 0 || len(s.Log()) != 0 {
		t.Error("ResetCalls")
	}
}

func TestConcurrentUse(t *testing.T) {
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})
	c := client(s, alice)
	done := make(chan error)
	for i := 0; i < 8; i++ {
		go func() {
			_, err := c.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: aws.String(arn), RoleSessionName: aws.String("ss")})
			s.CreateRole(Role{Account: acct2, Name: "r" + string(rune('a'+i))})
			s.Calls("AssumeRole")
			done <- err
		}()
	}
	for i := 0; i < 8; i++ {
		if err := <-done; err != nil {
			t.Error(err)
		}
	}
	if s.Succeeded("AssumeRole") != 8 {
		t.Errorf("succeeded %d", s.Succeeded("AssumeRole"))
	}
}
