package cache

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests use the real kernel keyring. Each uses a service name of its
// own, so parallel tests and runs never see each other's keys, and removes
// every key of it at the end.

// requireKernel skips the test where keyctl(2) is blocked or missing, except
// in CI, which must provide it.
func requireKernel(t *testing.T) {
	t.Helper()
	err := (sysKeyOps{}).ring()
	if err == nil {
		return
	}
	if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI must provide the kernel keyring: %v", err)
		}
		t.Skipf("kernel keyring not usable here: %v", err)
	}
	t.Fatalf("kernel keyring: %v", err)
}

// newTestKernel returns the real kernel backend under a fresh service name.
func newTestKernel(t *testing.T) *kernel {
	t.Helper()
	requireKernel(t)
	k := NewKernel("credproc-test-" + rand.Text()).(*kernel)
	t.Cleanup(func() {
		if left := purge(k); left != nil {
			t.Errorf("keys left in @u: %v", left)
		}
	})
	return k
}

// purge removes every key of k's service from @u, expired ones included,
// and returns the descriptions of any that survive.
func purge(k *kernel) []string {
	k.evictExpired()
	list := func() map[int]string {
		ids, _ := k.ops.list()
		m := map[int]string{}
		for _, id := range ids {
			if d, err := k.ops.describe(id); err == nil {
				if f := strings.SplitN(d, ";", 5); len(f) == 5 && strings.HasPrefix(f[4], k.prefix) {
					m[id] = f[4]
				}
			}
		}
		return m
	}
	for id := range list() {
		k.remove(id)
	}
	var left []string
	for _, d := range list() {
		left = append(left, d)
	}
	return left
}

// procKey returns the timeout ("perm", "expd", "59m", ...) and permission
// columns of /proc/keys for id; keyctl(2) cannot read a timeout back.
func procKey(t *testing.T, id int) (timeout, perm string) {
	t.Helper()
	data, err := os.ReadFile("/proc/keys")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("%08x", id)
	for line := range bytes.Lines(data) {
		if f := strings.Fields(string(line)); len(f) >= 5 && f[0] == want {
			return f[3], f[4]
		}
	}
	t.Fatalf("key %s not in /proc/keys", want)
	return "", ""
}

func (k *kernel) idOf(t *testing.T, key string) int {
	t.Helper()
	id, err := k.ops.search(k.prefix + key)
	if err != nil {
		t.Fatalf("search %s: %v", key, err)
	}
	return id
}

func TestKernelRoundTrip(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	if k.Name() != "kernel" {
		t.Errorf("Name = %q", k.Name())
	}
	if _, err := k.Get("session:a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get absent = %v", err)
	}
	exp := time.Now().Add(time.Hour)
	big := bytes.Repeat([]byte("x"), 4500) // over the first 4 KiB read
	for _, v := range [][]byte{[]byte(`{"v":1,"k":"ASIA"}`), big, {}} {
		if err := k.SetWithExpiry("session:a", v, exp); err != nil {
			t.Fatal(err)
		}
		if got, err := k.Get("session:a"); err != nil || !bytes.Equal(got, v) {
			t.Fatalf("Get = %.20q, %v; want %.20q", got, err, v)
		}
	}
	if err := k.Delete("session:a"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("session:a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if err := k.Delete("session:a"); err != nil {
		t.Fatalf("Delete absent = %v", err)
	}
	// Another service's key of the same name is another key.
	other := newTestKernel(t)
	k.Set("session:a", []byte("mine"))
	if _, err := other.Get("session:a"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("other service sees the key: %v", err)
	}
	if err := k.Set("x", make([]byte, userKeyMax)); err == nil {
		t.Error("Set over the user key limit succeeded")
	}
}

