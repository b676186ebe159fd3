//go:build unix

package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

// faultWorld is a world with source mgmt, and the settings of a profile for
// the member role.
func faultWorld(t *testing.T) (*world, []string) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	return w, []string{"--source", "mgmt", "--role-arn", "arn:aws:iam::" + memberAccount + ":role/OrganizationAccountAccessRole"}
}

// runTimed runs credproc with args and env and returns its output and how
// long it took.
func runTimed(w *world, env []string, args ...string) (stdout, stderr string, took time.Duration, err error) {
	cmd := execTestCmd(w, env, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	start := time.Now()
	err = cmd.Run()
	return o.String(), e.String(), time.Since(start), err
}

// TestFaultsRetried: one HTTP 500, two Throttling answers, one dropped and
// one reset connection are each retried to success, as every AWS SDK does.
func TestFaultsRetried(t *testing.T) {
	w, settings := faultWorld(t)
	for i, faults := range [][]awstest.Fault{
		{awstest.Fault500},
		{awstest.FaultThrottle, awstest.FaultThrottle},
		{awstest.FaultDrop},
		{awstest.FaultReset},
	} {
		t.Run(fmt.Sprint(faults), func(t *testing.T) {
			w.srv.ResetCalls()
			w.srv.InjectFaults("AssumeRole", faults...)
			// Each case its own session name: a cache miss every time.
			out, stderr, _, err := runTimed(w, nil, append(settings, "--session-name", fmt.Sprint("retry-", i))...)
			if err != nil || !strings.Contains(out, `"Version":1`) {
				t.Fatalf("after %v: %v\n%s", faults, err, stderr)
			}
			if got := w.srv.Succeeded("AssumeRole"); got != 1 {
				t.Errorf("AssumeRole succeeded %d times, want 1", got)
			}
		})
	}
}

// TestHungSTS: a STS that takes the connection and never answers ends the
// call within 30 s: non-zero exit, nothing on stdout, one clear line
// naming the endpoint. With valid cached credentials the call hands them
// out within 3 s instead.
func TestHungSTS(t *testing.T) {
	t.Parallel() // mostly waiting: a deadline or the next TOTP window
	w, settings := faultWorld(t)
	w.srv.SetOutage("AssumeRole", awstest.FaultHang)
	out, stderr, took, err := runTimed(w, nil, settings...)
	if err == nil || out != "" || took > 30*time.Second {
		t.Fatalf("hung STS: err %v after %v, stdout %q", err, took, out)
	}
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	host := strings.TrimPrefix(w.srv.URL, "http://")
	if !strings.HasPrefix(lines[0], "credproc: error: ") || !strings.Contains(lines[0], "did not answer") || !strings.Contains(lines[0], host) || len(lines) > 2 {
		t.Errorf("want one error line saying STS at %s did not answer (and at most a hint), got:\n%s", host, stderr)
	}
	t.Logf("hung STS: failed after %v: %s", took.Round(time.Millisecond), lines[0])

	// Cached credentials inside the refresh window, still valid: STS hangs,
	// and they are handed out after at most 3 s with a notice.
	w.srv.ClearFaults()
	stale := append(settings, "--session-name", "stale", "--refresh-window", "3599")
	first, stderr, _, err := runTimed(w, nil, stale...)
	if err != nil {
		t.Fatalf("first call: %v\n%s", err, stderr)
	}
	time.Sleep(1500 * time.Millisecond) // now inside the refresh window
	w.srv.SetOutage("AssumeRole", awstest.FaultHang)
	out, stderr, took, err = runTimed(w, nil, stale...)
	if err != nil || out != first || took > 3*time.Second+2*time.Second {
		t.Fatalf("stale fallback: err %v after %v\n%s", err, took, stderr)
	}
	if !strings.Contains(stderr, "using the cached credentials") {
		t.Errorf("no notice: %q", stderr)
	}
	t.Logf("hung STS with valid cached credentials: answered after %v", took.Round(time.Millisecond))
}

// TestPersistent500: STS answering 500 on every attempt ends the call
// within 30 s, and nothing is cached: the next call asks STS again.
func TestPersistent500(t *testing.T) {
	w, settings := faultWorld(t)
	w.srv.SetOutage("AssumeRole", awstest.Fault500)
	out, stderr, took, err := runTimed(w, nil, settings...)
	if err == nil || out != "" || took > 30*time.Second || !strings.Contains(stderr, "InternalFailure") {
		t.Fatalf("persistent 500: err %v after %v, stdout %q\n%s", err, took, out, stderr)
	}
	w.srv.ClearFaults()
	w.srv.ResetCalls()
	// A call within 2 s of the failure gets its answer (the tail of a
	// storm); the next one asks STS.
	time.Sleep(2100 * time.Millisecond)
	if _, stderr, _, err := runTimed(w, nil, settings...); err != nil || w.srv.Calls("AssumeRole") != 1 {
		t.Fatalf("after the outage: %v, %d AssumeRole calls (a failure was cached?)\n%s", err, w.srv.Calls("AssumeRole"), stderr)
	}
}

// TestCABundle: behind a TLS-inspecting proxy (the emulator serving HTTPS
// with a CA of its own) a cold call works with AWS_CA_BUNDLE or ca_bundle
// in the profile, and without either fails naming AWS_CA_BUNDLE.
func TestCABundle(t *testing.T) {
	w, settings := faultWorld(t)
	tlsSrv := awstest.NewTLSServer()
	defer tlsSrv.Close()
	id, secret := tlsSrv.CreateUser(mgmtAccount, "alice")
	tlsSrv.CreateRole(awstest.Role{Account: memberAccount, Name: "OrganizationAccountAccessRole", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}})
	home := w.getenv("HOME")
	ca := filepath.Join(home, "corp-ca.pem")
	writeTestFile(t, ca, string(tlsSrv.CACertPEM()))
	writeTestFile(t, filepath.Join(home, ".aws", "credentials"), "[tls]\naws_access_key_id = "+id+"\naws_secret_access_key = "+secret+"\n")
	settings[1] = "profile:tls"
	env := []string{"AWS_ENDPOINT_URL_STS=" + tlsSrv.URL}

	_, stderr, _, err := runTimed(w, env, append(settings, "--session-name", "no-ca")...)
	if err == nil || !strings.Contains(stderr, "AWS_CA_BUNDLE") {
		t.Errorf("without the CA: %v\n%s", err, stderr)
	}
	out, stderr, _, err := runTimed(w, append(env, "AWS_CA_BUNDLE="+ca), append(settings, "--session-name", "env-ca")...)
	if err != nil || !strings.Contains(out, `"Version":1`) {
		t.Errorf("AWS_CA_BUNDLE: %v\n%s", err, stderr)
	}
	writeTestFile(t, filepath.Join(home, ".aws", "config"), "[profile tls]\nca_bundle = "+ca+"\n")
	out, stderr, _, err = runTimed(w, env, append(settings, "--session-name", "profile-ca")...)
	if err != nil || !strings.Contains(out, `"Version":1`) {
		t.Errorf("ca_bundle in the source profile: %v\n%s", err, stderr)
	}
	if tlsSrv.Succeeded("AssumeRole") != 2 {
		t.Errorf("%d AssumeRole over TLS, want 2", tlsSrv.Succeeded("AssumeRole"))
	}
}

