package cli

import (
	"context"
	"strings"
	"testing"
)

func TestCheckFederationOverride(t *testing.T) {
	for raw, ok := range map[string]bool{
		"http://127.0.0.1:8080/federation":                           true,
		"http://[::1]:1/federation":                                  true,
		"http://localhost:9/federation":                              true,
		"https://signin.aws.amazon.com/federation":                   true,
		"https://eu-west-1.signin.aws.amazon.com/federation":         true,
		"https://signin.amazonaws.cn/federation":                     true,
		"https://eusc-de-east-1.signin.amazonaws-eusc.eu/federation": true,
		"http://signin.aws.amazon.com/federation":                    false, // plain http off this machine
		"http://10.0.0.1/federation":                                 false,
		"http://evil.example/federation":                             false,
		"https://evil.example/federation":                            false,
		"https://signin.aws.amazon.com.evil.example/x":               false,
		"https://evilsignin.aws.amazon.com/federation":               false,
		"ftp://127.0.0.1/federation":                                 false,
		"127.0.0.1:80/federation":                                    false,
		"http://user@127.0.0.1/federation":                           false,
	} {
		err := checkFederationOverride(raw)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want ok=%v", raw, err, ok)
		}
		if err != nil && !strings.Contains(err.Error(), "CREDPROC_FEDERATION_URL") {
			t.Errorf("%s: the error does not name the variable: %v", raw, err)
		}
	}
}

func TestFederationFor(t *testing.T) {
	for _, tc := range []struct{ partition, region, federation, console string }{
		{"aws", "eu-west-1", "https://signin.aws.amazon.com/federation", "https://console.aws.amazon.com/"},
		{"aws-cn", "", "https://signin.amazonaws.cn/federation", "https://console.amazonaws.cn/"},
		{"aws-eusc", "eusc-de-east-1", "https://eusc-de-east-1.signin.amazonaws-eusc.eu/federation", "https://console.amazonaws-eusc.eu/"},
		{"aws-eusc", "", "https://eusc-de-east-1.signin.amazonaws-eusc.eu/federation", "https://console.amazonaws-eusc.eu/"},
		{"aws-iso", "us-iso-east-1", "https://us-iso-east-1.signin.c2shome.ic.gov/federation", "https://console.c2shome.ic.gov/"},
	} {
		ep, err := federationFor(context.Background(), tc.partition, tc.region)
		if err != nil || ep.federation != tc.federation || ep.console != tc.console {
			t.Errorf("%s %s: %+v %v", tc.partition, tc.region, ep, err)
		}
	}
	if _, err := federationFor(context.Background(), "aws-nowhere", ""); err == nil || !strings.Contains(err.Error(), "no console federation endpoint") {
		t.Errorf("unknown partition: %v", err)
	}
}
