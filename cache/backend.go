// Package cache keeps credproc's secrets in the OS keyring: long-lived source
// keys and cached temporary sessions, plus a non-secret index for listing, and
// per-key cross-process locks.
//
// Secrets live only in a [Backend] (the OS keyring in production). The index
// file and the lock files under the state directory never hold a secret.
//
// [OpenDefault] opens the production Store. Source keys live only in the OS
// keyring (Secret Service, Keychain, Credential Manager). On Linux sessions
// live in the kernel keyring too ([NewKernel]), which answers a cache hit
// with two syscalls where the Secret Service takes several D-Bus round
// trips, and which works without a D-Bus session (SSH, WSL, containers, CI).
// On Windows and macOS, entries too large for one keyring item are split
// ([Chunked]). The CREDPROC_KEYRING environment variable ([KeyringEnv])
// overrides the choice of keyrings.
package cache

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// ErrNotFound is returned when a keyring item or a source is absent.
var ErrNotFound = errors.New("not found")

// ErrUnavailable is matched (with errors.Is) by the errors of a keyring that
// cannot work in this environment at all, as opposed to one that failed a
// call: no D-Bus session bus or no Secret Service provider on it (see
// [ErrNoSessionBus]), a kernel keyring that seccomp blocks (Docker's default
// profile) or that this OS lacks. A [Store] treats such a session tier as
// empty and tells how to store source keys instead.
var ErrUnavailable = errors.New("keyring not available here")

// ErrTimeout is matched (with errors.Is) by the error a [WithTimeout] backend
// returns when the wrapped keyring does not answer in time.
var ErrTimeout = errors.New("keyring timed out")

// DefaultTimeout bounds every call of the backend returned by [NewSystemService].
const DefaultTimeout = 5 * time.Second

// Backend is one keyring. Keys are short ASCII strings; values are opaque
// bytes. Implementations must be safe for concurrent use.
type Backend interface {
	// Name says which keyring this is: "secret-service", "keychain",
	// "wincred", "memory", ...
	Name() string
	// Get returns the value stored under key, or ErrNotFound when absent.
	Get(key string) ([]byte, error)
	// Set stores value under key, replacing any previous value.
	Set(key string, value []byte) error
	// Delete removes key. Deleting an absent key is not an error.
	Delete(key string) error
}

// ExpiringBackend is a Backend that can drop an item by itself when the
// credentials in it expire. A [Store] stores sessions with SetWithExpiry in
// the session tiers that implement it, so no expired secret lingers there.
type ExpiringBackend interface {
	Backend
	// SetWithExpiry is Set for an item that the keyring removes at exp
	// (rounded up to its granularity). A zero exp means no expiry. An exp
	// already past stores nothing and deletes any previous value.
	SetWithExpiry(key string, value []byte, exp time.Time) error
}

// memory is a Backend in a map, for tests.
type memory struct {
	mu sync.Mutex
	m  map[string][]byte
}

// NewMemory returns an empty in-process Backend named "memory". Each call
// returns an independent keyring, so parallel tests do not share state (unlike
// go-keyring's global MockInit).
func NewMemory() Backend {
	return &memory{m: make(map[string][]byte)}
}

func (m *memory) Name() string { return "memory" }

func (m *memory) Get(key string) ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	v, ok := m.m[key]
	if !ok {
		return nil, ErrNotFound
	}
	// Copy so callers cannot mutate the stored value, as with a real keyring.
	return append([]byte(nil), v...), nil
}

func (m *memory) Set(key string, value []byte) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.m[key] = append([]byte(nil), value...)
	return nil
}

func (m *memory) Delete(key string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.m, key)
	return nil
}

// timeoutError is what a WithTimeout backend returns when the call outlives d.
type timeoutError struct{ d time.Duration }

func (e timeoutError) Error() string {
	return fmt.Sprintf("keyring did not answer within %v (is the collection locked and waiting for an unlock prompt?)", e.d)
}

func (e timeoutError) Unwrap() error { return ErrTimeout }

// withTimeout bounds each call of an inner Backend.
type withTimeout struct {
	b Backend
	d time.Duration
}

// WithTimeout wraps b so that Get, Set and Delete give up after d with an
// error matching [ErrTimeout] whose message suggests a locked collection
// waiting for an unlock prompt. d <= 0 means [DefaultTimeout].
//
// The inner call keeps running in its goroutine after a timeout (there is no
// way to cancel a D-Bus or Keychain call through go-keyring); that goroutine is
// leaked, which is fine for a short-lived credential_process. A Set or Delete
// that times out may still take effect later.
func WithTimeout(b Backend, d time.Duration) Backend {
	if d <= 0 {
		d = DefaultTimeout
	}
	return &withTimeout{b: b, d: d}
}

// Name is not I/O, so it is not bounded.
func (w *withTimeout) Name() string { return w.b.Name() }

func (w *withTimeout) Get(key string) ([]byte, error) {
	var v []byte
	err := w.run(func() (err error) {
		v, err = w.b.Get(key)
		return err
	})
	if err != nil {
		return nil, err
	}
	return v, nil
}

func (w *withTimeout) Set(key string, value []byte) error {
	return w.run(func() error { return w.b.Set(key, value) })
}

func (w *withTimeout) Delete(key string) error {
	return w.run(func() error { return w.b.Delete(key) })
}

// SetWithExpiry keeps the expiry of an inner [ExpiringBackend]; over any
// other it is Set.
func (w *withTimeout) SetWithExpiry(key string, value []byte, exp time.Time) error {
	return w.run(func() error { return setItem(w.b, key, value, exp) })
}

func (w *withTimeout) probe() error { return probe(w.b) }

// run calls f in a goroutine and waits at most w.d for it. The result
// variables f writes are only read after f has returned (via done), so a late
// answer never races with the caller.
func (w *withTimeout) run(f func() error) error {
	done := make(chan error, 1) // buffered: a late f must not block forever
	go func() { done <- f() }()
	t := time.NewTimer(w.d)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		return timeoutError{w.d}
	}
}

// setItem stores value under key in b, with exp if b can expire items.
func setItem(b Backend, key string, value []byte, exp time.Time) error {
	if e, ok := b.(ExpiringBackend); ok {
		return e.SetWithExpiry(key, value, exp)
	}
	return b.Set(key, value)
}

// prober is implemented by backends that can tell cheaply (a syscall or a
// stat, no keyring round trip) whether they can work in this environment.
type prober interface{ probe() error }

// probe returns nil if b looks usable; backends that cannot tell are assumed
// usable.
func probe(b Backend) error {
	if p, ok := b.(prober); ok {
		return p.probe()
	}
	return nil
}

// unavailable reports whether err says the keyring cannot work here at all,
// rather than that one call failed.
func unavailable(err error) bool {
	return errors.Is(err, ErrUnavailable)
}
