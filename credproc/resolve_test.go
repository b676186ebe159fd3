package credproc

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awstest"
	"github.com/credproc/credproc/internal/prompt"
	"github.com/credproc/credproc/internal/totp"
)

type fixture struct {
	srv      *awstest.Server
	r        *Resolver
	mem      cache.Backend
	now      time.Time
	role     string
	mfaRole  string
	serial   string
	codeFile string
	seed     string
}

func newFixture(t *testing.T) *fixture {
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	f := &fixture{srv: srv, mem: cache.NewMemory(), now: time.Now()}
	akid, secret := srv.CreateUser("111111111111", "alice")
	f.serial, f.seed = srv.EnableMFA("111111111111", "alice", "alice")
	f.role = srv.CreateRole(awstest.Role{Account: "222222222222", Name: DefaultRoleName, TrustedAccounts: []string{"111111111111"}, MaxSessionDuration: 12 * time.Hour})
	f.mfaRole = srv.CreateRole(awstest.Role{Account: "333333333333", Name: DefaultRoleName, TrustedAccounts: []string{"111111111111"}, RequireMFA: true, MaxSessionDuration: 12 * time.Hour})
	st := cache.OpenTiered(f.mem, []cache.Backend{f.mem}, t.TempDir())
	if err := st.SetSource("mgmt", cache.Credentials{AccessKeyID: akid, SecretAccessKey: secret}); err != nil {
		t.Fatal(err)
	}
	f.codeFile = filepath.Join(t.TempDir(), "code")
	env := map[string]string{"AWS_ENDPOINT_URL_STS": srv.URL}
	f.r = &Resolver{
		Store:        st,
		Getenv:       func(k string) string { return env[k] },
		Now:          func() time.Time { return f.now },
		OpenTerminal: func() (*prompt.Terminal, error) { return nil, prompt.ErrNoTerminal },
	}
	return f
}

func (f *fixture) settings(role string, extra func(*Settings)) *Settings {
	s := &Settings{Source: "mgmt", RoleARN: role, MFADuration: DefaultMFADuration, RefreshWindow: DefaultRefreshWindow}
	if extra != nil {
		extra(s)
	}
	return s
}

