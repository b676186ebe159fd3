package awstest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/credproc/credproc/internal/totp"
)

const (
	acct  = "111111111111"
	acct2 = "222222222222"
	acct3 = "333333333333"
)

func newServer(t testing.TB) *Server {
	t.Helper()
	s := NewServer()
	t.Cleanup(s.Close)
	return s
}

// creds is an access key triple as handed out by the server.
type creds struct{ id, secret, token string }

func (c creds) provider() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider(c.id, c.secret, c.token)
}

// client returns a real STS client signing with c, pointed at s.
func client(s *Server, c creds, optFns ...func(*sts.Options)) *sts.Client {
	cfg := aws.Config{
		Region:       "us-east-1",
		Credentials:  c.provider(),
		BaseEndpoint: aws.String(s.URL),
	}
	return sts.NewFromConfig(cfg, optFns...)
}

func userCreds(s *Server, account, name string) creds {
	id, secret := s.CreateUser(account, name)
	return creds{id: id, secret: secret}
}

func sessionCreds(c *sts.Client, t testing.TB) creds {
	t.Helper()
	out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatalf("GetSessionToken: %v", err)
	}
	return fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
}

func fromSTS(id, secret, token *string) creds {
	return creds{id: aws.ToString(id), secret: aws.ToString(secret), token: aws.ToString(token)}
}

func assume(t testing.TB, c *sts.Client, in *sts.AssumeRoleInput) (creds, *sts.AssumeRoleOutput) {
	t.Helper()
	if in.RoleSessionName == nil {
		in.RoleSessionName = aws.String("test")
	}
	out, err := c.AssumeRole(context.Background(), in)
	if err != nil {
		t.Fatalf("AssumeRole(%s): %v", aws.ToString(in.RoleArn), err)
	}
	return fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken), out
}

func callerARN(t testing.TB, c *sts.Client) string {
	t.Helper()
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity: %v", err)
	}
	return aws.ToString(out.Arn)
}

// wantAPIError checks that err is the AWS error code with the HTTP status
// and a message containing msg.
func wantAPIError(t testing.TB, err error, status int, code, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	var ae smithy.APIError
	if !errors.As(err, &ae) {
		t.Fatalf("got %v, want API error %s", err, code)
	}
	if ae.ErrorCode() != code || !strings.Contains(ae.ErrorMessage(), msg) {
		t.Fatalf("got %s %q, want %s containing %q", ae.ErrorCode(), ae.ErrorMessage(), code, msg)
	}
	var se interface{ HTTPStatusCode() int }
	if !errors.As(err, &se) || se.HTTPStatusCode() != status {
		t.Fatalf("got HTTP status %v, want %d (%v)", se, status, err)
	}
	var rid interface{ ServiceRequestID() string }
	if !errors.As(err, &rid) || rid.ServiceRequestID() == "" {
		t.Fatalf("error has no request ID: %v", err)
	}
}

// mfaCode returns the device's code for the step offset steps from now.
func mfaCode(t testing.TB, secret string, now time.Time, offset int) string {
	t.Helper()
	c, err := totp.Code(secret, now.Add(time.Duration(offset)*totp.Step))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// fixedClock pins the server clock to the middle of a TOTP step near the
// real time, so signatures made with the real clock stay in the window
// and codes do not roll over during a test.
func fixedClock(s *Server) time.Time {
	now := time.Now().Truncate(totp.Step).Add(totp.Step / 2)
	s.SetClock(func() time.Time { return now })
	return now
}

// rawRequest sends an STS query request signed by the SDK's signer at the
// given time. mutate, if set, edits the request after signing.
func rawRequest(t testing.TB, s *Server, c creds, method, params string, at time.Time, mutate func(*http.Request)) (*http.Response, queryError) {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, s.URL+"/?"+params, nil)
		params = ""
	} else {
		req, err = http.NewRequest(method, s.URL+"/", strings.NewReader(params))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	}
	if err != nil {
		t.Fatal(err)
	}
	if c.id != "" {
		sum := sha256.Sum256([]byte(params))
		err = v4.NewSigner().SignHTTP(context.Background(),
			aws.Credentials{AccessKeyID: c.id, SecretAccessKey: c.secret, SessionToken: c.token},
			req, hex.EncodeToString(sum[:]), "sts", "us-east-1", at)
		if err != nil {
			t.Fatal(err)
		}
	}
	if mutate != nil {
		mutate(req)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var qe queryError
	if resp.StatusCode != http.StatusOK {
		if err := xml.Unmarshal(body, &qe); err != nil {
			t.Fatalf("error body %q: %v", body, err)
		}
	}
	qe.raw = body
	return resp, qe
}

// queryError is an ErrorResponse as the server sent it.
type queryError struct {
	XMLName xml.Name `xml:"https://sts.amazonaws.com/doc/2011-06-15/ ErrorResponse"`
	Error   struct {
		Type, Code, Message string
	}
	RequestID string `xml:"RequestId"`
	raw       []byte
}

func wantRaw(t testing.TB, resp *http.Response, qe queryError, status int, code, msg string) {
	t.Helper()
	if resp.StatusCode != status || qe.Error.Code != code || !strings.Contains(qe.Error.Message, msg) || qe.Error.Type != "Sender" {
		t.Fatalf("got %d %s %q, want %d %s containing %q\n%s", resp.StatusCode, qe.Error.Code, qe.Error.Message, status, code, msg, qe.raw)
	}
	if qe.RequestID == "" || qe.RequestID != resp.Header.Get("X-Amzn-Requestid") {
		t.Fatalf("RequestId %q, header %q", qe.RequestID, resp.Header.Get("X-Amzn-Requestid"))
	}
}

// tamperDoer edits the request body after the SDK signed it.
type tamperDoer struct{ from, to string }

func (d tamperDoer) Do(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	body = bytes.Replace(body, []byte(d.from), []byte(d.to), 1)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.ContentLength = int64(len(body))
	r.Header.Del("Content-Length")
	return http.DefaultTransport.RoundTrip(r)
}
