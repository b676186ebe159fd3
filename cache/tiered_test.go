package cache

import (
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// named is a memory backend under another name, standing in for a tier.
type named struct {
	Backend
	name string
}

func (n named) Name() string { return n.name }

// expiring is a memory tier that records the expiry it is given.
type expiring struct {
	named
	mu  sync.Mutex
	exp map[string]time.Time
}

func newExpiring(name string) *expiring {
	return &expiring{named: named{NewMemory(), name}, exp: map[string]time.Time{}}
}

func (e *expiring) SetWithExpiry(key string, value []byte, exp time.Time) error {
	e.mu.Lock()
	e.exp[key] = exp
	e.mu.Unlock()
	return e.Set(key, value)
}

// noBus is a Secret Service without a session bus.
type noBus struct{}

func (noBus) Name() string               { return "secret-service" }
func (noBus) Get(string) ([]byte, error) { return nil, ErrNoSessionBus }
func (noBus) Set(string, []byte) error   { return ErrNoSessionBus }
func (noBus) Delete(string) error        { return ErrNoSessionBus }
func (noBus) probe() error               { return ErrNoSessionBus }

func TestTieredReadOrderAndRefill(t *testing.T) {
	t.Parallel()
	fast := newExpiring("fast")
	durable := named{NewMemory(), "durable"}
	s := OpenTiered(durable, []Backend{fast, durable}, t.TempDir())
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatal(err)
	}
	for _, b := range []Backend{fast, durable} {
		if _, err := b.Get("session:abc"); err != nil {
			t.Fatalf("%s does not hold the session: %v", b.Name(), err)
		}
	}
	if exp := fast.exp["session:abc"]; !exp.Equal(testSess.Expiration) {
		t.Errorf("fast tier got expiry %v, want %v", exp, testSess.Expiration)
	}
	if _, tier, ok := s.LookupSession("abc"); !ok || tier != "fast" {
		t.Fatalf("LookupSession = %q, %v; want a hit from fast", tier, ok)
	}
	// After a reboot the fast tier is empty: the durable one serves the hit
	// and refills it.
	fast.Delete("session:abc")
	fast.exp = map[string]time.Time{}
	got, tier, ok := s.LookupSession("abc")
	if !ok || tier != "durable" || !sameSession(got, testSess) {
		t.Fatalf("LookupSession = %q, %v; want a hit from durable", tier, ok)
	}
	if exp := fast.exp["session:abc"]; !exp.Equal(testSess.Expiration) {
		t.Errorf("refill expiry %v, want %v", exp, testSess.Expiration)
	}
	if _, tier, _ := s.LookupSession("abc"); tier != "fast" {
		t.Fatalf("after the refill LookupSession came from %q", tier)
	}
	// A corrupt fast item is skipped, and replaced.
	fast.Set("session:abc", []byte("junk"))
	if _, tier, ok := s.LookupSession("abc"); !ok || tier != "durable" {
		t.Fatalf("LookupSession over a corrupt fast item = %q, %v", tier, ok)
	}
	if _, tier, _ := s.LookupSession("abc"); tier != "fast" {
		t.Fatalf("corrupt fast item not replaced: hit from %q", tier)
	}
	// Sources never reach the session-only tier.
	if err := s.SetSource("work", testSource); err != nil {
		t.Fatal(err)
	}
	if _, err := fast.Get("source:work"); !errors.Is(err, ErrNotFound) {
		t.Errorf("source key in the fast tier: %v", err)
	}
	if err := s.DeleteSession("abc"); err != nil {
		t.Fatal(err)
	}
	for _, b := range []Backend{fast, durable} {
		if _, err := b.Get("session:abc"); !errors.Is(err, ErrNotFound) {
			t.Errorf("%s still holds the session: %v", b.Name(), err)
		}
	}
	if _, ok := s.Session("abc"); ok {
		t.Error("hit after DeleteSession")
	}
}

// TestTieredFastTierFails: a kernel tier that errors on every call (blocked,
// quota full) leaves sessions to the durable tier.
func TestTieredFastTierFails(t *testing.T) {
	t.Parallel()
	durable := NewMemory()
	s := OpenTiered(durable, []Backend{failing{}, durable}, t.TempDir())
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatalf("PutSession = %v, want success through the durable tier", err)
	}
	got, tier, ok := s.LookupSession("abc")
	if !ok || tier != "memory" || !sameSession(got, testSess) {
		t.Fatalf("LookupSession = %q, %v", tier, ok)
	}
	if es, _ := s.Entries(); len(es) != 1 {
		t.Errorf("Entries = %v", es)
	}
	if err := s.DeleteSession("abc"); err == nil || !strings.Contains(err.Error(), "dbus exploded") {
		t.Errorf("DeleteSession = %v, want the failing tier's error", err)
	}
	// With every tier failing, PutSession fails and names each.
	err := OpenTiered(durable, []Backend{failing{}, named{failing{}, "other"}}, t.TempDir()).PutSession("abc", testSess)
	if err == nil || !strings.Contains(err.Error(), "in failing keyring") || !strings.Contains(err.Error(), "in other keyring") {
		t.Errorf("PutSession to failing tiers = %v", err)
	}
}

// failSet fails Set (an add over quota) but otherwise works.
type failSet struct{ Backend }

func (failSet) Set(string, []byte) error { return errors.New("quota") }

