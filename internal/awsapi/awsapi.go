// Package awsapi makes the IAM and Organizations calls credproc needs, on
// the aws.Config the SDK's config package resolved: its HTTP client (CA
// bundle, proxy), credentials, retryer (retry_mode, max_attempts) and the
// SDK's SigV4 signer. It also holds the configuration loader (LoadConfig)
// and the SDK's partition data (partitions.go) for every AWS call credproc
// makes; STS goes through the SDK's generated client.
//
// IAM and Organizations are not the SDK's generated clients: their schemas
// packages cost package init on every run (the cache hit included) for
// commands that run once a month (see deps_test.go). The two wire protocols
// those calls need are small:
//
//   - [Client.Query] speaks the query protocol (IAM): a form-encoded POST
//     with Action and Version, an XML reply.
//   - [Client.JSON] speaks JSON 1.1 (Organizations): the operation in the
//     X-Amz-Target header, JSON in and out.
//
// Failures AWS reports are [*APIError]; find them with errors.As, or by the
// smithy.APIError methods it has (ErrorCode, ErrorMessage). No error ever
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
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"

	"github.com/credproc/credproc/cache"
)

// Endpoint says where a service's calls go and the region they are signed
// for.
type Endpoint struct {
	URL    string // "https://iam.amazonaws.com"
	Region string // SigV4 signing region, "us-east-1"
}

// Service is an AWS service this package can call.
type Service struct {
	name      string // SigV4 signing name and host prefix, "iam"
	id        string // SDK service ID, for AWS_ENDPOINT_URL_<ID> and [services]
	version   string // query protocol API version; "" if not a query service
	targetPfx string // JSON protocol X-Amz-Target prefix; "" if not a JSON service
	// classic are the endpoints of the three oldest partitions, which do
	// not follow the SERVICE.REGION.SUFFIX pattern of the others.
	classic map[string]Endpoint
}

// IAM is AWS Identity and Access Management: one global endpoint per
// partition, query protocol.
var IAM = &Service{
	name:    "iam",
	id:      "IAM",
	version: "2010-05-08",
	classic: map[string]Endpoint{
		"aws":        {URL: "https://iam.amazonaws.com", Region: "us-east-1"},
		"aws-cn":     {URL: "https://iam.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"},
		"aws-us-gov": {URL: "https://iam.us-gov.amazonaws.com", Region: "us-gov-west-1"},
	},
}

// Organizations is AWS Organizations: one endpoint per partition, JSON 1.1
// protocol.
var Organizations = &Service{
	name:      "organizations",
	id:        "Organizations",
	targetPfx: "AWSOrganizationsV20161128",
	classic: map[string]Endpoint{
		"aws":        {URL: "https://organizations.us-east-1.amazonaws.com", Region: "us-east-1"},
		"aws-cn":     {URL: "https://organizations.cn-northwest-1.amazonaws.com.cn", Region: "cn-northwest-1"},
		"aws-us-gov": {URL: "https://organizations.us-gov-west-1.amazonaws.com", Region: "us-gov-west-1"},
	},
}

// DefaultEndpoint is the service's AWS endpoint in partition, from the
// SDK's partition data: the partition's global region, signed for it.
func (s *Service) DefaultEndpoint(partition string) Endpoint {
	if ep, ok := s.classic[partition]; ok {
		return ep
	}
	p := PartitionByID(partition)
	if p == nil {
		return s.classic["aws"]
	}
	return Endpoint{URL: "https://" + s.name + "." + p.ImplicitGlobalRegion + "." + p.DNSSuffix, Region: p.ImplicitGlobalRegion}
}

// Limits of one call.
const (
	// MaxResponse bounds a reply body: the largest pages IAM and
	// Organizations send are tens of kilobytes, so more is not AWS.
	MaxResponse = 10 << 20
	// CallDeadline bounds a call, retries included, when the caller's
	// context has no deadline of its own: no command hangs on a silent
	// endpoint.
	CallDeadline = 25 * time.Second
	// skewThreshold is how far the server's Date may be from the signing
	// time before a signature error is taken for clock skew (the SDK's).
	skewThreshold = 4 * time.Minute
)

// Client calls one service with one set of credentials. It is safe for
// concurrent use.
type Client struct {
	svc    *Service
	region string
	creds  *cache.Credentials // nil: the configuration's own credentials
	fixed  *Endpoint          // set by NewWithEndpoint

	once     sync.Once
	cfg      aws.Config
	endpoint Endpoint
	err      error

	// skew is the server's clock minus ours, in nanoseconds, once a
	// signature was refused for a skewed clock: later calls sign with it.
	skew atomic.Int64
}

// New returns a client for svc that signs with creds, for a caller working
// in region. On its first call it loads the AWS configuration (LoadConfig:
// CA bundle, proxy, retry and endpoint settings from the environment and
// AWS_PROFILE's profile); the endpoint is the one configured for the
// service, else the real one of region's partition.
func New(svc *Service, creds cache.Credentials, region string) *Client {
	return &Client{svc: svc, creds: &creds, region: region}
}

// NewWithEndpoint returns a client for svc that signs with creds and sends
// its calls to ep.
func NewWithEndpoint(svc *Service, creds cache.Credentials, ep Endpoint) *Client {
	return &Client{svc: svc, creds: &creds, region: ep.Region, fixed: &ep}
}

