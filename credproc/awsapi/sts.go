package awsapi

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// STS is the AWS Security Token Service: an endpoint in every region, query
// protocol. Its DefaultEndpoint is the partition's global one; calls go to
// the caller's region (see Service.Endpoint and STSEndpoint).
var STS = &Service{
	name:     "sts",
	id:       "STS",
	aws:      Endpoint{URL: "https://sts.amazonaws.com", Region: "us-east-1"},
	awsCN:    Endpoint{URL: "https://sts.cn-north-1.amazonaws.com.cn", Region: "cn-north-1"},
	awsUSGov: Endpoint{URL: "https://sts.us-gov-west-1.amazonaws.com", Region: "us-gov-west-1"},
	version:  "2011-06-15",
	regional: true,
}

// STSEndpoint is where STS calls from region go when no URL is configured,
// as the SDK's endpoint rules have it: the regional endpoint, signed for
// region; with global (sts_regional_endpoints = legacy) the global
// endpoint https://sts.amazonaws.com, signed for us-east-1, for the regions
// that used it before regional endpoints ("aws-global" always goes there).
func STSEndpoint(region string, global bool) Endpoint {
	if region == "aws-global" || global && stsLegacyRegion(region) {
		return STS.aws
	}
	return STS.RegionalEndpoint(region)
}

// stsLegacyRegion reports whether sts_regional_endpoints = legacy sends
// region's calls to the global endpoint (the SDK's rules). A switch, not a
// map, so that it costs no package init.
func stsLegacyRegion(region string) bool {
	switch region {
	case "ap-northeast-1", "ap-south-1", "ap-southeast-1", "ap-southeast-2",
		"aws-global", "ca-central-1", "eu-central-1", "eu-north-1",
		"eu-west-1", "eu-west-2", "eu-west-3", "sa-east-1",
		"us-east-1", "us-east-2", "us-west-1", "us-west-2":
		return true
	}
	return false
}

// Credentials are temporary credentials STS issued.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time // zero if the reply had none
}

// stsCredentials is the <Credentials> element of a reply.
type stsCredentials struct {
	AccessKeyID     string `xml:"AccessKeyId"`
	SecretAccessKey string `xml:"SecretAccessKey"`
	SessionToken    string `xml:"SessionToken"`
	Expiration      string `xml:"Expiration"`
}

// credentials converts the element, or returns nil for a reply without one.
func (x *stsCredentials) credentials() (*Credentials, error) {
	if x == nil {
		return nil, nil
	}
	c := &Credentials{
		AccessKeyID:     strings.TrimSpace(x.AccessKeyID),
		SecretAccessKey: strings.TrimSpace(x.SecretAccessKey),
		SessionToken:    strings.TrimSpace(x.SessionToken),
	}
	if exp := strings.TrimSpace(x.Expiration); exp != "" {
		t, err := time.Parse(time.RFC3339Nano, exp)
		if err != nil {
			return nil, fmt.Errorf("expiration %q is not an RFC 3339 time", exp)
		}
		c.Expiration = t.UTC()
	}
	return c, nil
}

// AssumeRoleInput are the AssumeRole parameters credproc sends; empty
// (zero) ones are left out.
type AssumeRoleInput struct {
	RoleArn         string
	RoleSessionName string
	DurationSeconds int32
	ExternalID      string
	Policy          string
	SerialNumber    string
	TokenCode       string
}

// AssumeRoleOutput is what AssumeRole returns.
type AssumeRoleOutput struct {
	Credentials    *Credentials // nil if the reply had none
	AssumedRoleARN string       // "arn:aws:sts::123456789012:assumed-role/Role/session"
	AssumedRoleID  string       // "AROA…:session"
}

// AssumeRole calls sts:AssumeRole.
func (c *Client) AssumeRole(ctx context.Context, in AssumeRoleInput) (*AssumeRoleOutput, error) {
	p := url.Values{}
	p.Set("RoleArn", in.RoleArn)
	p.Set("RoleSessionName", in.RoleSessionName)
	setNonZero(p, "DurationSeconds", in.DurationSeconds)
	setNonEmpty(p, "ExternalId", in.ExternalID)
	setNonEmpty(p, "Policy", in.Policy)
	setNonEmpty(p, "SerialNumber", in.SerialNumber)
	setNonEmpty(p, "TokenCode", in.TokenCode)
	var x struct {
		Credentials    *stsCredentials `xml:"Credentials"`
		AssumedRoleARN string          `xml:"AssumedRoleUser>Arn"`
		AssumedRoleID  string          `xml:"AssumedRoleUser>AssumedRoleId"`
	}
	if err := c.stsQuery(ctx, "AssumeRole", p, &x); err != nil {
		return nil, err
	}
	creds, err := x.Credentials.credentials()
	if err != nil {
		return nil, fmt.Errorf("sts AssumeRole: unreadable reply: %w", err)
	}
	return &AssumeRoleOutput{
		Credentials:    creds,
		AssumedRoleARN: strings.TrimSpace(x.AssumedRoleARN),
		AssumedRoleID:  strings.TrimSpace(x.AssumedRoleID),
	}, nil
}

// GetSessionTokenInput are the GetSessionToken parameters; empty (zero)
// ones are left out.
type GetSessionTokenInput struct {
	DurationSeconds int32
	SerialNumber    string
	TokenCode       string
}

// GetSessionToken calls sts:GetSessionToken. The credentials are nil if
// the reply had none.
func (c *Client) GetSessionToken(ctx context.Context, in GetSessionTokenInput) (*Credentials, error) {
	p := url.Values{}
	setNonZero(p, "DurationSeconds", in.DurationSeconds)
	setNonEmpty(p, "SerialNumber", in.SerialNumber)
	setNonEmpty(p, "TokenCode", in.TokenCode)
	var x struct {
		Credentials *stsCredentials `xml:"Credentials"`
	}
	if err := c.stsQuery(ctx, "GetSessionToken", p, &x); err != nil {
		return nil, err
	}
	creds, err := x.Credentials.credentials()
	if err != nil {
		return nil, fmt.Errorf("sts GetSessionToken: unreadable reply: %w", err)
	}
	return creds, nil
}

// CallerIdentity is what GetCallerIdentity returns.
type CallerIdentity struct {
	Account string // "123456789012"
	Arn     string // "arn:aws:iam::123456789012:user/alice"
	UserID  string // "AIDA…"
}

// GetCallerIdentity calls sts:GetCallerIdentity: whom the client's
// credentials belong to.
func (c *Client) GetCallerIdentity(ctx context.Context) (*CallerIdentity, error) {
	var x struct {
		Account string `xml:"Account"`
		Arn     string `xml:"Arn"`
		UserID  string `xml:"UserId"`
	}
	if err := c.stsQuery(ctx, "GetCallerIdentity", nil, &x); err != nil {
		return nil, err
	}
	return &CallerIdentity{Account: strings.TrimSpace(x.Account), Arn: strings.TrimSpace(x.Arn), UserID: strings.TrimSpace(x.UserID)}, nil
}

// stsQuery runs an STS action; a client of another service refuses.
func (c *Client) stsQuery(ctx context.Context, action string, p url.Values, out any) error {
	if c.svc != STS {
		return fmt.Errorf("awsapi: %s is not STS", c.svc.name)
	}
	return c.Query(ctx, action, p, out)
}

func setNonEmpty(p url.Values, k, v string) {
	if v != "" {
		p.Set(k, v)
	}
}

func setNonZero(p url.Values, k string, v int32) {
	if v != 0 {
		p.Set(k, strconv.FormatInt(int64(v), 10))
	}
}
