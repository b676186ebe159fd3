package awstest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

func metaGet(t *testing.T, method, url string, hdr map[string]string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// stsCallerAccount returns the caller ARN GetCallerIdentity reports for a key.
func stsCallerAccount(t *testing.T, s *Server, id, secret, token string) string {
	t.Helper()
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.URL),
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: id, SecretAccessKey: secret, SessionToken: token}, nil
		})})
	out, err := c.GetCallerIdentity(context.Background(), &sts.GetCallerIdentityInput{})
	if err != nil {
		t.Fatalf("GetCallerIdentity with the endpoint's keys: %v", err)
	}
	return aws.ToString(out.Arn)
}

func TestInstanceMetadata(t *testing.T) {
	s := NewServer()
	defer s.Close()
	arn := s.CreateRole(Role{Account: "111111111111", Name: "Host", TrustedAccounts: []string{"111111111111"}})
	m := s.ServeInstanceMetadata(arn)
	defer m.Close()
	const creds = "/latest/meta-data/iam/security-credentials/"
	if code, _ := metaGet(t, "GET", m.URL+creds, nil); code != http.StatusUnauthorized {
		t.Errorf("IMDSv1 GET: %d, want 401", code)
	}
	if code, _ := metaGet(t, "PUT", m.URL+"/latest/api/token", nil); code != http.StatusBadRequest {
		t.Errorf("token PUT without a TTL: %d, want 400", code)
	}
	if code, _ := metaGet(t, "GET", m.URL+creds, map[string]string{"X-aws-ec2-metadata-token": "forged"}); code != http.StatusUnauthorized {
		t.Errorf("forged token: %d, want 401", code)
	}
	_, tok := metaGet(t, "PUT", m.URL+"/latest/api/token", map[string]string{"X-aws-ec2-metadata-token-ttl-seconds": "60"})
	hdr := map[string]string{"X-aws-ec2-metadata-token": tok}
	if code, body := metaGet(t, "GET", m.URL+creds, hdr); code != 200 || body != "Host" {
		t.Fatalf("role list: %d %q", code, body)
	}
	code, body := metaGet(t, "GET", m.URL+creds+"Host", hdr)
	var c struct{ Code, AccessKeyId, SecretAccessKey, Token, Expiration string }
	if code != 200 || json.Unmarshal([]byte(body), &c) != nil || c.Code != "Success" {
		t.Fatalf("credentials: %d %q", code, body)
	}
	if exp, err := time.Parse(time.RFC3339, c.Expiration); err != nil || time.Until(exp) < time.Hour {
		t.Errorf("Expiration %q", c.Expiration)
	}
	if got := stsCallerAccount(t, s, c.AccessKeyId, c.SecretAccessKey, c.Token); got != "arn:aws:sts::111111111111:assumed-role/Host/i-0123456789abcdef0" {
		t.Errorf("caller %s", got)
	}
	if s.Succeeded("InstanceRoleCredentials") != 1 {
		t.Errorf("calls: %v", s.Log())
	}
}

func TestContainerCredentials(t *testing.T) {
	s := NewServer()
	defer s.Close()
	arn := s.CreateRole(Role{Account: "111111111111", Name: "Task", TrustedAccounts: []string{"111111111111"}})
	m := s.ServeContainerCredentials(arn, "tok")
	defer m.Close()
	for _, h := range []map[string]string{nil, {"Authorization": "wrong"}} {
		if code, _ := metaGet(t, "GET", m.URL+ContainerCredentialsPath, h); code != http.StatusUnauthorized {
			t.Errorf("Authorization %v: %d, want 401", h, code)
		}
	}
	code, body := metaGet(t, "GET", m.URL+ContainerCredentialsPath, map[string]string{"Authorization": "tok"})
	var c struct{ RoleArn, AccessKeyId, SecretAccessKey, Token string }
	if code != 200 || json.Unmarshal([]byte(body), &c) != nil || c.RoleArn != arn {
		t.Fatalf("credentials: %d %q", code, body)
	}
	if got := stsCallerAccount(t, s, c.AccessKeyId, c.SecretAccessKey, c.Token); got != "arn:aws:sts::111111111111:assumed-role/Task/task-0123456789abcdef" {
		t.Errorf("caller %s", got)
	}
	if s.Calls("ContainerCredentials") != 1 {
		t.Errorf("calls: %v", s.Log())
	}
}
