package credproc

import (
	"context"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/aws-sdk-go-v2/service/sts/types"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
)

// Endpoint says where STS calls go. It comes from settings and the
// environment only (plus the source profile's keys on a miss), so the
// cache-hit path can build the cache key without reading a file.
type Endpoint struct {
	Region string
	URL    string // empty: the SDK's endpoint rules for Region
	Global bool   // sts_regional_endpoints = legacy
}

// endpointFor resolves the STS region and endpoint for s. from is the AWS
// profile the source keys come from, if any, for its region and
// endpoint_url keys.
func endpointFor(s *Settings, getenv func(string) string, from map[string]string) Endpoint {
	first := func(vs ...string) string {
		for _, v := range vs {
			if v != "" {
				return v
			}
		}
		return ""
	}
	ep := Endpoint{
		Region: first(s.Region, getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), from["region"], "us-east-1"),
	}
	if !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		ep.URL = first(getenv("AWS_ENDPOINT_URL_STS"), getenv("AWS_ENDPOINT_URL"), from["endpoint_url"])
	}
	ep.URL = first(s.EndpointURL, ep.URL)
	ep.Global = strings.EqualFold(first(getenv("AWS_STS_REGIONAL_ENDPOINTS"), from["sts_regional_endpoints"]), "legacy")
	return ep
}

// STSEndpointURL is the STS endpoint URL the environment and profile (its
// keys) configure, as the SDKs read it, or "" for AWS's own endpoint.
func STSEndpointURL(getenv func(string) string, profile map[string]string) string {
	return endpointFor(&Settings{}, getenv, profile).URL
}

// globalEndpoint makes the SDK's STS endpoint rules pick the global
// endpoint for the regions that had it (sts_regional_endpoints = legacy),
// which the SDK's config does not read.
type globalEndpoint struct{ next sts.EndpointResolverV2 }

func (g globalEndpoint) ResolveEndpoint(ctx context.Context, p sts.EndpointParameters) (smithyendpoints.Endpoint, error) {
	p.UseGlobalEndpoint = aws.Bool(true)
	return g.next.ResolveEndpoint(ctx, p)
}

// newSTS returns the SDK's STS client on cfg (its HTTP client, retryer,
// FIPS and dual-stack settings), signing with c, for ep.
func newSTS(cfg aws.Config, ep Endpoint, c cache.Credentials) *sts.Client {
	return sts.NewFromConfig(cfg, func(o *sts.Options) {
		o.Credentials = credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)
		o.Region = ep.Region
		if ep.URL != "" {
			o.BaseEndpoint = aws.String(ep.URL)
		}
		if ep.Global {
			o.EndpointResolverV2 = globalEndpoint{sts.NewDefaultEndpointResolverV2()}
		}
	})
}

// STS is an STS client for calls outside the credential chain (init-role,
// setup --org and doctor ask whom keys belong to). It loads the AWS
// configuration on its first call.
type STS struct {
	creds       cache.Credentials
	region      string
	endpointURL string
}

// CallerIdentity is what GetCallerIdentity returns.
type CallerIdentity struct {
	Account string // "123456789012"
	Arn     string // "arn:aws:iam::123456789012:user/alice"
	UserID  string // "AIDA…"
}

// STSClient returns an STS client signed with c, for region. endpointURL,
// if set, is where its calls go; else the configured endpoint
// (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, the profile's), else the SDK's
// endpoint for the region.
func STSClient(c cache.Credentials, region, endpointURL string) *STS {
	return &STS{creds: c, region: region, endpointURL: endpointURL}
}

// GetCallerIdentity calls sts:GetCallerIdentity: whom the keys belong to.
// The call ends within the network deadline.
func (s *STS) GetCallerIdentity(ctx context.Context) (*CallerIdentity, error) {
	ctx, cancel := context.WithTimeout(ctx, NetworkDeadline)
	defer cancel()
	cfg, err := awsapi.LoadConfig(ctx, awsapi.ConfigOptions{Region: s.region, Credentials: &s.creds})
	if err != nil {
		return nil, err
	}
	ep := Endpoint{Region: cfg.Region, URL: s.endpointURL}
	out, err := newSTS(cfg, ep, s.creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	return &CallerIdentity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}

// toCache converts STS credentials.
func toCache(c *types.Credentials) cache.Credentials {
	if c == nil {
		return cache.Credentials{}
	}
	return cache.Credentials{
		AccessKeyID:     aws.ToString(c.AccessKeyId),
		SecretAccessKey: aws.ToString(c.SecretAccessKey),
		SessionToken:    aws.ToString(c.SessionToken),
		Expiration:      aws.ToTime(c.Expiration).UTC(),
	}
}

// Region is the region STS calls for s go to.
func (r *Resolver) Region(s *Settings) string {
	return endpointFor(s, r.getenv, nil).Region
}

// NetworkDeadline bounds the AWS calls of one credproc run, well inside
// the minute after which the Go SDK kills a credential_process helper.
const NetworkDeadline = 25 * time.Second

// StaleDeadline bounds a refresh while the cached credentials still work:
// when STS cannot be reached, they are handed out after this long.
const StaleDeadline = 2500 * time.Millisecond

// callerIdentity asks STS whom creds belong to, on s's configuration.
func (r *Resolver) callerIdentity(ctx context.Context, s *Settings, src *loadedSource, creds cache.Credentials) (*CallerIdentity, error) {
	cfg, err := r.awsConfig(ctx, s, src)
	if err != nil {
		return nil, err
	}
	ctx, cancel := netCtx(ctx)
	defer cancel()
	out, err := newSTS(cfg, endpointFor(s, r.getenv, src.profile), creds).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		return nil, err
	}
	return &CallerIdentity{Account: aws.ToString(out.Account), Arn: aws.ToString(out.Arn), UserID: aws.ToString(out.UserId)}, nil
}
