package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"

	"github.com/credproc/credproc/cache"
)

// The signer is checked three ways: against vectors AWS published, against
// the SDK's v4.Signer (which this package used before; the requests on the
// wire must not change), and end to end against the emulator's independent
// verifier (awsapi_test.go, sts_test.go).

// The credentials and time of AWS's published examples.
var (
	exampleCreds = cache.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}
	exampleTime  = time.Date(2015, 8, 30, 12, 36, 0, 0, time.UTC)
)

func payloadHash(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// signRequest is one request to sign, built fresh for each signer.
type signRequest struct {
	method, url string
	header      [][2]string // added in order with Header.Add
	host        string      // req.Host, if set
	body        string
}

func (r signRequest) build(t testing.TB) *http.Request {
	t.Helper()
	req, err := http.NewRequest(r.method, r.url, bytes.NewReader([]byte(r.body)))
	if err != nil {
		t.Fatal(err)
	}
	for _, h := range r.header {
		req.Header.Add(h[0], h[1])
	}
	req.Host = r.host
	return req
}

// TestSigV4Published signs the examples of AWS's documentation: the IAM
// ListUsers request of the General Reference's "Signature Version 4
// signing process" and vectors of the SigV4 test suite.
func TestSigV4Published(t *testing.T) {
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	for _, tc := range []struct {
		name    string
		req     signRequest
		service string
		want    string
	}{
		{"IAM ListUsers", signRequest{method: "GET", url: "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08", header: [][2]string{{"Content-Type", form}}}, "iam",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, SignedHeaders=content-type;host;x-amz-date, " +
				"Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"},
		{"get-vanilla", signRequest{method: "GET", url: "https://example.amazonaws.com/"}, "service",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
				"Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
		{"get-vanilla-query-order-key-case", signRequest{method: "GET", url: "https://example.amazonaws.com/?Param2=value2&Param1=value1"}, "service",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
				"Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
		{"post-vanilla", signRequest{method: "POST", url: "https://example.amazonaws.com/"}, "service",
			"AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, " +
				"Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := tc.req.build(t)
			signV4(req, exampleCreds, payloadHash(nil), tc.service, "us-east-1", exampleTime)
			if got := req.Header.Get("Authorization"); got != tc.want {
				t.Errorf("Authorization\n got %s\nwant %s", got, tc.want)
			}
			if got := req.Header.Get("X-Amz-Date"); got != "20150830T123600Z" {
				t.Errorf("X-Amz-Date %q", got)
			}
			if _, ok := req.Header["X-Amz-Security-Token"]; ok {
				t.Error("X-Amz-Security-Token without a session token")
			}
		})
	}
	// The documentation's intermediate value: the derived key.
	if got := hex.EncodeToString(signingKey(exampleCreds.SecretAccessKey, "20150830", "us-east-1", "iam")); got != "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9" {
		t.Errorf("signing key %s", got)
	}
}

// sdkSign signs req with the SDK's signer, as this package did before.
func sdkSign(t testing.TB, req *http.Request, c cache.Credentials, hash, service, region string, at time.Time) {
	t.Helper()
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Source: "credproc"}
	if err := v4.NewSigner().SignHTTP(context.Background(), creds, req, hash, service, region, at); err != nil {
		t.Fatal(err)
	}
}

// sameAsSDK signs r with both signers and requires the same request out:
// headers (Authorization, X-Amz-Date, X-Amz-Security-Token), Host and URL.
func sameAsSDK(t testing.TB, r signRequest, c cache.Credentials, service, region string, at time.Time) {
	t.Helper()
	hash := payloadHash([]byte(r.body))
	mine, sdk := r.build(t), r.build(t)
	signV4(mine, c, hash, service, region, at)
	sdkSign(t, sdk, c, hash, service, region, at)
	if got, want := mine.Header.Get("Authorization"), sdk.Header.Get("Authorization"); got != want {
		t.Fatalf("%+v: Authorization\n got %s\nwant %s (the SDK's)", r, got, want)
	}
	if !reflect.DeepEqual(mine.Header, sdk.Header) || mine.Host != sdk.Host || mine.URL.String() != sdk.URL.String() {
		t.Fatalf("%+v: signed request differs from the SDK's:\n got %q %v %v\nwant %q %v %v", r, mine.Host, mine.URL, mine.Header, sdk.Host, sdk.URL, sdk.Header)
	}
}

func TestSigV4MatchesSDK(t *testing.T) {
	const form = "application/x-www-form-urlencoded; charset=utf-8"
	user := cache.Credentials{AccessKeyID: "AKIAIOSFODNN7EXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}
	session := cache.Credentials{AccessKeyID: "ASIAIOSFODNN7EXAMPLE", SecretAccessKey: "secret+/=", SessionToken: "FwoGZXIvYXdzEXAMPLE//////////wEaDM+token=="}
	at := time.Date(2026, 2, 28, 23, 59, 59, 999, time.FixedZone("CET", 3600))
	for _, r := range []signRequest{
		// The requests Client sends.
		{method: "POST", url: "https://sts.eu-west-1.amazonaws.com/", body: "Action=GetCallerIdentity&Version=2011-06-15",
			header: [][2]string{{"Content-Type", form}, {"User-Agent", "credproc"}}},
		{method: "POST", url: "https://iam.amazonaws.com/", body: "Action=GetRole&RoleName=OrganizationAccountAccessRole&Version=2010-05-08",
			header: [][2]string{{"Content-Type", form}, {"User-Agent", "credproc"}}},
		{method: "POST", url: "https://organizations.us-east-1.amazonaws.com/", body: `{"MaxResults":20}`,
			header: [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts"}, {"User-Agent", "credproc"}}},
		{method: "POST", url: "https://organizations.us-east-1.amazonaws.com/", body: "{}",
			header: [][2]string{{"Content-Type", "application/x-amz-json-1.1"}, {"X-Amz-Target", "AWSOrganizationsV20161128.DescribeOrganization"}}},
		// Configured endpoints: a port, a path, a default port.
		{method: "POST", url: "http://127.0.0.1:4566/", body: "Action=GetSessionToken&Version=2011-06-15", header: [][2]string{{"Content-Type", form}}},
		{method: "POST", url: "http://localhost:4566/aws/sts/", body: "x=1"},
		{method: "POST", url: "https://sts.example.com:443/"},
		{method: "POST", url: "http://sts.example.com:80/"},
		{method: "POST", url: "https://sts.example.com:8443/"},
		{method: "POST", url: "http://[::1]:4566/"},
		{method: "POST", url: "https://proxy.example.com/", host: "sts.amazonaws.com"},
		// Paths and queries to escape, sort and rewrite.
		{method: "GET", url: "https://example.amazonaws.com/a%20b/c%2Fd/~e/ü/%7Ef"},
		{method: "GET", url: "https://example.amazonaws.com/a b/./../c//d"},
		{method: "GET", url: "https://example.amazonaws.com/?b=2&a=3&a=1&a-b=0&a=&c&%41=%2a&sp=a+b%20c&u=%C3%BC&t=~"},
		{method: "GET", url: "https://example.amazonaws.com/?Param1=value2&Param1=Value1&bad=%zz;x=1"},
		{method: "GET", url: "https://example.amazonaws.com/?"},
		// Headers: spacing, case, repeats, the ones left unsigned.
		{method: "POST", url: "https://example.amazonaws.com/", body: "b", header: [][2]string{
			{"My-Header1", "  value1  with   spaces  "}, {"my-header1", "second"}, {"MY-HEADER2", "\t\"a   b\"\t"},
			{"X-Amzn-Trace-Id", "Root=1"}, {"Expect", "100-continue"}, {"Authorization", "old"},
			{"Content-Length", "999"}, {"Host", "other.example.com"}, {"X-Amz-Date", "stale"}, {"Empty", ""},
		}},
	} {
		for _, c := range []cache.Credentials{user, session} {
			sameAsSDK(t, r, c, "sts", "eu-west-1", at)
		}
	}
	// The session token, date, region and service make it into the
	// signature as the SDK puts them there.
	r := signRequest{method: "POST", url: "https://iam.cn-north-1.amazonaws.com.cn/", body: "Action=ListRoles&Version=2010-05-08"}
	for _, at := range []time.Time{time.Unix(0, 0), exampleTime, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Date(12345, 1, 2, 3, 4, 5, 0, time.UTC)} {
		sameAsSDK(t, r, session, "iam", "cn-north-1", at)
	}
}

// FuzzSigV4MatchesSDK signs arbitrary requests with both signers. Inputs
// net/http would refuse to send (an invalid method, header name or value)
// are skipped: no request of that shape ever gets signed.
func FuzzSigV4MatchesSDK(f *testing.F) {
	f.Add("POST", "/", "", []byte("Action=GetCallerIdentity&Version=2011-06-15"), "Content-Type", "application/x-www-form-urlencoded; charset=utf-8",
		"User-Agent", "credproc", "us-east-1", "sts", int64(1440938160), "")
	f.Add("POST", "/", "", []byte(`{"MaxResults":20}`), "X-Amz-Target", "AWSOrganizationsV20161128.ListAccounts",
		"Content-Type", "application/x-amz-json-1.1", "us-east-1", "organizations", int64(1767225600), "FwoGZXIvYXdzEXAMPLE")
	f.Add("GET", "/a%20b/c//d/", "b=2&a=1&a=0&s=a+b", []byte(nil), "My-Header", "  a   b  ", "my-header", "c", "eu-west-1", "iam", int64(-1), "tok en")
	f.Add("PUT", "/~ü", "%zz&x", []byte("body"), "X-Amz-Date", "x", "Host", "h", "", "", int64(253402300800), " ")
	f.Fuzz(func(t *testing.T, method, path, query string, body []byte, name1, value1, name2, value2, region, service string, unix int64, token string) {
		u := "https://example.amazonaws.com" + path
		if query != "" {
			u += "?" + query
		}
		parsed, err := url.Parse(u)
		if err != nil || parsed.Host != "example.amazonaws.com" || parsed.Opaque != "" {
			t.Skip()
		}
		r := signRequest{method: method, url: u, body: string(body)}
		for _, h := range [][2]string{{name1, value1}, {name2, value2}} {
			if !validHeaderName(h[0]) || !validHeaderValue(h[1]) {
				t.Skip()
			}
			r.header = append(r.header, h)
		}
		if _, err := http.NewRequest(method, u, nil); err != nil {
			t.Skip()
		}
		c := cache.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", SessionToken: token}
		sameAsSDK(t, r, c, service, region, time.Unix(unix, 0))
	})
}

// validHeaderName reports whether net/http would send a header of that
// name: an RFC 7230 token.
func validHeaderName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// validHeaderValue reports whether net/http would send a header of that
// value: no control characters but tab.
func validHeaderValue(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < ' ' && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}
