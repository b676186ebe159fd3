package awsapi

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc/awstest"
	"github.com/credproc/credproc/credproc/totp"
)

// TestSTSEndpoint checks STSEndpoint against the SDK's own endpoint rules
// (the generated resolver is linked into this test only): URL and signing
// region, regional and with sts_regional_endpoints = legacy.
func TestSTSEndpoint(t *testing.T) {
	regions := []string{
		"us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
		"eu-central-1", "eu-north-1", "eu-west-1", "eu-west-2", "eu-west-3",
		"ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2", "aws-global",
		// not legacy: regional even with legacy
		"ap-northeast-2", "ap-northeast-3", "ap-east-1", "eu-south-1", "eu-central-2", "me-south-1",
		"af-south-1", "il-central-1", "ca-west-1", "mx-central-1", "ap-southeast-5",
		"cn-north-1", "cn-northwest-1", "us-gov-west-1", "us-gov-east-1",
	}
	resolver := sts.NewDefaultEndpointResolverV2()
	for _, region := range regions {
		for _, global := range []bool{false, true} {
			sdk, err := resolver.ResolveEndpoint(t.Context(), sts.EndpointParameters{
				Region:            aws.String(region),
				UseGlobalEndpoint: aws.Bool(global),
			})
			if err != nil {
				t.Fatalf("%s global=%v: SDK: %v", region, global, err)
			}
			signing := region
			if opts, ok := smithyauth.GetAuthOptions(&sdk.Properties); ok && len(opts) > 0 {
				if r, ok := smithyhttp.GetSigV4SigningRegion(&opts[0].SignerProperties); ok {
					signing = r
				}
			}
			want := Endpoint{URL: sdk.URI.String(), Region: signing}
			if got := STSEndpoint(region, global); got != want {
				t.Errorf("STSEndpoint(%q, %v) = %+v, the SDK's rules say %+v", region, global, got, want)
			}
		}
	}
}

func TestSTSServiceEndpoint(t *testing.T) {
	env := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if got, want := STS.Endpoint("eu-west-1", env(nil)), (Endpoint{URL: "https://sts.eu-west-1.amazonaws.com", Region: "eu-west-1"}); got != want {
		t.Errorf("Endpoint = %+v, want %+v", got, want)
	}
	if got, want := STS.Endpoint("cn-north-1", env(nil)), (Endpoint{URL: "https://sts.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"}); got != want {
		t.Errorf("Endpoint = %+v, want %+v", got, want)
	}
	got := STS.Endpoint("eu-west-1", env(map[string]string{"AWS_ENDPOINT_URL_STS": "http://sts.local", "AWS_ENDPOINT_URL": "http://all.local"}))
	if want := (Endpoint{URL: "http://sts.local", Region: "eu-west-1"}); got != want {
		t.Errorf("Endpoint with AWS_ENDPOINT_URL_STS = %+v, want %+v", got, want)
	}
	got = STS.Endpoint("eu-west-1", env(map[string]string{"AWS_ENDPOINT_URL_IAM": "http://iam.local", "AWS_ENDPOINT_URL": "http://all.local"}))
	if want := (Endpoint{URL: "http://all.local", Region: "eu-west-1"}); got != want {
		t.Errorf("Endpoint with AWS_ENDPOINT_URL = %+v, want %+v", got, want)
	}
}

func TestSTSCalls(t *testing.T) {
	w := newWorld(t)
	serial, seed := w.srv.EnableMFA(mgmt, "admin", "phone")
	arn := w.srv.CreateRole(awstest.Role{Account: member, Name: "Ops", TrustedAccounts: []string{mgmt}, ExternalID: "ext-1", Actions: []string{"*"}})

	cl, _ := w.client(t, STS, w.admin)
	id, err := cl.GetCallerIdentity(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if id.Account != mgmt || id.Arn != "arn:aws:iam::"+mgmt+":user/admin" || id.UserID == "" {
		t.Errorf("GetCallerIdentity = %+v", id)
	}

	code, err := totp.Code(seed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess, err := cl.GetSessionToken(t.Context(), GetSessionTokenInput{DurationSeconds: 3600, SerialNumber: serial, TokenCode: code})
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "GetSessionToken", sess, time.Hour)

	out, err := cl.AssumeRole(t.Context(), AssumeRoleInput{RoleArn: arn, RoleSessionName: "s1", DurationSeconds: 900, ExternalID: "ext-1"})
	if err != nil {
		t.Fatal(err)
	}
	checkCreds(t, "AssumeRole", out.Credentials, 15*time.Minute)
	if want := "arn:aws:sts::" + member + ":assumed-role/Ops/s1"; out.AssumedRoleARN != want || !strings.HasSuffix(out.AssumedRoleID, ":s1") {
		t.Errorf("AssumeRole user = %q %q, want %q", out.AssumedRoleARN, out.AssumedRoleID, want)
	}
	role := cache.Credentials{AccessKeyID: out.Credentials.AccessKeyID, SecretAccessKey: out.Credentials.SecretAccessKey, SessionToken: out.Credentials.SessionToken}
	rcl, _ := w.client(t, STS, role)
	if id, err := rcl.GetCallerIdentity(t.Context()); err != nil || id.Arn != out.AssumedRoleARN || id.Account != member {
		t.Errorf("GetCallerIdentity as the role = %+v, %v", id, err)
	}

	// Without the external ID the trust policy denies: an *APIError that
	// names the operation, as doctor needs to tell AssumeRole apart.
	_, err = cl.AssumeRole(t.Context(), AssumeRoleInput{RoleArn: arn, RoleSessionName: "s2"})
	e := wantAPIError(t, err, "sts", http.StatusForbidden, "AccessDenied", "", w.admin)
	if e != nil && e.Operation != "AssumeRole" {
		t.Errorf("Operation = %q, want AssumeRole", e.Operation)
	}

	iam, _ := w.client(t, IAM, w.admin)
	if _, err := iam.GetCallerIdentity(t.Context()); err == nil || !strings.Contains(err.Error(), "not STS") {
		t.Errorf("GetCallerIdentity on an IAM client: %v", err)
	}
}

func checkCreds(t *testing.T, op string, c *Credentials, d time.Duration) {
	t.Helper()
	if c == nil || c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" {
		t.Fatalf("%s credentials = %+v", op, c)
	}
	if left := time.Until(c.Expiration); left < d-time.Minute || left > d+time.Minute || c.Expiration.Location() != time.UTC {
		t.Errorf("%s expiration %v, want about %v from now, in UTC", op, c.Expiration, d)
	}
}