// withCode makes the mfa-process print the current TOTP code.
func (f *fixture) withCode(t *testing.T, s *Settings) {
	code, err := totp.Code(f.seed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(f.codeFile, []byte(code+"\n"), 0o600)
	s.MFASerial, s.MFAProcess = f.serial, "cat "+f.codeFile
}

func TestCacheHitAndRefreshWindow(t *testing.T) {
	f := newFixture(t)
	s := f.settings(f.role, nil)
	ctx := context.Background()
	c1, err := f.r.Credentials(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.r.Credentials(ctx, s); err != nil || f.srv.Calls("AssumeRole") != 1 {
		t.Fatalf("second call: %v, %d AssumeRole calls", err, f.srv.Calls("AssumeRole"))
	}
	// 16 minutes before expiry the cache still serves; at 14 it refreshes.
	f.now = c1.Expiration.Add(-16 * time.Minute)
	if _, err := f.r.Credentials(ctx, s); err != nil || f.srv.Calls("AssumeRole") != 1 {
		t.Fatalf("outside the window: %v, %d calls", err, f.srv.Calls("AssumeRole"))
	}
	f.now = c1.Expiration.Add(-14 * time.Minute)
	c2, err := f.r.Credentials(ctx, s)
	if err != nil || f.srv.Calls("AssumeRole") != 2 || c2.AccessKeyID == c1.AccessKeyID {
		t.Fatalf("inside the window: %v, %d calls", err, f.srv.Calls("AssumeRole"))
	}
	// A shorter window is honoured.
	f.now = c1.Expiration.Add(-14 * time.Minute)
	s.RefreshWindow = 5 * time.Minute
	if _, ok := f.r.Cached(s); !ok {
		t.Error("a 5m window did not serve credentials with 14m left")
	}
}

func TestCorruptEntryIsReplaced(t *testing.T) {
	f := newFixture(t)
	s := f.settings(f.role, nil)
	key := f.r.CacheKeyFor(s)
	f.mem.Set("session:"+key, []byte(`{"v":1,"k":"garbage`))
	if _, err := f.r.Credentials(context.Background(), s); err != nil {
		t.Fatalf("a corrupt entry was fatal: %v", err)
	}
	if _, ok := f.r.Store.Session(key); !ok {
		t.Fatal("the corrupt entry was not replaced")
	}
}

func TestFailuresAreNotCached(t *testing.T) {
	f := newFixture(t)
	untrusting := f.srv.CreateRole(awstest.Role{Account: "444444444444", Name: "R", TrustedAccounts: []string{"999999999999"}})
	s := f.settings(untrusting, nil)
	_, err := f.r.Credentials(context.Background(), s)
	if ErrorCode(err) != "AccessDenied" || !strings.Contains(Hint(err), "trust policy") {
		t.Fatalf("got %v (hint %q)", err, Hint(err))
	}
	if entries, _ := f.r.Store.Entries(); len(entries) != 0 {
		t.Fatalf("a failure left %d cache entries", len(entries))
	}
}

func TestMFASessionServesEveryRoleAndClampsDuration(t *testing.T) {
	f := newFixture(t)
	other := f.srv.CreateRole(awstest.Role{Account: "666666666666", Name: DefaultRoleName, TrustedAccounts: []string{"111111111111"}, RequireMFA: true, MaxSessionDuration: 12 * time.Hour})
	ctx := context.Background()
	s := f.settings(f.mfaRole, func(s *Settings) { s.Duration = 4 * time.Hour })
	f.withCode(t, s)
	c, err := f.r.Credentials(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	// Role chaining caps the session at 1h; asking for 4h would have failed.
	if left := time.Until(c.Expiration); left > time.Hour+time.Minute {
		t.Errorf("role session lasts %s, want at most 1h", left)
	}
	// A second account: the cached MFA session signs, no code is needed.
	s2 := f.settings(other, func(s *Settings) { s.MFASerial = f.serial })
	if _, err := f.r.Credentials(ctx, s2); err != nil {
		t.Fatalf("second role without a code: %v", err)
	}
	if f.srv.Calls("GetSessionToken") != 1 || f.srv.Calls("AssumeRole") != 2 {
		t.Fatalf("GetSessionToken %d AssumeRole %d", f.srv.Calls("GetSessionToken"), f.srv.Calls("AssumeRole"))
	}
}

func TestRevokedMFASessionIsDropped(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	s := f.settings(f.mfaRole, nil)
	f.withCode(t, s)
	if _, err := f.r.Credentials(ctx, s); err != nil {
		t.Fatal(err)
	}
	f.srv.ExpireAll() // AWS ended the sessions early
	s2 := f.settings(f.mfaRole, func(s *Settings) { s.MFASerial, s.SessionName = f.serial, "second" })
	_, err := f.r.Credentials(ctx, s2)
	if err == nil {
		t.Fatal("an expired MFA session was accepted")
	}
	if _, ok := f.r.Store.Session(f.r.mfaKey(s2)); ok {
		t.Error("the rejected MFA session is still cached")
	}
}

func TestNoTerminalFailsWithHint(t *testing.T) {
	f := newFixture(t)
	s := f.settings(f.mfaRole, func(s *Settings) { s.MFASerial = f.serial })
	_, err := f.r.Credentials(context.Background(), s)
	if !errors.Is(err, prompt.ErrNoTerminal) || !strings.Contains(Hint(err), "--mfa-process") {
		t.Fatalf("got %v (hint %q)", err, Hint(err))
	}
	if f.srv.Calls("GetSessionToken")+f.srv.Calls("AssumeRole") != 0 {
		t.Error("STS was called without a code")
	}
}

func TestNoRoleHandsOutASessionNotTheKey(t *testing.T) {
	f := newFixture(t)
	s := f.settings("", nil)
	c, err := f.r.Credentials(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(c.AccessKeyID, "ASIA") || c.SessionToken == "" {
		t.Fatalf("got %s…, want temporary credentials", c.AccessKeyID[:4])
	}
}

func TestEndpointSettings(t *testing.T) {
	env := map[string]string{"AWS_REGION": "eu-west-1", "AWS_ENDPOINT_URL": "http://all", "AWS_STS_REGIONAL_ENDPOINTS": "legacy"}
	get := func(k string) string { return env[k] }
	ep := endpointFor(&Settings{}, get, nil)
	if ep.Region != "eu-west-1" || ep.URL != "http://all" || !ep.Global {
		t.Fatalf("%+v", ep)
	}
	env["AWS_ENDPOINT_URL_STS"] = "http://sts"
	if ep := endpointFor(&Settings{Region: "us-west-2"}, get, nil); ep.URL != "http://sts" || ep.Region != "us-west-2" {
		t.Fatalf("%+v", ep)
	}
	env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true"
	if ep := endpointFor(&Settings{}, get, map[string]string{"endpoint_url": "http://p"}); ep.URL != "" {
		t.Fatalf("ignored endpoints were used: %+v", ep)
	}
	if ep := endpointFor(&Settings{}, func(string) string { return "" }, map[string]string{"region": "ap-south-1"}); ep.Region != "ap-south-1" || ep.Global {
		t.Fatalf("%+v", ep)
	}
	if ep := endpointFor(&Settings{}, func(string) string { return "" }, nil); ep.Region != "us-east-1" {
		t.Fatalf("default region %q", ep.Region)
	}
}

func TestUnreachableSTSServesStillValidCache(t *testing.T) {
	f := newFixture(t)
	s := f.settings(f.role, nil)
	ctx := context.Background()
	c1, err := f.r.Credentials(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	f.srv.Close() // STS goes away
	// Inside the refresh window but still valid: the cache serves.
	f.now = c1.Expiration.Add(-10 * time.Minute)
	c2, err := f.r.Credentials(ctx, s)
	if err != nil || c2.AccessKeyID != c1.AccessKeyID {
		t.Fatalf("with STS down and 10m left: %v", err)
	}
	// About to expire: the failure is reported, with the network hint.
	f.now = c1.Expiration.Add(-time.Minute)
	if _, err := f.r.Credentials(ctx, s); err == nil || !strings.Contains(Hint(err), "network") {
		t.Fatalf("with STS down and 1m left: %v (hint %q)", err, Hint(err))
	}
}

// countingBackend counts Gets, to see which tier a storm asks.
type countingBackend struct {
	cache.Backend
	mu   sync.Mutex
	gets int
}

func (c *countingBackend) Get(key string) ([]byte, error) {
	c.mu.Lock()
	c.gets++
	c.mu.Unlock()
	return c.Backend.Get(key)
}

// TestStormAsksTheSlowTierOnce: concurrent cold callers check the fast
// tier without the lock and all tiers only under it, so the slow tier (the
// Secret Service, which serves one client at a time) is asked once.
func TestStormAsksTheSlowTierOnce(t *testing.T) {
	f := newFixture(t)
	slow := &countingBackend{Backend: cache.NewMemory()}
	src, _ := f.r.Store.Source("mgmt")
	st := cache.OpenTiered(cache.NewMemory(), []cache.Backend{cache.NewMemory(), slow}, t.TempDir())
	if err := st.SetSource("mgmt", src); err != nil {
		t.Fatal(err)
	}
	f.r.Store = st
	s := f.settings(f.role, nil)
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := f.r.Credentials(context.Background(), s); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := f.srv.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
	if slow.gets != 1 {
		t.Errorf("the slow tier was asked %d times, want 1", slow.gets)
	}
}

// TestStormAfterAFailedHolder: when the process holding the lock fails and
// caches nothing, the waiters do not hang or hand out anything; each gets
// the lock in turn, tries, and fails the same way.
func TestStormAfterAFailedHolder(t *testing.T) {
	f := newFixture(t)
	f.r.LockWait = 10 * time.Second
	s := f.settings(f.mfaRole, func(s *Settings) { s.MFASerial = f.serial })
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			_, err := f.r.Credentials(context.Background(), s)
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; !errors.Is(err, prompt.ErrNoTerminal) {
			t.Errorf("got %v, want the no-terminal error", err)
		}
	}
	if n := f.srv.Calls("GetSessionToken") + f.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("%d STS calls without a code", n)
	}
}

// TestLockWaitRunsOut: a lock held past LockWait fails with what to do,
// and without calling STS.
func TestLockWaitRunsOut(t *testing.T) {
	f := newFixture(t)
	f.r.LockWait = 100 * time.Millisecond
	s := f.settings(f.role, nil)
	unlock, err := f.r.Store.Lock(context.Background(), f.r.CacheKeyFor(s), nil)
	if err != nil {
		t.Fatalf("Lock: %v", err)
	}
	defer unlock()
	_, err = f.r.Credentials(context.Background(), s)
	if err == nil || !strings.Contains(err.Error(), "waited 100ms for another credproc") || !strings.Contains(Hint(err), "MFA prompt") {
		t.Fatalf("got %v (hint %q)", err, Hint(err))
	}
	if n := f.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("%d AssumeRole calls while another process held the lock", n)
	}
}

// TestHit: the cache hit answers from the first tier only, never for
// --no-session, and not inside the refresh window.
func TestHit(t *testing.T) {
	f := newFixture(t)
	s := f.settings(f.role, nil)
	if _, ok := f.r.Hit(s); ok {
		t.Fatal("a hit with nothing cached")
	}
	c, err := f.r.Credentials(context.Background(), s)
	if err != nil {
		t.Fatal(err)
	}
	if got, ok := f.r.Hit(s); !ok || got.AccessKeyID != c.AccessKeyID {
		t.Fatalf("Hit after a refresh = %v, %v; want the cached credentials", got.AccessKeyID, ok)
	}
	f.now = c.Expiration.Add(-14 * time.Minute)
	if _, ok := f.r.Hit(s); ok {
		t.Error("a hit inside the refresh window")
	}
	f.now = time.Now()
	long := f.settings("", func(s *Settings) { s.NoSession = true })
	if _, ok := f.r.Hit(long); ok {
		t.Error("a hit for --no-session, which hands out the source key")
	}
	if f.srv.Calls("AssumeRole") != 1 {
		t.Errorf("%d AssumeRole calls, want 1: Hit must not call STS", f.srv.Calls("AssumeRole"))
	}
}
