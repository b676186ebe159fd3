package cache

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMemory(t *testing.T) {
	t.Parallel()
	m := NewMemory()
	if m.Name() != "memory" {
		t.Errorf("Name = %q", m.Name())
	}
	if _, err := m.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get absent = %v", err)
	}
	v := []byte("value")
	m.Set("k", v)
	v[0] = 'X' // the stored copy must not change
	got, err := m.Get("k")
	if err != nil || string(got) != "value" {
		t.Fatalf("Get = %q, %v", got, err)
	}
	got[0] = 'Y'
	if again, _ := m.Get("k"); string(again) != "value" {
		t.Fatalf("Get returned shared storage: %q", again)
	}
	if _, err := NewMemory().Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatal("two NewMemory keyrings share state")
	}
	if err := m.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if err := m.Delete("k"); err != nil {
		t.Fatalf("Delete absent = %v", err)
	}
	if _, err := m.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
}

// blocking is a keyring stuck on an unlock prompt nobody answers.
type blocking struct{ release chan struct{} }

func (b blocking) Name() string               { return "blocking" }
func (b blocking) Get(string) ([]byte, error) { <-b.release; return []byte("late"), nil }
func (b blocking) Set(string, []byte) error   { <-b.release; return nil }
func (b blocking) Delete(string) error        { <-b.release; return nil }

func TestWithTimeout(t *testing.T) {
	t.Parallel()
	inner := blocking{release: make(chan struct{})}
	defer close(inner.release) // let the leaked goroutines finish
	const d = 100 * time.Millisecond
	b := WithTimeout(inner, d)
	if b.Name() != "blocking" {
		t.Errorf("Name = %q", b.Name())
	}
	calls := map[string]func() error{
		"Get":    func() error { _, err := b.Get("k"); return err },
		"Set":    func() error { return b.Set("k", nil) },
		"Delete": func() error { return b.Delete("k") },
	}
	for name, call := range calls {
		start := time.Now()
		err := call()
		took := time.Since(start)
		if !errors.Is(err, ErrTimeout) {
			t.Errorf("%s = %v, want ErrTimeout", name, err)
			continue
		}
		if took < d || took > d+time.Second {
			t.Errorf("%s gave up after %v, want about %v", name, took, d)
		}
		if !strings.Contains(err.Error(), "keyring did not answer within 100ms (is the collection locked and waiting for an unlock prompt?)") {
			t.Errorf("%s error = %q", name, err)
		}
	}
	// The production message, with the default timeout.
	want := "keyring did not answer within 5s (is the collection locked and waiting for an unlock prompt?)"
	if got := (timeoutError{DefaultTimeout}).Error(); got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if w := WithTimeout(inner, 0).(*withTimeout); w.d != DefaultTimeout {
		t.Errorf("WithTimeout(0) = %v, want %v", w.d, DefaultTimeout)
	}
}

func TestWithTimeoutPassesThrough(t *testing.T) {
	t.Parallel()
	b := WithTimeout(NewMemory(), time.Second)
	if _, err := b.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get absent = %v, want ErrNotFound", err)
	}
	if err := b.Set("k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if v, err := b.Get("k"); err != nil || string(v) != "v" {
		t.Fatalf("Get = %q, %v", v, err)
	}
	if err := b.Delete("k"); err != nil {
		t.Fatal(err)
	}
	// A Store over a stuck keyring misses instead of hanging.
	inner := blocking{release: make(chan struct{})}
	defer close(inner.release)
	if _, ok := openSingle(WithTimeout(inner, 50*time.Millisecond), t.TempDir()).Session("abc"); ok {
		t.Fatal("hit from a stuck keyring")
	}
}

// openSingle is a Store that keeps sources and sessions in one keyring.
func openSingle(b Backend, dir string) *Store { return OpenTiered(b, []Backend{b}, dir) }
