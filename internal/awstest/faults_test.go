package awstest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// noBackoff makes the SDK's standard retryer retry at once.
func noBackoff(o *sts.Options) {
	o.Retryer = retry.NewStandard(func(so *retry.StandardOptions) {
		so.Backoff = retry.BackoffDelayerFunc(func(int, error) (time.Duration, error) { return 0, nil })
	})
}

// Each fault once, then the real answer: the SDK's standard retryer gets
// through every one of them, and the log shows the fault.
func TestFaultsAreRetried(t *testing.T) {
	for _, f := range []Fault{Fault500, FaultThrottle, FaultReset, FaultDrop} {
		t.Run(f.String(), func(t *testing.T) {
			s := newServer(t)
			c := client(s, userCreds(s, acct, "alice"), noBackoff)
			s.InjectFaults("GetCallerIdentity", f)
			if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
				t.Fatalf("after one %s: %v", f, err)
			}
			if got := s.Requests(); got != 2 {
				t.Errorf("%d requests, want 2 (the fault and the retry)", got)
			}
			if log := s.Log(); len(log) != 2 || log[0].ErrorCode != "fault:"+f.String() || log[1].ErrorCode != "" {
				t.Errorf("log %+v", log)
			}
		})
	}
}

func TestFaultCodes(t *testing.T) {
	for f, code := range map[Fault]string{Fault500: "InternalFailure", FaultThrottle: "Throttling"} {
		s := newServer(t)
		c := client(s, userCreds(s, acct, "alice"), func(o *sts.Options) { o.RetryMaxAttempts = 1 })
		s.InjectFaults("", f)
		_, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
		var api smithy.APIError
		if !errors.As(err, &api) || api.ErrorCode() != code {
			t.Errorf("%s: %v, want %s", f, err, code)
		}
	}
}

func TestFaultHangEndsWithTheClient(t *testing.T) {
	s := newServer(t)
	c := client(s, userCreds(s, acct, "alice"), func(o *sts.Options) { o.RetryMaxAttempts = 1 })
	s.SetOutage("GetCallerIdentity", FaultHang)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("hang: %v after %v", err, time.Since(start))
	}
	s.ClearFaults()
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("after ClearFaults: %v", err)
	}
}

func TestFaultHangEndsWithClose(t *testing.T) {
	s := NewServer()
	s.SetOutage("", FaultHang)
	done := make(chan error, 1)
	go func() {
		resp, err := http.Post(s.URL, "application/x-www-form-urlencoded", strings.NewReader("Action=GetCallerIdentity"))
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for s.Requests() == 0 {
		time.Sleep(time.Millisecond)
	}
	s.Close()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("a hanging request outlived Close")
	}
}

func TestFaultGarbageAndPartial(t *testing.T) {
	for _, f := range []Fault{FaultGarbage, FaultPartial} {
		s := newServer(t)
		c := client(s, userCreds(s, acct, "alice"), func(o *sts.Options) { o.RetryMaxAttempts = 1 })
		s.InjectFaults("GetCallerIdentity", f)
		if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err == nil {
			t.Errorf("%s: no error", f)
		}
	}
}

// A server whose clock is 40 minutes behind refuses the client's first
// signature; the SDK reads the server's Date and signs the retry with it.
func TestFaultClockSkew(t *testing.T) {
	s := newServer(t)
	s.SetOutage("GetCallerIdentity", FaultClockSkew(-40*time.Minute))
	c := client(s, userCreds(s, acct, "alice"), noBackoff)
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("skewed: %v", err)
	}
	log := s.Log()
	if len(log) != 2 || log[0].ErrorCode != "SignatureDoesNotMatch" || log[1].ErrorCode != "" {
		t.Errorf("log %+v, want a refused signature, then success", log)
	}
}

// Bad TLS: a client that does not trust the server's CA fails the
// handshake; one given CACertPEM gets through.
func TestTLSServer(t *testing.T) {
	s := NewTLSServer()
	t.Cleanup(s.Close)
	if !strings.HasPrefix(s.URL, "https://127.0.0.1:") || len(s.CACertPEM()) == 0 {
		t.Fatalf("URL %s, CA %d bytes", s.URL, len(s.CACertPEM()))
	}
	if NewServer().CACertPEM() != nil {
		t.Error("a plain server has a CA")
	}
	_, err := http.Get(s.URL)
	var unknown x509.UnknownAuthorityError
	var verify *tls.CertificateVerificationError
	if !errors.As(err, &unknown) && !errors.As(err, &verify) {
		t.Errorf("untrusted: %v", err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(s.CACertPEM())
	hc := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}}
	c := client(s, userCreds(s, acct, "alice"), func(o *sts.Options) { o.HTTPClient = hc })
	if _, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{}); err != nil {
		t.Fatalf("trusted: %v", err)
	}
}

func TestSSOGetRoleCredentials(t *testing.T) {
	s := newServer(t)
	arn := s.CreateRole(Role{Account: acct2, Name: "Admin", TrustedAccounts: []string{acct}, Actions: []string{"*"}})
	s.AddSSOToken("tok-1", arn)
	get := func(token, account, role string) (int, string) {
		req, _ := http.NewRequest(http.MethodGet, s.URL+"/federation/credentials?account_id="+account+"&role_name="+role, nil)
		req.Header.Set("x-amz-sso_bearer_token", token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, body := get("tok-1", acct2, "Admin"); st != 200 || !strings.Contains(body, `"accessKeyId":"ASIA`) {
		t.Errorf("granted: %d %s", st, body)
	}
	if st, _ := get("nope", acct2, "Admin"); st != 401 {
		t.Errorf("unknown token: %d", st)
	}
	if st, _ := get("tok-1", acct, "Admin"); st != 403 {
		t.Errorf("role not granted: %d", st)
	}
	if s.Succeeded("GetRoleCredentials") != 1 || s.Calls("GetRoleCredentials") != 3 {
		t.Errorf("calls %d, succeeded %d", s.Calls("GetRoleCredentials"), s.Succeeded("GetRoleCredentials"))
	}
}

func TestAssumeRoleWithWebIdentity(t *testing.T) {
	s := newServer(t)
	arn := s.CreateRole(Role{Account: acct2, Name: "Web", TrustedAccounts: []string{acct}, Actions: []string{"*"}})
	s.AddWebIdentityToken("jwt-1", arn)
	c := sts.NewFromConfig(aws.Config{Region: "us-east-1", BaseEndpoint: aws.String(s.URL)})
	out, err := c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(arn), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String("jwt-1"),
	})
	if err != nil {
		t.Fatal(err)
	}
	// The session is a real one: it signs calls the emulator accepts.
	sess := fromSTS(out.Credentials.AccessKeyId, out.Credentials.SecretAccessKey, out.Credentials.SessionToken)
	who, err := client(s, sess).GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(who.Arn) != "arn:aws:sts::"+acct2+":assumed-role/Web/ci" {
		t.Fatalf("session: %v %v", who, err)
	}
	_, err = c.AssumeRoleWithWebIdentity(context.Background(), &sts.AssumeRoleWithWebIdentityInput{
		RoleArn: aws.String(arn), RoleSessionName: aws.String("ci"), WebIdentityToken: aws.String("forged"),
	})
	var api smithy.APIError
	if !errors.As(err, &api) || api.ErrorCode() != "InvalidIdentityToken" {
		t.Errorf("forged token: %v", err)
	}
}