// TestOutageStorm (issue 11, item 3): 64 concurrent calls during an STS
// outage. With valid cached credentials in the refresh window, all succeed
// within the stale-fallback bound; with nothing cached, all fail within the
// per-call deadline, and at most one retry chain reaches STS.
func TestOutageStorm(t *testing.T) {
	w, settings := faultWorld(t)
	storm := func(args []string) (ok int, took time.Duration, errs []string) {
		var mu sync.Mutex
		var wg sync.WaitGroup
		start := time.Now()
		for range 64 {
			wg.Go(func() {
				out, stderr, _, err := runTimed(w, nil, args...)
				mu.Lock()
				defer mu.Unlock()
				if err == nil && strings.Contains(out, `"Version":1`) {
					ok++
				} else {
					errs = append(errs, strings.TrimSpace(stderr))
				}
			})
		}
		wg.Wait()
		return ok, time.Since(start), errs
	}

	cached := append(settings, "--session-name", "storm-cached", "--refresh-window", "3599")
	if _, stderr, _, err := runTimed(w, nil, cached...); err != nil {
		t.Fatalf("first call: %v\n%s", err, stderr)
	}
	time.Sleep(1500 * time.Millisecond)
	w.srv.SetOutage("AssumeRole", awstest.FaultReset)
	before := w.srv.Requests()
	ok, took, errs := storm(cached)
	reqs := w.srv.Requests() - before
	t.Logf("valid cache, STS resetting: %d/64 succeeded in %v, %d STS requests", ok, took.Round(time.Millisecond), reqs)
	if ok != 64 || took > 15*time.Second {
		t.Errorf("valid cache: %d/64 succeeded in %v; first failures: %q", ok, took, first(errs, 3))
	}

	w.srv.SetOutage("AssumeRole", awstest.Fault500)
	before = w.srv.Requests()
	ok, took, errs = storm(append(settings, "--session-name", "storm-empty"))
	reqs = w.srv.Requests() - before
	shared := 0
	for _, e := range errs {
		if strings.Contains(e, "failed a moment ago") {
			shared++
		}
	}
	t.Logf("empty cache, STS answering 500: %d/64 succeeded in %v, %d STS requests; %d took the holder's answer", ok, took.Round(time.Millisecond), reqs, shared)
	if ok != 0 || took > 30*time.Second || reqs > 3 {
		t.Errorf("empty cache: %d succeeded, %v, %d STS requests (want 0, under 30 s, one retry chain of at most 3)", ok, took, reqs)
	}
	for _, e := range errs {
		if !strings.Contains(e, "InternalFailure") || strings.Contains(e, "MFA prompt") {
			t.Errorf("a failure does not name the cause: %q", e)
			break
		}
	}
	if bad := w.leaks(w.getenv("HOME")); len(bad) > 0 {
		t.Errorf("secrets in %v", bad)
	}

}