// TestTieredNoStaleShadow: when the fast tier cannot take a new session, it
// must not keep serving the old one over the durable tier's new one.
func TestTieredNoStaleShadow(t *testing.T) {
	t.Parallel()
	fastMem, durable := NewMemory(), NewMemory()
	old := testSess
	old.AccessKeyID = "ASIAOLD"
	data, _ := encodeSession(old)
	fastMem.Set("session:abc", data)
	s := OpenTiered(durable, []Backend{failSet{fastMem}, durable}, t.TempDir())
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Session("abc"); got.AccessKeyID != testSess.AccessKeyID {
		t.Fatalf("Session = %s, want the new session", got.AccessKeyID)
	}
}

// TestTieredDurableUnavailable: without a Secret Service, sessions are
// still cached in the fast tier, and source operations explain what to do.
func TestTieredDurableUnavailable(t *testing.T) {
	t.Parallel()
	fast := named{NewMemory(), "kernel"}
	s := OpenTiered(noBus{}, []Backend{fast, noBus{}}, t.TempDir())
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatal(err)
	}
	if _, tier, ok := s.LookupSession("abc"); !ok || tier != "kernel" {
		t.Fatalf("LookupSession = %q, %v", tier, ok)
	}
	if es, _ := s.Entries(); len(es) != 1 {
		t.Errorf("Entries = %v", es)
	}
	checkSourceUnavailable(t, s, "kernel")
	if err := s.DeleteSession("abc"); err != nil {
		t.Fatalf("DeleteSession = %v; an unreachable durable tier is not an error", err)
	}
	if _, ok := s.Session("abc"); ok {
		t.Error("hit after DeleteSession")
	}
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSessionsFrom(testSess.Source); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.Entries(); len(es) != 0 {
		t.Errorf("Entries after DeleteSessionsFrom = %v", es)
	}
	// With no working session tier either, the message does not promise one.
	err := openSingle(noBus{}, t.TempDir()).SetSource("work", testSource)
	var ke *KeyringError
	if !errors.As(err, &ke) || strings.Contains(ke.Hint(), "sessions are still cached") {
		t.Errorf("SetSource with no tier = %v", err)
	}
}

// checkSourceUnavailable checks the message source operations give when the
// source keyring is unreachable.
func checkSourceUnavailable(t *testing.T, s *Store, tier string) {
	t.Helper()
	errs := map[string]error{"SetSource": s.SetSource("work", testSource), "DeleteSource": s.DeleteSource("work")}
	_, errs["Source"] = s.Source("work")
	for op, err := range errs {
		if err == nil {
			t.Errorf("%s succeeded", op)
			continue
		}
		if !errors.Is(err, ErrNoSessionBus) || !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrNotFound) {
			t.Errorf("%s = %v, want ErrNoSessionBus and ErrUnavailable", op, err)
		}
		var ke *KeyringError
		if !errors.As(err, &ke) {
			t.Fatalf("%s = %T, want a *KeyringError", op, err)
		}
		if !strings.Contains(err.Error(), "no D-Bus session bus") || strings.Contains(err.Error(), "gnome-keyring") {
			t.Errorf("%s error %q: want the cause, not the remedy", op, err)
		}
		for _, want := range []string{
			"gnome-keyring", "KeePassXC", "--source profile:NAME",
			"sessions are still cached in the " + tier + " keyring",
		} {
			if !strings.Contains(ke.Hint(), want) {
				t.Errorf("%s hint %q lacks %q", op, ke.Hint(), want)
			}
		}
	}
}

func TestErrNoSessionBusIsUnavailable(t *testing.T) {
	t.Parallel()
	err := fmt.Errorf("x: %w", ErrNoSessionBus)
	if !errors.Is(err, ErrNoSessionBus) || !errors.Is(err, ErrUnavailable) || errors.Is(err, ErrTimeout) {
		t.Errorf("ErrNoSessionBus matches wrongly")
	}
	if errors.Is(ErrUnavailable, ErrNoSessionBus) {
		t.Error("ErrUnavailable matches ErrNoSessionBus")
	}
}

func tierNames(s *Store) string {
	var names []string
	for _, b := range s.SessionTiers() {
		names = append(names, b.Name())
	}
	return strings.Join(names, ",") + " / " + s.Backend().Name()
}

// TestOpenDefaultModes checks the tiers KeyringEnv picks; it makes no
// keyring call. Not parallel: it sets the environment.
func TestOpenDefaultModes(t *testing.T) {
	auto := systemName
	if runtime.GOOS == "linux" {
		auto = "kernel," + systemName
	}
	for mode, want := range map[string]string{
		"":               auto,
		"auto":           auto,
		"bogus":          auto,
		"kernel":         "kernel",
		"secret-service": systemName,
		"system":         systemName,
		"file":           "kernel",
	} {
		t.Setenv(KeyringEnv, mode)
		s := OpenDefault("credproc-test-none", t.TempDir())
		wantSources := systemName
		if mode == "file" {
			wantSources = fileName
		}
		if got := tierNames(s); got != want+" / "+wantSources {
			t.Errorf("%s=%q: tiers %s, want %s / %s", KeyringEnv, mode, got, want, wantSources)
		}
	}
	if runtime.GOOS != "linux" {
		t.Setenv(KeyringEnv, "kernel")
		tiers := OpenDefault("", t.TempDir()).SessionTiers()
		if err := probe(tiers[0]); tiers[0].Name() != "kernel" || !errors.Is(err, ErrUnavailable) {
			t.Errorf("kernel tier: %s %v, want unavailable", tiers[0].Name(), err)
		}
	}
}
