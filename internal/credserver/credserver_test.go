package credserver

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
)

func get(t *testing.T, url, token, host string) (*http.Response, map[string]string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	if host != "" {
		req.Host = host
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var doc map[string]string
	json.NewDecoder(resp.Body).Decode(&doc)
	return resp, doc
}

// TestServer: the token is required, the reply is the container format,
// each request asks get again, and Close closes the port.
func TestServer(t *testing.T) {
	calls := 0
	exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	s, err := Start(func(context.Context) (cache.Credentials, error) {
		calls++
		return cache.Credentials{AccessKeyID: "ASIA1", SecretAccessKey: "sekrit", SessionToken: "tok", Expiration: exp}, nil
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s.URL, "http://127.0.0.1:") || len(s.Token) != 64 {
		t.Fatalf("URL %s, token length %d", s.URL, len(s.Token))
	}
	for _, tok := range []string{"", "wrong", s.Token[:63], s.Token + "x"} {
		if resp, doc := get(t, s.URL, tok, ""); resp.StatusCode != http.StatusUnauthorized || doc["AccessKeyId"] != "" {
			t.Errorf("token %q: status %d, %v", tok, resp.StatusCode, doc)
		}
	}
	if resp, _ := get(t, s.URL, s.Token, "evil.example:80"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("another Host: status %d", resp.StatusCode)
	}
	if calls != 0 {
		t.Errorf("refused requests asked for credentials")
	}
	resp, doc := get(t, s.URL, s.Token, "")
	if resp.StatusCode != 200 || doc["AccessKeyId"] != "ASIA1" || doc["SecretAccessKey"] != "sekrit" || doc["Token"] != "tok" || doc["Expiration"] != "2030-01-02T03:04:05Z" {
		t.Errorf("reply %d %v", resp.StatusCode, doc)
	}
	get(t, s.URL, s.Token, "")
	if calls != 2 {
		t.Errorf("get called %d times for 2 requests", calls)
	}
	addr := strings.TrimSuffix(strings.TrimPrefix(s.URL, "http://"), "/credentials")
	s.Close()
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Error("port open after Close")
	}
}

// TestServerError: a failure is a 500 with errorText's message only.
func TestServerError(t *testing.T) {
	s, err := Start(func(context.Context) (cache.Credentials, error) {
		return cache.Credentials{}, errors.New("AccessDenied: not allowed")
	}, func(err error) string { return "could not assume the role: " + err.Error() })
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	resp, doc := get(t, s.URL, s.Token, "")
	if resp.StatusCode != 500 || doc["message"] != "could not assume the role: AccessDenied: not allowed" || doc["AccessKeyId"] != "" {
		t.Errorf("reply %d %v", resp.StatusCode, doc)
	}
}
