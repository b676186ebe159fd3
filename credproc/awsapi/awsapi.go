// Package awsapi makes the few STS, IAM and Organizations calls credproc
// needs, signed with SigV4, without linking the AWS SDK.
//
// The AWS CLI runs credproc for every command, so every package linked into
// the binary costs start-up time on every AWS command. The SDK's generated
// clients, signer and retryer carry schemas, endpoint tables and package
// init work (deps_test.go and README's Performance section have the
// measurements). So this package speaks the two wire protocols credproc's
// calls need with the standard library only: its own SigV4 signer
// (sigv4.go), the SDK's retry policy (retry.go), net/http, encoding/xml and
// encoding/json.
//
//   - [Client.Query] speaks the query protocol (IAM, STS): a form-encoded POST
//     with Action and Version, an XML reply.
//   - [Client.JSON] speaks JSON 1.1 (Organizations): the operation in the
//     X-Amz-Target header, JSON in and out.
//
// Failures AWS reports are [*APIError]; find them with errors.As. They have
// the ErrorCode and ErrorMessage methods of the SDK's smithy.APIError, so
// code written against the SDK's errors reads them unchanged. No error ever
// holds a secret: credentials only go into the signature.
package awsapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/credproc/credproc/cache"
)

// Endpoint says where a service's calls go and the region they are signed
// for.
type Endpoint struct {
	URL    string // "https://iam.amazonaws.com"
	Region string // SigV4 signing region, "us-east-1"
}

// Service is an AWS service this package can call. Its fields are plain
// values, not maps, so that the package variables below cost no init time.
type Service struct {
	name      string // SigV4 signing name, "iam"
	id        string // SDK service ID, for AWS_ENDPOINT_URL_<id>
	aws       Endpoint
	awsCN     Endpoint
	awsUSGov  Endpoint
	version   string // query protocol API version; "" if not a query service
	targetPfx string // JSON protocol X-Amz-Target prefix; "" if not a JSON service
	regional  bool   // an endpoint in every region (STS), not one per partition
}

// IAM is AWS Identity and Access Management: one global endpoint per
// partition, query protocol.
var IAM = &Service{
	name:     "iam",
	id:       "IAM",
	aws:      Endpoint{URL: "https://iam.amazonaws.com", Region: "us-east-1"},
	awsCN:    Endpoint{URL: "https://iam.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"},
	awsUSGov: Endpoint{URL: "https://iam.us-gov.amazonaws.com", Region: "us-gov-west-1"},
	version:  "2010-05-08",
}

// Organizations is AWS Organizations: one endpoint per partition, JSON 1.1
// protocol.
var Organizations = &Service{
	name:      "organizations",
	id:        "ORGANIZATIONS",
	aws:       Endpoint{URL: "https://organizations.us-east-1.amazonaws.com", Region: "us-east-1"},
	awsCN:     Endpoint{URL: "https://organizations.cn-northwest-1.amazonaws.com.cn", Region: "cn-northwest-1"},
	awsUSGov:  Endpoint{URL: "https://organizations.us-gov-west-1.amazonaws.com", Region: "us-gov-west-1"},
	targetPfx: "AWSOrganizationsV20161128",
}

// RegionalEndpoint is the service's endpoint in region, signed for region:
// "https://sts.eu-west-1.amazonaws.com", "https://sts.cn-north-1.amazonaws.com.cn".
func (s *Service) RegionalEndpoint(region string) Endpoint {
	suffix := "amazonaws.com"
	if Partition(region) == "aws-cn" {
		suffix = "amazonaws.com.cn"
	}
	return Endpoint{URL: "https://" + s.name + "." + region + "." + suffix, Region: region}
}

// DefaultEndpoint is the service's AWS endpoint in partition ("aws",
// "aws-cn", "aws-us-gov"; anything else is taken as "aws").
func (s *Service) DefaultEndpoint(partition string) Endpoint {
	switch partition {
	case "aws-cn":
		return s.awsCN
	case "aws-us-gov":
		return s.awsUSGov
	}
	return s.aws
}

