package awsapi

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/credproc/credproc/cache"
)

// TestSettingsFromTheEnvironment: the settings users made for the AWS CLI
// reach the IAM and Organizations calls through the SDK's configuration:
// max_attempts, retry_mode, the app ID, the endpoint.
func TestSettingsFromTheEnvironment(t *testing.T) {
	var mu sync.Mutex
	var agents []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		agents = append(agents, r.UserAgent())
		mu.Unlock()
		w.WriteHeader(500)
	}))
	defer srv.Close()
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "none"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ENDPOINT_URL_IAM", srv.URL)
	t.Setenv("AWS_SDK_UA_APP_ID", "acme-deploy")
	for _, tc := range []struct {
		env  map[string]string
		want int
	}{
		{map[string]string{"AWS_MAX_ATTEMPTS": "1"}, 1},
		{map[string]string{"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "standard"}, 2},
		{map[string]string{"AWS_MAX_ATTEMPTS": "2", "AWS_RETRY_MODE": "adaptive"}, 2},
	} {
		for k, v := range tc.env {
			t.Setenv(k, v)
		}
		mu.Lock()
		agents = nil
		mu.Unlock()
		c := New(IAM, cache.Credentials{AccessKeyID: "AKID", SecretAccessKey: "s"}, "us-east-1")
		if err := c.Query(t.Context(), "GetRole", nil, nil); err == nil {
			t.Fatal("a 500 succeeded")
		}
		mu.Lock()
		if len(agents) != tc.want || !strings.Contains(agents[0], "acme-deploy") {
			t.Errorf("%v: %d requests, User-Agent %q; want %d with the app ID", tc.env, len(agents), agents, tc.want)
		}
		mu.Unlock()
	}
}
