package credproc

import (
	"os"
	"strings"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc/awsapi"
)

// Endpoint says where STS calls go. The SDK's config package is not used:
// it links the SSO clients, whose package init every credential_process
// call would pay for (see deps_test.go), so the standard settings are read
// here instead.
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

// awsEndpoint is where ep's calls go and the region they are signed for: a
// configured URL, signed for the region, else the SDK's endpoint for the
// region (the global one for legacy regions when ep.Global).
func (ep Endpoint) awsEndpoint() awsapi.Endpoint {
	if ep.URL != "" {
		return awsapi.Endpoint{URL: ep.URL, Region: ep.Region}
	}
	return awsapi.STSEndpoint(ep.Region, ep.Global)
}

// stsClient returns an STS client that signs with c. It goes through
// credproc/awsapi: the SDK's generated STS client would add its endpoint
// rules and schemas to the init of every run (see deps_test.go).
func stsClient(ep Endpoint, c cache.Credentials) *awsapi.Client {
	return awsapi.NewWithEndpoint(awsapi.STS, c, ep.awsEndpoint())
}

// STSClient returns an STS client for calls outside the credential chain
// (init-role and setup --org ask who the keys belong to) signed with c, for
// region. endpointURL, if set, is where its calls go; else
// AWS_ENDPOINT_URL_STS or AWS_ENDPOINT_URL, as in the SDK, else the regional
// endpoint.
func STSClient(c cache.Credentials, region, endpointURL string) *awsapi.Client {
	ep := awsapi.STS.Endpoint(region, os.Getenv)
	if endpointURL != "" {
		ep.URL = endpointURL
	}
	return awsapi.NewWithEndpoint(awsapi.STS, c, ep)
}

// toCache converts STS credentials.
func toCache(c *awsapi.Credentials) cache.Credentials {
	return cache.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken, Expiration: c.Expiration.UTC()}
}

// Region is the region STS calls for s go to.
func (r *Resolver) Region(s *Settings) string {
	return endpointFor(s, r.getenv, nil).Region
}