func TestKernelTimeoutAndPerms(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	exp := time.Now().Add(30 * time.Minute)
	if err := k.SetWithExpiry("session:t", []byte("v"), exp); err != nil {
		t.Fatal(err)
	}
	id := k.idOf(t, "session:t")
	d, err := k.ops.describe(id)
	want := fmt.Sprintf("user;%d;%d;3f2f0000;%ssession:t", os.Getuid(), os.Getgid(), k.prefix)
	if err != nil || d != want {
		t.Fatalf("describe = %q, %v; want %q", d, err, want)
	}
	// Possessor: all; user: view, read, write, search, setattr (not
	// link); group and other: nothing.
	if kernelPerm&0xffff != 0 || kernelPerm&0x00100000 != 0 {
		t.Errorf("kernelPerm %08x grants group, other or user link", kernelPerm)
	}
	timeout, perm := procKey(t, id)
	if perm != "3f2f0000" || (timeout != "29m" && timeout != "30m") {
		t.Fatalf("/proc/keys: timeout %s perm %s, want 29m or 30m and 3f2f0000", timeout, perm)
	}
	// Updating in place clears the kernel's timeout; Set must set it again
	// (here to none), and SetWithExpiry to the new expiry.
	if err := k.Set("session:t", []byte("v2")); err != nil {
		t.Fatal(err)
	}
	if id2 := k.idOf(t, "session:t"); id2 != id {
		t.Errorf("update made a new key %d, was %d", id2, id)
	}
	if timeout, _ := procKey(t, id); timeout != "perm" {
		t.Errorf("timeout after Set = %s, want perm", timeout)
	}
	if err := k.SetWithExpiry("session:t", []byte("v3"), time.Now().Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if timeout, perm := procKey(t, id); perm != "3f2f0000" || (timeout != "2h" && timeout != "3h") {
		t.Errorf("/proc/keys after update: timeout %s perm %s", timeout, perm)
	}
}

func TestKernelExpires(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	exp := time.Now().Add(1500 * time.Millisecond)
	if err := k.SetWithExpiry("session:e", []byte("v"), exp); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("session:e"); err != nil {
		t.Fatalf("Get before expiry = %v", err)
	}
	id := k.idOf(t, "session:e")
	// The kernel itself drops the key: a search no longer finds it.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := k.ops.search(k.prefix + "session:e")
		if gone(err) {
			break
		}
		if err != nil {
			t.Fatalf("search = %v", err)
		}
		if time.Now().After(deadline) {
			t.Fatal("key still there 3.5 s after its expiry")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if time.Now().Before(exp) {
		t.Errorf("key expired before the credentials did")
	}
	if _, err := k.Get("session:e"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after expiry = %v", err)
	}
	if _, err := k.ops.read(id, make([]byte, 16)); !gone(err) {
		t.Errorf("read of the expired key = %v", err)
	}
}

func TestKernelExpiryExact(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	if err := k.SetWithExpiry("session:x", []byte("v"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	// Past the credentials' expiry Get misses even before the kernel's
	// whole-second timer fires.
	later := &kernel{prefix: k.prefix, ops: k.ops, now: func() time.Time { return time.Now().Add(time.Hour) }}
	if _, err := later.Get("session:x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get past the expiry = %v", err)
	}
	// Storing already expired credentials keeps nothing, not even the
	// old value.
	if err := k.SetWithExpiry("session:x", []byte("v2"), time.Now().Add(-time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("session:x"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get after an expired Set = %v", err)
	}
	// A key in another format under the same name is not credproc's.
	id, err := unix.AddKey("user", k.prefix+"session:y", []byte("foreign"), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		t.Fatal(err)
	}
	defer k.remove(id)
	if _, err := k.Get("session:y"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get of a foreign key = %v", err)
	}
}

// onThread runs f on a goroutine locked to its own OS thread and never
// unlocked, so the thread, with whatever credentials or session keyring f
// gave it, dies with the goroutine.
func onThread(f func() error) error {
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		done <- f()
	}()
	return <-done
}

// becomeNobody switches the calling thread only (raw syscalls, unlike
// syscall.Setuid) to uid 65534, keeping gid 0 if keepGID.
func becomeNobody(keepGID bool) error {
	const nobody = 65534
	if _, _, e := unix.RawSyscall(unix.SYS_SETGROUPS, 0, 0, 0); e != 0 {
		return e
	}
	if !keepGID {
		if _, _, e := unix.RawSyscall(unix.SYS_SETRESGID, nobody, nobody, nobody); e != 0 {
			return e
		}
	}
	if _, _, e := unix.RawSyscall(unix.SYS_SETRESUID, nobody, nobody, nobody); e != 0 {
		return e
	}
	return nil
}

// TestKernelAccess: another login session of the same user (a thread with
// a fresh session keyring, which does not link @u) reads the key through
// its user permissions; a process of another user, in the key's group or
// not, cannot.
func TestKernelAccess(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	if err := k.SetWithExpiry("session:p", []byte("secret"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	id := k.idOf(t, "session:p")
	// A key with the kernel's default permissions, for contrast.
	ctl, err := unix.AddKey("user", k.prefix+"default", []byte("x"), unix.KEY_SPEC_USER_KEYRING)
	if err != nil {
		t.Fatal(err)
	}
	err = onThread(func() error {
		if _, err := unix.KeyctlJoinSessionKeyring("credproc-test-" + rand.Text()); err != nil {
			return fmt.Errorf("join session keyring: %w", err)
		}
		if v, err := k.Get("session:p"); err != nil || string(v) != "secret" {
			return fmt.Errorf("Get from another session = %q, %v", v, err)
		}
		if _, err := k.ops.read(ctl, make([]byte, 16)); !errors.Is(err, unix.EACCES) {
			return fmt.Errorf("read of a default-permission key from another session = %v, want EACCES", err)
		}
		return nil
	})
	if err != nil {
		t.Error(err)
	}
	if os.Getuid() != 0 {
		t.Skip("checking another user's access needs root")
	}
	for _, c := range []struct {
		name    string
		keepGID bool
	}{{"group", true}, {"other", false}} {
		err := onThread(func() error {
			if err := becomeNobody(c.keepGID); err != nil {
				return fmt.Errorf("become nobody: %w", err)
			}
			if _, err := k.ops.read(id, make([]byte, 64)); !errors.Is(err, unix.EACCES) {
				return fmt.Errorf("read = %v, want EACCES", err)
			}
			if _, err := k.ops.describe(id); !errors.Is(err, unix.EACCES) {
				return fmt.Errorf("describe = %v, want EACCES", err)
			}
			if err := k.ops.setTimeout(id, 1); !errors.Is(err, unix.EACCES) {
				return fmt.Errorf("set timeout = %v, want EACCES", err)
			}
			return nil
		})
		if err != nil {
			t.Errorf("as %s: %v", c.name, err)
		}
	}
}

// quotaOps fails the first fails adds (all if negative) with EDQUOT.
type quotaOps struct {
	keyOps
	mu    sync.Mutex
	fails int
}

func (q *quotaOps) add(desc string, p []byte) (int, error) {
	q.mu.Lock()
	fail := q.fails != 0
	if q.fails > 0 {
		q.fails--
	}
	q.mu.Unlock()
	if fail {
		return 0, unix.EDQUOT
	}
	return q.keyOps.add(desc, p)
}

func (q *quotaOps) setFails(n int) {
	q.mu.Lock()
	q.fails = n
	q.mu.Unlock()
}

func withQuota(k *kernel) (*kernel, *quotaOps) {
	q := &quotaOps{keyOps: k.ops}
	return &kernel{prefix: k.prefix, ops: q, now: k.now}, q
}

func TestKernelQuotaEvicts(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	now := time.Now()
	payload := bytes.Repeat([]byte("s"), 1000)
	for key, exp := range map[string]time.Time{"soon": now.Add(10 * time.Minute), "later": now.Add(time.Hour), "never": {}} {
		if err := k.SetWithExpiry(key, payload, exp); err != nil {
			t.Fatal(err)
		}
	}
	kq, q := withQuota(k)
	q.setFails(1)
	if err := kq.SetWithExpiry("new", []byte("small"), now.Add(time.Hour)); err != nil {
		t.Fatalf("Set after one EDQUOT = %v, want success after eviction", err)
	}
	present := func(key string) bool { _, err := k.Get(key); return err == nil }
	if present("soon") || !present("later") || !present("never") || !present("new") {
		t.Fatalf("after eviction: soon %v later %v never %v new %v; want only soon evicted",
			present("soon"), present("later"), present("never"), present("new"))
	}
	// The key being replaced goes first: its room is needed anyway.
	q.setFails(1)
	if err := kq.SetWithExpiry("never", payload, now.Add(2*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if !present("later") || !present("new") || !present("never") {
		t.Fatal("evicted another key than the one being replaced")
	}
}

// TestKernelQuotaDegrades: when eviction does not make room, Set fails and
// the Store keeps the session in the durable tier, without the kernel tier
// serving the old one.
func TestKernelQuotaDegrades(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	kq, q := withQuota(k)
	durable := NewMemory()
	s := OpenTiered(durable, []Backend{kq, durable}, t.TempDir())
	old := testSess
	old.AccessKeyID = "ASIAOLD"
	old.Expiration = time.Now().Add(time.Hour)
	if err := s.PutSession("abc", old); err != nil {
		t.Fatal(err)
	}
	if _, tier, _ := s.LookupSession("abc"); tier != "kernel" {
		t.Fatalf("hit from %q, want kernel", tier)
	}
	k.SetWithExpiry("other", []byte("x"), time.Now().Add(time.Minute))

	q.setFails(-1)
	err := kq.Set("x", []byte("v"))
	if !errors.Is(err, unix.EDQUOT) || !strings.Contains(err.Error(), "quota full") {
		t.Fatalf("Set over quota = %v, want EDQUOT", err)
	}
	if _, err := k.Get("other"); !errors.Is(err, ErrNotFound) {
		t.Errorf("nothing evicted before giving up: %v", err)
	}
	sess := testSess
	sess.Expiration = time.Now().Add(time.Hour)
	if err := s.PutSession("abc", sess); err != nil {
		t.Fatalf("PutSession = %v, want success through the durable tier", err)
	}
	got, tier, ok := s.LookupSession("abc")
	if !ok || tier != "memory" || got.AccessKeyID != testSess.AccessKeyID {
		t.Fatalf("LookupSession = %s from %q, %v; want the new session from memory", got.AccessKeyID, tier, ok)
	}
}

// deniedOps is keyctl under a seccomp filter that refuses it.
type deniedOps struct{ err error }

func (d deniedOps) add(string, []byte) (int, error) { return 0, d.err }
func (d deniedOps) search(string) (int, error)      { return 0, d.err }
func (d deniedOps) read(int, []byte) (int, error)   { return 0, d.err }
func (d deniedOps) setPerm(int, uint32) error       { return d.err }
func (d deniedOps) setTimeout(int, int) error       { return d.err }
func (d deniedOps) invalidate(int) error            { return d.err }
func (d deniedOps) unlink(int) error                { return d.err }
func (d deniedOps) describe(int) (string, error)    { return "", d.err }
func (d deniedOps) list() ([]int, error)            { return nil, d.err }
func (d deniedOps) ring() error                     { return d.err }

func TestKernelUnavailable(t *testing.T) {
	t.Parallel()
	for _, errno := range []error{unix.EPERM, unix.ENOSYS} {
		k := &kernel{prefix: "credproc-test:", ops: deniedOps{errno}, now: time.Now}
		_, gerr := k.Get("a")
		for op, err := range map[string]error{
			"Get": gerr, "Set": k.Set("a", nil), "SetWithExpiry": k.SetWithExpiry("a", nil, time.Now().Add(time.Hour)),
			"Delete": k.Delete("a"), "probe": k.probe(),
		} {
			if !errors.Is(err, ErrUnavailable) || !errors.Is(err, errno) {
				t.Errorf("%v: %s = %v, want ErrUnavailable", errno, op, err)
			}
		}
		durable := NewMemory()
		s := OpenTiered(durable, []Backend{k, durable}, t.TempDir())
		if err := s.PutSession("abc", testSess); err != nil {
			t.Fatal(err)
		}
		if _, tier, ok := s.LookupSession("abc"); !ok || tier != "memory" {
			t.Errorf("LookupSession = %q, %v", tier, ok)
		}
		if err := s.DeleteSession("abc"); err != nil {
			t.Errorf("DeleteSession = %v", err)
		}
		if err := probe(k); err == nil || !strings.Contains(err.Error(), "keyring not available here: kernel keyring: open @u: "+errno.Error()) {
			t.Errorf("probe(kernel) = %v", err)
		}
	}
}

// TestKernelTieredNoBus: with the real kernel keyring and no Secret Service,
// sessions are cached and source operations explain themselves.
func TestKernelTieredNoBus(t *testing.T) {
	t.Parallel()
	k := newTestKernel(t)
	s := OpenTiered(noBus{}, []Backend{k, noBus{}}, t.TempDir())
	sess := testSess
	sess.Expiration = time.Now().Add(time.Hour)
	if err := s.PutSession("abc", sess); err != nil {
		t.Fatal(err)
	}
	got, tier, ok := s.LookupSession("abc")
	if !ok || tier != "kernel" || !sameSession(got, sess) {
		t.Fatalf("LookupSession = %q, %v", tier, ok)
	}
	checkSourceUnavailable(t, s, "kernel")
	if err := s.DeleteSession("abc"); err != nil {
		t.Fatal(err)
	}
	if _, err := k.Get("session:abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("kernel item after DeleteSession: %v", err)
	}
}

// TestKernelRealQuota fills the real default quota of a non-root user
// (uid 65534 on one thread): eviction makes room for new sessions, and a
// value larger than the whole quota fails with EDQUOT.
func TestKernelRealQuota(t *testing.T) {
	t.Parallel()
	requireKernel(t)
	if os.Getuid() != 0 {
		t.Skip("acting as another user needs root")
	}
	data, err := os.ReadFile("/proc/sys/kernel/keys/maxbytes")
	if err != nil {
		t.Skip(err)
	}
	maxBytes, err := strconv.Atoi(strings.TrimSpace(string(data)))
	if err != nil || maxBytes > userKeyMax {
		t.Skipf("maxbytes %q: the quota is too large to fill with one key", data)
	}
	err = onThread(func() error {
		if err := becomeNobody(false); err != nil {
			return fmt.Errorf("become nobody: %w", err)
		}
		k := NewKernel("credproc-test-" + rand.Text()).(*kernel)
		defer func() {
			if left := purge(k); left != nil {
				t.Errorf("keys left in nobody's @u: %v", left)
			}
		}()
		v := bytes.Repeat([]byte("s"), maxBytes/8)
		now := time.Now()
		n := 16 // twice what fits
		for i := range n {
			if err := k.SetWithExpiry(fmt.Sprint("k", i), v, now.Add(time.Duration(i+1)*time.Minute)); err != nil {
				return fmt.Errorf("Set #%d: %w", i, err)
			}
		}
		if _, err := k.Get("k0"); !errors.Is(err, ErrNotFound) {
			return fmt.Errorf("the session closest to expiry was not evicted: %v", err)
		}
		if _, err := k.Get(fmt.Sprint("k", n-1)); err != nil {
			return fmt.Errorf("the newest session is missing: %w", err)
		}
		err := k.Set("huge", make([]byte, maxBytes))
		if !errors.Is(err, unix.EDQUOT) {
			return fmt.Errorf("Set over the whole quota = %v, want EDQUOT", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestOpenDefaultSecretService runs the production tiers against the real
// kernel keyring and Secret Service (see TestSystemKeyringRoundTrip for how
// to get one locally). Not parallel: it sets the environment.
func TestOpenDefaultSecretService(t *testing.T) {
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI must provide a Secret Service")
		}
		t.Skip("DBUS_SESSION_BUS_ADDRESS is unset: no Secret Service to test against")
	}
	requireKernel(t)
	t.Setenv(KeyringEnv, "")
	service := "credproc-test-" + rand.Text()
	k := NewKernel(service).(*kernel)
	s := OpenDefault(service, t.TempDir())
	t.Cleanup(func() {
		s.DeleteSession("abc")
		s.DeleteSource("work")
		if left := purge(k); left != nil {
			t.Errorf("keys left in @u: %v", left)
		}
	})
	if got := tierNames(s); got != "kernel,secret-service / secret-service" {
		t.Fatalf("tiers = %s", got)
	}
	for _, b := range s.SessionTiers() {
		if err := probe(b); err != nil {
			t.Errorf("probe(%s) = %v", b.Name(), err)
		}
	}
	sess := testSess
	sess.Expiration = time.Now().Add(time.Hour)
	if err := s.PutSession("abc", sess); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	if got, tier, ok := s.LookupSession("abc"); !ok || tier != "kernel" || !sameSession(got, sess) {
		t.Fatalf("LookupSession = %q, %v; want a kernel hit", tier, ok)
	}
	t.Logf("kernel hit took %v", time.Since(start))
	// As after a reboot: the Secret Service serves it and refills the
	// kernel keyring.
	if err := k.Delete("session:abc"); err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	if _, tier, ok := s.LookupSession("abc"); !ok || tier != "secret-service" {
		t.Fatalf("LookupSession = %q, %v; want a Secret Service hit", tier, ok)
	}
	t.Logf("Secret Service hit took %v", time.Since(start))
	if _, tier, _ := s.LookupSession("abc"); tier != "kernel" {
		t.Fatalf("kernel keyring not refilled: hit from %q", tier)
	}
	// Source keys go to the Secret Service only.
	if err := s.SetSource("work", testSource); err != nil {
		t.Fatal(err)
	}
	if c, err := s.Source("work"); err != nil || c != testSource {
		t.Fatalf("Source = %+v, %v", c, err)
	}
	if _, err := k.Get("source:work"); !errors.Is(err, ErrNotFound) {
		t.Errorf("source key in the kernel keyring: %v", err)
	}
	if err := s.DeleteSession("abc"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Session("abc"); ok {
		t.Error("hit after DeleteSession")
	}
	if _, err := NewSystemService(service).Get("session:abc"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Secret Service item after DeleteSession: %v", err)
	}
}

// BenchmarkKernelSessionHit measures the hot path, a cache hit, served by
// the kernel keyring.
func BenchmarkKernelSessionHit(b *testing.B) {
	if err := (sysKeyOps{}).ring(); err != nil {
		b.Skip(err)
	}
	k := NewKernel("credproc-bench-" + rand.Text()).(*kernel)
	defer purge(k)
	s := OpenTiered(noBus{}, []Backend{k}, b.TempDir())
	sess := testSess
	sess.Expiration = time.Now().Add(time.Hour)
	if err := s.PutSession("abc", sess); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, tier, ok := s.LookupSession("abc"); !ok || tier != "kernel" {
			b.Fatalf("LookupSession = %q, %v", tier, ok)
		}
	}
}
