package cli

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/signin"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsapi"
)

// federationFor is the console federation endpoint and home page of the
// role's partition: the global endpoints of the three oldest partitions,
// else the regional sign-in host the SDK's sign-in endpoint rules give for
// the partition's region. A partition without one is said so.
func federationFor(ctx context.Context, partition, region string) (consoleEndpoint, error) {
	if ep, ok := consoleEndpoints[partition]; ok {
		return ep, nil
	}
	if region == "" || credproc.Partition(region) != partition {
		if p := awsapi.PartitionByID(partition); p != nil {
			region = p.ImplicitGlobalRegion
		}
	}
	none := &credproc.Error{
		Msg:  fmt.Sprintf("partition %s has no console federation endpoint that credproc knows", partition),
		Hint: "sign in to the console of that partition as its documentation says",
	}
	if region == "" {
		return consoleEndpoint{}, none
	}
	ep, err := signin.NewDefaultEndpointResolverV2().ResolveEndpoint(ctx, signin.EndpointParameters{Region: aws.String(region)})
	if err != nil || ep.URI.Host == "" {
		return consoleEndpoint{}, none
	}
	host := ep.URI.Host // "REGION.signin.amazonaws-eusc.eu"
	_, suffix, ok := strings.Cut(host, ".signin.")
	if !ok {
		return consoleEndpoint{}, none
	}
	return consoleEndpoint{federation: "https://" + host + "/federation", console: "https://console." + suffix + "/"}, nil
}

// checkFederationOverride accepts a test endpoint for the federation call
// (CREDPROC_FEDERATION_URL): plain http only to this machine (loopback),
// https only to a real AWS sign-in host. The call sends the role's secret
// key and session token, so anything else is refused before it is made.
func checkFederationOverride(raw string) error {
	u, err := url.Parse(raw)
	bad := func(why string) error {
		return &credproc.Error{
			Msg:  fmt.Sprintf("%s %q refused: %s", federationURLEnv, raw, why),
			Hint: "unset " + federationURLEnv + "; it exists for tests against a local emulator",
		}
	}
	if err != nil || u.Host == "" || u.User != nil {
		return bad("not an absolute URL")
	}
	switch u.Scheme {
	case "http":
		if !loopbackHost(u.Hostname()) {
			return bad("plain http goes to loopback (127.0.0.1, ::1, localhost) only")
		}
	case "https":
		if !awsSigninHost(u.Hostname()) && !loopbackHost(u.Hostname()) {
			return bad("https goes to an AWS sign-in host only")
		}
	default:
		return bad("want http://127.0.0.1… or https://signin.…")
	}
	return nil
}

func loopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// awsSigninHost reports a host of the AWS sign-in service in any partition.
func awsSigninHost(h string) bool {
	for _, ep := range consoleEndpoints {
		if u, _ := url.Parse(ep.federation); u != nil && (h == u.Host || strings.HasSuffix(h, "."+u.Host)) {
			return true
		}
	}
	for _, p := range awsapi.Partitions() {
		ep, err := federationFor(context.Background(), p.ID, p.ImplicitGlobalRegion)
		if err != nil {
			continue
		}
		u, _ := url.Parse(ep.federation)
		_, suffix, _ := strings.Cut(u.Host, ".signin.")
		if strings.HasSuffix(h, ".signin."+suffix) || h == "signin."+suffix {
			return true
		}
	}
	return false
}

// federationHTTPClient is the HTTP client of the AWS configuration (its
// CA bundle and proxy), following no redirect: the request's query string
// holds the credentials, and must go to that endpoint only.
func federationHTTPClient(ctx context.Context, region string) (*http.Client, error) {
	cfg, err := awsapi.LoadConfig(ctx, awsapi.ConfigOptions{Region: region, Credentials: &cacheNone})
	if err != nil {
		return nil, err
	}
	return awsapi.HTTPClient(cfg), nil
}

// cacheNone stands in for credentials where the configuration is loaded
// only for its HTTP settings.
var cacheNone = cache.Credentials{}