// setup loads the configuration once.
func (c *Client) setup(ctx context.Context) error {
	c.once.Do(func() {
		c.cfg, c.err = LoadConfig(ctx, ConfigOptions{Region: c.region, Credentials: c.creds})
		if c.err == nil {
			c.endpoint = c.resolveEndpoint(ctx)
		}
	})
	return c.err
}

func (c *Client) resolveEndpoint(ctx context.Context) Endpoint {
	if c.fixed != nil {
		return *c.fixed
	}
	ep := c.svc.DefaultEndpoint(Partition(c.cfg.Region))
	if u := ConfiguredURL(ctx, c.cfg, c.svc.id); u != "" {
		ep.URL = u
	}
	return ep
}

// errorParser reads an AWS error out of a failed reply's body and headers.
type errorParser func(body []byte, h http.Header) (code, message, requestID string)

// send POSTs body to the endpoint, signed with the SDK's SigV4 signer, and
// returns the reply body of a 2xx answer. Other answers become *APIError.
// Retries are the configuration's retryer's (the SDK's standard one unless
// retry_mode says otherwise); a signature refused for a skewed clock is
// retried once with the server's time.
func (c *Client) send(ctx context.Context, op string, header http.Header, body []byte, parse errorParser) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, CallDeadline)
		defer cancel()
	}
	if err := c.setup(ctx); err != nil {
		return nil, err
	}
	ep := c.endpoint
	u := strings.TrimRight(ep.URL, "/") + "/"
	if !strings.HasPrefix(u, "https://") && !strings.HasPrefix(u, "http://") {
		return nil, fmt.Errorf("%s %s: endpoint URL %q is not http(s)", c.svc.name, op, ep.URL)
	}
	if c.cfg.Credentials == nil {
		return nil, fmt.Errorf("%s %s: no credentials", c.svc.name, op)
	}
	creds, err := c.cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", c.svc.name, op, err)
	}
	var retryer aws.Retryer = retry.NewStandard()
	if c.cfg.Retryer != nil {
		retryer = c.cfg.Retryer()
	}
	if c.cfg.RetryMode == aws.RetryModeAdaptive {
		retryer = retry.NewAdaptiveMode() // retry_mode = adaptive
	}
	if c.cfg.RetryMaxAttempts > 0 {
		// max_attempts, as the generated clients apply it.
		retryer = retry.AddWithMaxAttempts(retryer, c.cfg.RetryMaxAttempts)
	}
	hc := noRedirects(c.cfg.HTTPClient)
	signer := v4.NewSigner()
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
		req.Header.Set("User-Agent", userAgent(c.cfg))
		attemptSkew := time.Duration(c.skew.Load())
		if err := signer.SignHTTP(ctx, creds, req, payloadHash, c.svc.name, ep.Region, time.Now().Add(attemptSkew)); err != nil {
			return nil, fmt.Errorf("%s %s: signing: %w", c.svc.name, op, err)
		}
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
			if ctx.Err() != nil || attempt >= retryer.MaxAttempts() || !retryer.IsErrorRetryable(err) {
				return nil, err
			}
			if err := wait(ctx, retryer, attempt, err); err != nil {
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
		if attempt >= retryer.MaxAttempts() {
			return nil, apiErr
		}
		// Like the SDK, trust a Date that differs by minutes only when the
		// signature was refused for it; then sign with the server's time.
		if isClockSkewCode(apiErr.Code) && !skewRetried {
			if serverTime, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
				if d := time.Until(serverTime); (d - attemptSkew).Abs() > skewThreshold {
					c.skew.Store(int64(d))
					skewRetried = true
					continue
				}
			}
		}
		if !retryer.IsErrorRetryable(apiErr) {
			return nil, apiErr
		}
		if err := wait(ctx, retryer, attempt, apiErr); err != nil {
			return nil, err
		}
	}
}

func userAgent(cfg aws.Config) string {
	if cfg.AppID != "" {
		return "credproc app/" + cfg.AppID
	}
	return "credproc"
}

// wait sleeps the retryer's delay before the next attempt. A cancelled
// context ends the call with the attempt's own error, which says more than
// "context canceled".
func wait(ctx context.Context, r aws.Retryer, attempt int, cause error) error {
	d, err := r.RetryDelay(attempt, cause)
	if err != nil {
		return cause
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (gave up retrying: %w)", cause, ctx.Err())
	case <-t.C:
		return nil
	}
}

// isClockSkewCode reports whether code is one a skewed clock causes (the
// SDK's list).
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

// noRedirects is the configuration's HTTP client (its CA bundle, proxy and
// time-outs) refusing redirects: AWS APIs do not redirect, and a redirect to
// another host would carry the session token header with it.
func noRedirects(hc aws.HTTPClient) aws.HTTPClient {
	switch c := hc.(type) {
	case *awshttp.BuildableClient:
		return &http.Client{
			Transport:     c.GetTransport(),
			Timeout:       c.GetTimeout(),
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		}
	case nil:
		return noRedirects(awshttp.NewBuildableClient())
	}
	return hc
}

// HTTPClient is cfg's HTTP client (CA bundle, proxy, time-outs) as a
// *http.Client that follows no redirect, for calls that are not AWS APIs
// (the console federation endpoint).
func HTTPClient(cfg aws.Config) *http.Client {
	if c, ok := noRedirects(cfg.HTTPClient).(*http.Client); ok {
		return c
	}
	return noRedirects(nil).(*http.Client)
}
