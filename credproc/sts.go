package credproc

import (
	"context"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithyendpoints "github.com/aws/smithy-go/endpoints"

	"github.com/credproc/credproc/cache"
)

// Endpoint says where STS calls go. The SDK's config package is not used:
// it links the SSO clients, whose package init every credential_process
// call would pay for (see the dependency test), so the standard settings
// are read here instead.
type Endpoint struct {
	Region string
	URL    string // empty: the SDK's regional endpoint for Region
	Global bool   // sts_regional_endpoints = legacy
}

// endpoint resolves the STS region and endpoint for s. from is the AWS
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

// globalResolver makes the SDK pick the global STS endpoint for the
// legacy regions, as sts_regional_endpoints = legacy asks.
type globalResolver struct{ sts.EndpointResolverV2 }

func (g globalResolver) ResolveEndpoint(ctx context.Context, p sts.EndpointParameters) (smithyendpoints.Endpoint, error) {
	p.UseGlobalEndpoint = aws.Bool(true)
	return g.EndpointResolverV2.ResolveEndpoint(ctx, p)
}

var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
	Proxy:               http.ProxyFromEnvironment,
	TLSHandshakeTimeout: 10 * time.Second,
	ForceAttemptHTTP2:   true,
}}

// stsClient returns an STS client that signs with c.
func stsClient(ep Endpoint, c cache.Credentials) *sts.Client {
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Source: "credproc"}
	return sts.New(sts.Options{
		Region: ep.Region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return creds, nil
		}),
		HTTPClient:   httpClient,
		BaseEndpoint: nonEmpty(ep.URL),
		AppID:        "credproc",
	}, func(o *sts.Options) {
		if ep.Global {
			o.EndpointResolverV2 = globalResolver{sts.NewDefaultEndpointResolverV2()}
		}
	})
}

func nonEmpty(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// toCache converts the parts of an STS Credentials reply.
func toCache(akid, secret, token *string, exp *time.Time) cache.Credentials {
	c := cache.Credentials{AccessKeyID: aws.ToString(akid), SecretAccessKey: aws.ToString(secret), SessionToken: aws.ToString(token)}
	if exp != nil {
		c.Expiration = exp.UTC()
	}
	return c
}

// ServiceConfig returns an aws.Config for an SDK client outside the
// credential chain (the STS client init-role and setup --org ask who the
// keys belong to) signed with c. service is the SDK service ID in the form
// of its environment variable suffix ("STS"): its endpoint comes from
// AWS_ENDPOINT_URL_<service> or AWS_ENDPOINT_URL, as in the SDK. IAM and
// Organizations calls go through credproc/awsapi, not SDK clients.
func ServiceConfig(c cache.Credentials, region, service string) aws.Config {
	creds := aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Source: "credproc"}
	cfg := aws.Config{
		Region:      region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) { return creds, nil }),
		HTTPClient:  httpClient,
		AppID:       "credproc",
	}
	if !strings.EqualFold(os.Getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
			if v := os.Getenv(k); v != "" {
				cfg.BaseEndpoint = aws.String(v)
				break
			}
		}
	}
	return cfg
}

// Region is the region STS calls for s go to.
func (r *Resolver) Region(s *Settings) string {
	return endpointFor(s, r.getenv, nil).Region
}
