package awsapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/credproc/credproc/cache"
)

// AttemptTimeout bounds the wait for the headers of one HTTP attempt, so a
// server that accepts and never answers costs one attempt, not the call.
const AttemptTimeout = 10 * time.Second

// ConfigOptions say which AWS configuration LoadConfig resolves.
type ConfigOptions struct {
	// Profile is the shared-config profile whose settings apply ("" means
	// AWS_PROFILE, else default, as in the AWS CLI).
	Profile string
	// Region overrides every configured region; when it is empty and
	// nothing is configured, us-east-1.
	Region string
	// Credentials, when set, replace the profile's credential chain: a
	// keyring source, or keys another step already resolved.
	Credentials *cache.Credentials
}

// profileEnvMu serialises hiding AWS_PROFILE from the SDK.
var profileEnvMu sync.Mutex

// LoadConfig resolves the AWS configuration exactly as the SDK (and the AWS
// CLI) do: the environment, the config and credentials files, the
// profile's credential chain (static keys, credential_process, SSO,
// login_session, web identity, credential_source, role_arn chains), and the
// settings that shape every call: AWS_CA_BUNDLE/ca_bundle, FIPS and
// dual-stack endpoints, max_attempts and retry_mode, endpoint URLs,
// HTTPS_PROXY/NO_PROXY and AWS_SDK_UA_APP_ID. It reads files: call it only
// off the cache-hit path.
func LoadConfig(ctx context.Context, o ConfigOptions) (aws.Config, error) {
	hc := awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
		tr.ResponseHeaderTimeout = AttemptTimeout
		tr.Proxy = http.ProxyFromEnvironment
	})
	var appID lateAppID
	opts := []func(*config.LoadOptions) error{config.WithHTTPClient(hc), appID.option()}
	if o.Profile != "" {
		opts = append(opts, config.WithSharedConfigProfile(o.Profile))
	}
	if o.Region != "" {
		opts = append(opts, config.WithRegion(o.Region))
	}
	if c := o.Credentials; c != nil {
		opts = append(opts, config.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(c.AccessKeyID, c.SecretAccessKey, c.SessionToken)))
	}
	cfg, err := loadDefault(ctx, opts...)
	if errors.Is(err, errSDKPanic) && o.Credentials != nil {
		// With keys in hand, the call can go on without the file's
		// settings: setup --org then rewrites the values that broke it.
		cfg, err = loadDefault(ctx, append(opts, config.WithSharedConfigFiles([]string{}))...)
	}
	var missing config.SharedConfigProfileNotExistError
	if errors.As(err, &missing) && o.Profile == "" && o.Credentials != nil {
		// AWS_PROFILE names a profile that does not exist (credproc exec
		// is run so): with keys in hand, the default profile's settings
		// apply. The SDK reads AWS_PROFILE itself and fails on a missing
		// one, so it is hidden from it for this load.
		profileEnvMu.Lock()
		v, had := os.LookupEnv("AWS_PROFILE")
		os.Unsetenv("AWS_PROFILE")
		cfg, err = loadDefault(ctx, opts...)
		if had {
			os.Setenv("AWS_PROFILE", v)
		}
		profileEnvMu.Unlock()
	}
	if err != nil {
		return aws.Config{}, explainConfigError(err)
	}
	cfg.APIOptions = appID.resolved(cfg.AppID, cfg.APIOptions)
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	return cfg, nil
}

// errSDKPanic is a shared config file the SDK's parser panics on (a value
// that is a lone quote, which older credproc versions wrote).
var errSDKPanic = errors.New("the AWS SDK for Go cannot parse the AWS config file (a value that is an unmatched quote?): fix or remove that value; `credproc setup --org` rewrites the ones it wrote")

// loadDefault is config.LoadDefaultConfig with its parser's panics turned
// into errSDKPanic: a file another tool wrote must not crash credproc.
func loadDefault(ctx context.Context, opts ...func(*config.LoadOptions) error) (cfg aws.Config, err error) {
	defer func() {
		if recover() != nil {
			cfg, err = aws.Config{}, errSDKPanic
		}
	}()
	return config.LoadDefaultConfig(ctx, opts...)
}

// explainConfigError names the setting behind a configuration failure.
func explainConfigError(err error) error {
	msg := err.Error()
	if strings.Contains(msg, "CA bundle") || strings.Contains(msg, "RootCAs") {
		return fmt.Errorf("the CA bundle (AWS_CA_BUNDLE or ca_bundle) cannot be used: %w", err)
	}
	return fmt.Errorf("AWS configuration: %w", err)
}

// ConfiguredURL is the endpoint URL the configuration sets for the service
// with SDK ID sdkID ("IAM", "Organizations", "STS"): AWS_ENDPOINT_URL_<ID>,
// the profile's [services] section, then AWS_ENDPOINT_URL or the profile's
// endpoint_url, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS or
// ignore_configured_endpoint_urls is set. "" when none is.
func ConfiguredURL(ctx context.Context, cfg aws.Config, sdkID string) string {
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetIgnoreConfiguredEndpoints(context.Context) (bool, bool, error)
		}); ok {
			if v, found, err := p.GetIgnoreConfiguredEndpoints(ctx); err == nil && found && v {
				return ""
			}
		}
	}
	for _, src := range cfg.ConfigSources {
		if p, ok := src.(interface {
			GetServiceBaseEndpoint(context.Context, string) (string, bool, error)
		}); ok {
			if v, found, err := p.GetServiceBaseEndpoint(ctx, sdkID); err == nil && found && v != "" {
				return v
			}
		}
	}
	if cfg.BaseEndpoint != nil {
		return *cfg.BaseEndpoint
	}
	return ""
}
