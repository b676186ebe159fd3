package awsapi

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
)

// sdkRetryable is how this package classified errors when it used the
// SDK's retryer: its default checks, plus 429 (which the SDK retries only
// for errors without a model, and an *APIError looks modelled to it).
func sdkRetryable(err error) bool {
	var e *APIError
	if errors.As(err, &e) && e.Status == http.StatusTooManyRequests {
		return true
	}
	return retry.IsErrorRetryables(retry.DefaultRetryables).IsErrorRetryable(err) == aws.TrueTernary
}

// realTransportErrors are errors the HTTP client returns: a refused
// connection, a client time-out, a bad certificate. (No DNS lookup: the
// tests must not need a resolver.)
func realTransportErrors(t *testing.T) map[string]error {
	t.Helper()
	errs := map[string]error{}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := "http://" + l.Addr().String() + "/"
	l.Close()
	_, errs["refused"] = http.Post(closed, "text/plain", nil)

	stall := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer stall.Close()
	_, errs["client timeout"] = (&http.Client{Timeout: 20 * time.Millisecond}).Post(stall.URL, "text/plain", nil)

	tlsSrv := httptest.NewUnstartedServer(http.NotFoundHandler())
	tlsSrv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake
	tlsSrv.StartTLS()
	defer tlsSrv.Close()
	_, errs["unknown authority"] = http.Post(tlsSrv.URL, "text/plain", nil)
	for name, err := range errs {
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
	}
	return errs
}

func TestRetryableTransportErrorMatchesSDK(t *testing.T) {
	opErr := func(op string, err error) error { return &net.OpError{Op: op, Net: "tcp", Err: err} }
	urlErr := func(err error) error { return &url.Error{Op: "Post", URL: "https://sts.amazonaws.com/", Err: err} }
	errs := map[string]error{
		"dial refused":         urlErr(opErr("dial", &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED})),
		"dial unreachable":     urlErr(opErr("dial", syscall.ENETUNREACH)),
		"read reset":           urlErr(opErr("read", syscall.ECONNRESET)),
		"read closed":          urlErr(opErr("read", net.ErrClosed)),
		"write broken pipe":    urlErr(opErr("write", syscall.EPIPE)),
		"write timeout":        urlErr(opErr("write", os.ErrDeadlineExceeded)),
		"dns not found":        urlErr(opErr("dial", &net.DNSError{Err: "no such host", Name: "x", IsNotFound: true})),
		"dns timeout":          urlErr(&net.DNSError{Err: "i/o timeout", Name: "x", IsTimeout: true}),
		"dns temporary":        urlErr(&net.DNSError{Err: "server misbehaving", Name: "x", IsTemporary: true}),
		"dns other":            urlErr(&net.DNSError{Err: "lame", Name: "x"}),
		"deadline":             urlErr(context.DeadlineExceeded),
		"canceled":             urlErr(context.Canceled),
		"eof":                  urlErr(io.EOF),
		"body unexpected eof":  fmt.Errorf("sts GetCallerIdentity: reading the reply: %w", io.ErrUnexpectedEOF),
		"body reset":           fmt.Errorf("reading the reply: %w", opErr("read", syscall.ECONNRESET)),
		"body too large":       fmt.Errorf("reading the reply: %w", errTooLarge),
		"certificate":          urlErr(x509.UnknownAuthorityError{}),
		"plain":                errors.New("something"),
		"url wrapping nothing": urlErr(nil),
		"nil":                  nil,
	}
	for name, err := range realTransportErrors(t) {
		errs["real "+name] = err
	}
	for name, err := range errs {
		if got, want := retryableTransportError(err), sdkRetryable(err); got != want {
			t.Errorf("%s (%v): retryable %v, the SDK's %v", name, err, got, want)
		}
	}
	for _, name := range []string{"real refused", "real client timeout", "dial refused", "read reset", "dns timeout"} {
		if !retryableTransportError(errs[name]) {
			t.Errorf("%s not retried", name)
		}
	}
	for _, name := range []string{"dns not found", "real unknown authority", "body too large"} {
		if retryableTransportError(errs[name]) {
			t.Errorf("%s retried", name)
		}
	}
}

func TestRetryableAPIErrorMatchesSDK(t *testing.T) {
	codes := []string{"", "Throttling", "ThrottlingException", "TooManyRequestsException", "RequestLimitExceeded",
		"SlowDown", "EC2ThrottledException", "RequestTimeout", "RequestTimeoutException", "ServiceUnavailable",
		"InternalFailure", "ValidationError", "AccessDenied", "NoSuchEntity", "ExpiredToken", "throttling"}
	for status := 300; status < 600; status++ {
		for _, code := range codes {
			e := &APIError{Service: "sts", Operation: "AssumeRole", Code: code, Message: "m", Status: status}
			if got, want := retryableAPIError(e), sdkRetryable(fmt.Errorf("wrapped: %w", e)); got != want {
				t.Errorf("%d %q: retryable %v, the SDK's %v", status, code, got, want)
			}
		}
	}
	// One deliberate difference: the SDK looked for "connection reset" in
	// the text of any error, AWS's answers included. An answer is not a
	// broken connection, whatever its message says.
	e := &APIError{Service: "iam", Code: "ValidationError", Message: "tag value 'connection reset' is invalid", Status: 400}
	if retryableAPIError(e) {
		t.Errorf("%v retried", e)
	}
}

func TestBackoff(t *testing.T) {
	sdk := retry.NewExponentialJitterBackoff(maxBackoff)
	for attempt := 1; attempt <= 8; attempt++ {
		ceiling := min(time.Second<<attempt, maxBackoff)
		var sdkMax time.Duration
		for range 200 {
			d := backoff(attempt)
			if d < 0 || d > ceiling || ceiling == maxBackoff && d != maxBackoff {
				t.Fatalf("attempt %d: backoff %v, want [0, %v)", attempt, d, ceiling)
			}
			s, err := sdk.BackoffDelay(attempt, nil)
			if err != nil {
				t.Fatal(err)
			}
			sdkMax = max(sdkMax, s)
		}
		// The SDK's waits have the same ceiling.
		if sdkMax > ceiling || ceiling == maxBackoff && sdkMax != maxBackoff {
			t.Errorf("attempt %d: the SDK waited up to %v, want the ceiling %v", attempt, sdkMax, ceiling)
		}
	}
}