func first(s []string, n int) []string { return s[:min(n, len(s))] }

// TestMaxAttemptsFromTheEnvironment: AWS_MAX_ATTEMPTS and max_attempts in
// the source profile reach the STS calls, as the AWS CLI's settings should.
func TestMaxAttemptsFromTheEnvironment(t *testing.T) {
	w, settings := faultWorld(t)
	w.srv.InjectFaults("AssumeRole", awstest.Fault500)
	_, stderr, _, err := runTimed(w, []string{"AWS_MAX_ATTEMPTS=1"}, append(settings, "--session-name", "one-attempt")...)
	if err == nil || !strings.Contains(stderr, "InternalFailure") {
		t.Fatalf("AWS_MAX_ATTEMPTS=1 and one 500: %v\n%s", err, stderr)
	}
	home := w.getenv("HOME")
	writeTestFile(t, filepath.Join(home, ".aws", "credentials"), "[src]\naws_access_key_id = "+w.getenv("ALICE_AKID")+"\naws_secret_access_key = "+w.getenv("ALICE_SECRET")+"\n")
	writeTestFile(t, filepath.Join(home, ".aws", "config"), "[profile src]\nmax_attempts = 1\n")
	settings[1] = "profile:src"
	w.srv.InjectFaults("AssumeRole", awstest.Fault500)
	if _, stderr, _, err := runTimed(w, nil, append(settings, "--session-name", "profile-one-attempt")...); err == nil || !strings.Contains(stderr, "InternalFailure") {
		t.Fatalf("max_attempts = 1 in the source profile and one 500: %v\n%s", err, stderr)
	}
	w.srv.InjectFaults("AssumeRole", awstest.Fault500)
	if _, stderr, _, err := runTimed(w, []string{"AWS_MAX_ATTEMPTS=2"}, append(settings, "--session-name", "two-attempts")...); err != nil {
		t.Fatalf("AWS_MAX_ATTEMPTS=2 and one 500: %v\n%s", err, stderr)
	}
}