// ConfiguredURL is the endpoint URL the environment sets for the service, as
// the SDKs and the AWS CLI read it: AWS_ENDPOINT_URL_<SERVICE>, then
// AWS_ENDPOINT_URL, then profileURL (a profile's endpoint_url, if the caller
// has one), unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true. It is "" when
// none is set.
func (s *Service) ConfiguredURL(getenv func(string) string, profileURL string) string {
	if strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		return ""
	}
	for _, v := range []string{getenv("AWS_ENDPOINT_URL_" + s.id), getenv("AWS_ENDPOINT_URL"), profileURL} {
		if v != "" {
			return v
		}
	}
	return ""
}

// Endpoint is where calls from region go: a configured URL (see
// ConfiguredURL) or else the real endpoint of region's partition. Either is
// signed for the partition's signing region: IAM and Organizations live in
// one region per partition, whatever region the caller works in. A regional
// service (STS) goes to region's own endpoint, signed for region.
func (s *Service) Endpoint(region string, getenv func(string) string) Endpoint {
	ep := s.DefaultEndpoint(Partition(region))
	if s.regional {
		ep = s.RegionalEndpoint(region)
	}
	if u := s.ConfiguredURL(getenv, ""); u != "" {
		ep.URL = u
	}
	return ep
}

// Partition returns the AWS partition that a region belongs to.
func Partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

// Limits of one call.
const (
	// MaxResponse bounds a reply body: the largest pages IAM and
	// Organizations send are tens of kilobytes, so more is not AWS.
	MaxResponse = 10 << 20
	// attemptTimeout bounds one HTTP attempt, as credproc's STS client does.
	attemptTimeout = 30 * time.Second
	// maxAttempts is the SDK's default for its standard retryer.
	maxAttempts = 3
	// maxBackoff caps the wait between attempts, as the SDK does.
	maxBackoff = 20 * time.Second
	// skewThreshold is how far the server's Date may be from the signing
	// time before a signature error is taken for clock skew (the SDK's).
	skewThreshold = 4 * time.Minute
)

// defaultHTTPClient sends the requests. It follows no redirect: AWS APIs do
// not redirect, and a redirect to another host would carry the session
// token header with it.
var defaultHTTPClient = &http.Client{
	Timeout: attemptTimeout,
	Transport: &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSHandshakeTimeout: 10 * time.Second,
		ForceAttemptHTTP2:   true,
	},
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// Client calls one service with one set of credentials. It is safe for
// concurrent use.
type Client struct {
	svc      *Service
	endpoint Endpoint
	creds    cache.Credentials

	// HTTPClient sends the requests; nil means a client with a 30 s limit
	// per attempt that follows no redirect.
	HTTPClient *http.Client

	// skew is the server's clock minus ours, in nanoseconds, once a
	// signature was refused for a skewed clock: later calls sign with it.
	skew atomic.Int64

	// now and sleep are replaced by tests.
	now   func() time.Time
	sleep func(ctx context.Context, d time.Duration) error
}

// New returns a client for svc that signs with creds, for a caller working
// in region: the endpoint is the one the environment configures, else the
// real one of region's partition (see Service.Endpoint).
func New(svc *Service, creds cache.Credentials, region string) *Client {
	return NewWithEndpoint(svc, creds, svc.Endpoint(region, os.Getenv))
}

