package awstest

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestLatency: with SetLatency, no answer comes back sooner than the
// latency, and requests are still served (and counted) as before.
func TestLatency(t *testing.T) {
	s := NewServer()
	defer s.Close()
	const d = 80 * time.Millisecond
	s.SetLatency(d)
	errs := make(chan error, 3)
	for range 3 {
		go func() {
			start := time.Now()
			resp, err := http.PostForm(s.URL, url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}})
			if err == nil {
				resp.Body.Close()
				if took := time.Since(start); took < d {
					t.Errorf("answered after %v, want at least %v", took, d)
				}
				if resp.StatusCode != http.StatusForbidden && resp.StatusCode != http.StatusBadRequest {
					t.Errorf("unsigned request: status %d", resp.StatusCode)
				}
			}
			errs <- err
		}()
	}
	for range 3 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	if n := s.Calls("GetCallerIdentity"); n != 3 {
		t.Errorf("Calls = %d, want 3", n)
	}
}