// TestSTSReplies checks the parameters sent and the parsing of replies the
// emulator does not make: fractional seconds and zones in Expiration, no
// Credentials, a bad Expiration, a network failure.
func TestSTSReplies(t *testing.T) {
	replies := []string{`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>ASIA1</AccessKeyId><SecretAccessKey>s</SecretAccessKey><SessionToken>t</SessionToken>
<Expiration>2030-01-02T03:04:05.123+02:00</Expiration></Credentials>
<AssumedRoleUser><Arn>arn:aws:sts::1:assumed-role/R/x</Arn><AssumedRoleId>AROA:x</AssumedRoleId></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`,
		`<GetSessionTokenResponse><GetSessionTokenResult></GetSessionTokenResult></GetSessionTokenResponse>`,
		`<GetSessionTokenResponse><GetSessionTokenResult><Credentials><AccessKeyId>A</AccessKeyId><Expiration>soon</Expiration></Credentials></GetSessionTokenResult></GetSessionTokenResponse>`,
	}
	forms := make(chan url.Values, len(replies))
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		forms <- r.PostForm
		io.WriteString(w, replies[min(int(n.Add(1))-1, len(replies)-1)])
	}))
	t.Cleanup(srv.Close)
	cl, _ := fakeClient(STS, srv.URL)

	out, err := cl.AssumeRole(t.Context(), AssumeRoleInput{RoleArn: "arn:aws:iam::1:role/R", RoleSessionName: "x", DurationSeconds: 3600, SerialNumber: "arn:aws:iam::1:mfa/p", TokenCode: "123456"})
	if err != nil {
		t.Fatal(err)
	}
	want := url.Values{"Action": {"AssumeRole"}, "Version": {"2011-06-15"}, "RoleArn": {"arn:aws:iam::1:role/R"}, "RoleSessionName": {"x"},
		"DurationSeconds": {"3600"}, "SerialNumber": {"arn:aws:iam::1:mfa/p"}, "TokenCode": {"123456"}}
	if form := <-forms; form.Encode() != want.Encode() {
		t.Errorf("sent %s, want %s", form.Encode(), want.Encode())
	}
	if exp := time.Date(2030, 1, 2, 1, 4, 5, 123e6, time.UTC); !out.Credentials.Expiration.Equal(exp) || out.Credentials.Expiration.Location() != time.UTC {
		t.Errorf("Expiration = %v, want %v", out.Credentials.Expiration, exp)
	}
	if out.AssumedRoleARN != "arn:aws:sts::1:assumed-role/R/x" || out.AssumedRoleID != "AROA:x" || out.Credentials.AccessKeyID != "ASIA1" {
		t.Errorf("AssumeRole = %+v %+v", out, out.Credentials)
	}

	if c, err := cl.GetSessionToken(t.Context(), GetSessionTokenInput{}); err != nil || c != nil {
		t.Errorf("GetSessionToken without Credentials = %+v, %v; want nil, nil", c, err)
	}
	if form, want := <-forms, (url.Values{"Action": {"GetSessionToken"}, "Version": {"2011-06-15"}}); form.Encode() != want.Encode() {
		t.Errorf("sent %s, want %s", form.Encode(), want.Encode())
	}
	if _, err := cl.GetSessionToken(t.Context(), GetSessionTokenInput{}); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("GetSessionToken with a bad Expiration: %v", err)
	}

	// A refused connection is a net.Error, as credproc's explain() needs.
	srv.Close()
	_, err = cl.GetCallerIdentity(t.Context())
	var ue *url.Error
	if !errors.As(err, &ue) {
		t.Errorf("GetCallerIdentity at a closed server: %T %v, want a *url.Error", err, err)
	}
}
