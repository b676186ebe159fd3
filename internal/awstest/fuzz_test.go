package awstest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

func FuzzParseAuthorization(f *testing.F) {
	sig := strings.Repeat("0f", 32)
	for _, s := range []string{
		"AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/20240101/us-east-1/sts/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date, Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=AKIAAAAAAAAAAAAAAAAA/20240101/eu-west-1/iam/aws4_request,SignedHeaders=host,Signature=" + sig,
		"AWS4-HMAC-SHA256 Credential=A/B/C/D/E, SignedHeaders=host, Signature=x",
		"AWS4-HMAC-SHA256 ,,,",
		"AWS4-HMAC-SHA256",
		"AWS AKID:sig",
		"",
		"AWS4-HMAC-SHA256 Credential==, SignedHeaders=;;, Signature==",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, h string) {
		a, e := parseAuthorization(h)
		if e != nil {
			if e.status != http.StatusBadRequest || e.code != "IncompleteSignature" || e.message == "" {
				t.Fatalf("parseAuthorization(%q): unexpected error %+v", h, e)
			}
			return
		}
		// Whatever parses is well-formed and survives a round trip.
		if a.accessKeyID == "" || a.region == "" || a.service == "" || len(a.signature) != 64 || !containsString(a.signedHeaders, "host") {
			t.Fatalf("parseAuthorization(%q) accepted %+v", h, a)
		}
		b, e := parseAuthorization(a.String())
		if e != nil || b.String() != a.String() {
			t.Fatalf("round trip of %q: %+v, %v", a.String(), b, e)
		}
	})
}

// FuzzServeHTTP drives the whole request pipeline with arbitrary
// Authorization headers, bodies and query strings: the server must always
// answer with a well-formed AWS error (or success) and log the request.
func FuzzServeHTTP(f *testing.F) {
	s := NewServer()
	defer s.Close()
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	s.SetClock(func() time.Time { return at })
	id, secret := s.CreateUser(acct, "alice")
	s.CreateRole(Role{Account: acct, Name: "r", TrustedAccounts: []string{acct}})

	// A correctly signed request, so that mutations start from a valid one.
	body := "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A111111111111%3Arole%2Fr&RoleSessionName=fz"
	req := newFuzzRequest("", body, "")
	sum := sha256.Sum256([]byte(body))
	if err := v4.NewSigner().SignHTTP(context.Background(), aws.Credentials{AccessKeyID: id, SecretAccessKey: secret},
		req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at); err != nil {
		f.Fatal(err)
	}
	f.Add(req.Header.Get("Authorization"), body, "")
	f.Add(req.Header.Get("Authorization"), "", body)
	f.Add("", "Action=GetCallerIdentity&Version=2011-06-15", "")
	f.Add("AWS4-HMAC-SHA256 Credential="+id+"/20260102/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature="+strings.Repeat("a", 64), "Action=%zz", "a=%")

	f.Fuzz(func(t *testing.T, auth, body, query string) {
		req := newFuzzRequest(auth, body, query)
		req.Header.Set("X-Amz-Date", at.Format(amzDateFormat))
		before := len(s.Log())
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		res := rec.Result()
		out, _ := io.ReadAll(res.Body)
		if res.Header.Get("X-Amzn-Requestid") == "" || res.Header.Get("Content-Type") != "text/xml" {
			t.Fatalf("headers %v", res.Header)
		}
		if res.StatusCode != http.StatusOK {
			var e struct {
				XMLName xml.Name `xml:"ErrorResponse"`
				Error   struct{ Code, Message string }
			}
			if err := xml.Unmarshal(out, &e); err != nil || e.Error.Code == "" || res.StatusCode < 400 || res.StatusCode > 499 {
				t.Fatalf("status %d body %q: %v", res.StatusCode, out, err)
			}
		} else if !strings.Contains(string(out), "<AssumeRoleResult>") {
			t.Fatalf("success without result: %s", out)
		}
		if len(s.Log()) != before+1 {
			t.Fatal("request not logged")
		}
		if len(s.Log()) > 1000 {
			s.ResetCalls()
		}
	})
}

func newFuzzRequest(auth, body, query string) *http.Request {
	req := &http.Request{
		Method:        http.MethodPost,
		URL:           &url.URL{Scheme: "http", Host: "127.0.0.1:1", Path: "/", RawQuery: query},
		Host:          "127.0.0.1:1",
		Header:        http.Header{"Content-Type": {"application/x-www-form-urlencoded"}},
		Body:          io.NopCloser(strings.NewReader(body)),
		ContentLength: int64(len(body)),
		RequestURI:    "/",
	}
	if query != "" {
		req.RequestURI = "/?" + query
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	return req
}