// NewWithEndpoint returns a client for svc that signs with creds and sends
// its calls to ep.
func NewWithEndpoint(svc *Service, creds cache.Credentials, ep Endpoint) *Client {
	return &Client{
		svc:      svc,
		endpoint: ep,
		creds:    creds,
		now:      time.Now,
		sleep:    sleepCtx,
	}
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errorParser reads an AWS error out of a failed reply's body and headers.
type errorParser func(body []byte, h http.Header) (code, message, requestID string)

// send POSTs body to the endpoint, signed, and returns the reply body of a
// 2xx answer. Other answers become *APIError. Throttling, 5xx and
// connection failures are retried as the SDK's standard retryer does (up to
// 3 attempts, jittered exponential backoff); a signature refused for a
// skewed clock is retried once with the server's time.
func (c *Client) send(ctx context.Context, op string, header http.Header, body []byte, parse errorParser) ([]byte, error) {
	u := strings.TrimRight(c.endpoint.URL, "/") + "/"
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, fmt.Errorf("%s %s: endpoint URL %q is not http(s)", c.svc.name, op, c.endpoint.URL)
	}
	hc := c.HTTPClient
	if hc == nil {
		hc = defaultHTTPClient
	}
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	skewRetried := false
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(body))
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", c.svc.name, op, err)
		}
		for k, v := range header {
			req.Header[k] = v
		}
		req.Header.Set("User-Agent", "credproc")
		attemptSkew := time.Duration(c.skew.Load())
		signV4(req, c.creds, payloadHash, c.svc.name, c.endpoint.Region, c.now().Add(attemptSkew))
		resp, err := hc.Do(req)
		var data []byte
		if err == nil {
			data, err = readLimited(resp.Body)
			resp.Body.Close()
			if err != nil {
				err = fmt.Errorf("%s %s: reading the reply: %w", c.svc.name, op, err)
			}
		}
		if err != nil {
			if ctx.Err() != nil || attempt >= maxAttempts || !retryableTransportError(err) {
				return nil, err
			}
			if err := c.wait(ctx, attempt, err); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode >= 200 && resp.StatusCode < 300 {
			return data, nil
		}
		apiErr := &APIError{Service: c.svc.name, Operation: op, Status: resp.StatusCode}
		apiErr.Code, apiErr.Message, apiErr.RequestID = parse(data, resp.Header)
		if apiErr.RequestID == "" {
			apiErr.RequestID = firstHeader(resp.Header, "X-Amzn-Requestid", "X-Amz-Request-Id")
		}
		if attempt >= maxAttempts {
			return nil, apiErr
		}
		// Like the SDK, trust a Date that differs by minutes only when the
		// signature was refused for it; then sign with the server's time.
		if isClockSkewCode(apiErr.Code) && !skewRetried {
			if serverTime, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				if d := serverTime.Sub(c.now()); (d - attemptSkew).Abs() > skewThreshold {
					c.skew.Store(int64(d))
					skewRetried = true
					continue
				}
			}
		}
		if !retryableAPIError(apiErr) {
			return nil, apiErr
		}
		if err := c.wait(ctx, attempt, apiErr); err != nil {
			return nil, err
		}
	}
}

// wait sleeps before the next attempt. A cancelled context ends the call
// with the attempt's own error, which says more than "context canceled".
func (c *Client) wait(ctx context.Context, attempt int, cause error) error {
	if err := c.sleep(ctx, backoff(attempt)); err != nil {
		return fmt.Errorf("%w (gave up retrying: %w)", cause, err)
	}
	return nil
}

// isClockSkewCode reports whether code is one a skewed clock causes (the
// SDK's list). A switch, not a map, so that it costs no package init.
func isClockSkewCode(code string) bool {
	switch code {
	case "InvalidSignatureException", "SignatureDoesNotMatch", "AuthFailure", "RequestTimeTooSkewed", "AccessDeniedException":
		return true
	}
	return false
}

// errTooLarge is returned for a reply over MaxResponse.
var errTooLarge = errors.New("reply larger than 10 MiB")

// readLimited reads a reply body of at most MaxResponse bytes.
func readLimited(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxResponse+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxResponse {
		return nil, errTooLarge
	}
	return data, nil
}

func firstHeader(h http.Header, keys ...string) string {
	for _, k := range keys {
		if v := h.Get(k); v != "" {
			return v
		}
	}
	return ""
}
