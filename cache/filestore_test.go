package cache

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// memAgent is an in-memory ExpiringBackend standing in for the kernel
// keyring that keeps the unlocked identity.
type memAgent struct{ Backend }

func (m memAgent) SetWithExpiry(key string, value []byte, _ time.Time) error {
	return m.Set(key, value)
}

// asker answers passphrase prompts from a list and counts them.
type asker struct {
	answers  []string
	confirms int
	asked    int
}

func (a *asker) ask(confirm bool) (string, error) {
	if confirm {
		a.confirms++
	}
	if a.asked >= len(a.answers) {
		return "", errors.New("no terminal")
	}
	a.asked++
	return a.answers[a.asked-1], nil
}

func newTestFileStore(t *testing.T, a *asker) *FileStore {
	f := NewFileStore(t.TempDir(), memAgent{NewMemory()})
	f.WorkFactor = 10 // fast; users get age's default
	f.Passphrase = a.ask
	return f
}

// TestFileStore: the first write creates the identity (one confirmed
// passphrase), reads use the unlocked identity without asking, a locked
// store with nobody to ask fails with ErrLocked, a wrong passphrase is
// asked again, and no file holds the secret.
func TestFileStore(t *testing.T) {
	a := &asker{answers: []string{"correct horse"}}
	f := newTestFileStore(t, a)
	secret := []byte(`{"v":1,"k":"AKIAEXAMPLE","s":"wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}`)
	if _, err := f.Get("source:mgmt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get before Set: %v", err)
	}
	if err := f.Set("source:mgmt", secret); err != nil {
		t.Fatal(err)
	}
	if a.asked != 1 || a.confirms != 1 {
		t.Fatalf("asked %d times (%d to confirm), want once, confirmed", a.asked, a.confirms)
	}
	got, err := f.Get("source:mgmt")
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get = %q, %v", got, err)
	}
	if a.asked != 1 {
		t.Fatal("asked again while unlocked")
	}
	filepath.WalkDir(f.Dir(), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			if bytes.Contains(b, []byte("wJalrXUtnFEMI")) || bytes.Contains(b, []byte("AGE-SECRET-KEY")) || bytes.Contains(b, []byte("correct horse")) {
				t.Errorf("%s holds a secret in the clear", p)
			}
			if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o600 {
				t.Errorf("%s has mode %v", p, fi.Mode().Perm())
			}
		}
		return nil
	})

	// Locked, nobody to ask.
	if err := f.Lock(); err != nil {
		t.Fatal(err)
	}
	f.Passphrase = nil
	if _, err := f.Get("source:mgmt"); !errors.Is(err, ErrLocked) {
		t.Fatalf("locked Get: %v, want ErrLocked", err)
	}
	// A second write needs no passphrase: only the public recipient.
	if err := f.Set("source:other", []byte("x")); err != nil {
		t.Fatalf("Set while locked: %v", err)
	}
	// A wrong passphrase, then the right one.
	b := &asker{answers: []string{"wrong", "correct horse"}}
	f.Passphrase = b.ask
	if got, err := f.Get("source:mgmt"); err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("Get after unlock: %q, %v", got, err)
	}
	if b.asked != 2 || b.confirms != 0 {
		t.Fatalf("asked %d (%d confirms), want 2 (0)", b.asked, b.confirms)
	}
	// Three wrong ones give up.
	f.Lock()
	c := &asker{answers: []string{"a", "b", "c", "correct horse"}}
	f.Passphrase = c.ask
	if _, err := f.Get("source:mgmt"); err == nil || c.asked != 3 {
		t.Fatalf("three wrong passphrases: %v after %d", err, c.asked)
	}
	if err := f.Delete("source:mgmt"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Get("source:mgmt"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete: %v", err)
	}
}

// TestFileStoreEmptyPassphrase: creating the store refuses an empty passphrase.
func TestFileStoreEmptyPassphrase(t *testing.T) {
	f := newTestFileStore(t, &asker{answers: []string{""}})
	if err := f.Set("source:x", []byte("v")); err == nil || f.Exists() {
		t.Fatalf("created with an empty passphrase: %v", err)
	}
}

// TestFallback: with the Secret Service unavailable, items go to the file
// store; with it available, reads of items it lacks look in the file store.
func TestFallback(t *testing.T) {
	a := &asker{answers: []string{"pw"}}
	file := newTestFileStore(t, a)
	b := &fallback{primary: noBus{}, file: file}
	if _, err := b.Get("source:x"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get with nothing anywhere: %v", err)
	}
	if err := b.Set("source:x", []byte("v")); err != nil || b.Name() != "file" {
		t.Fatalf("Set: %v, Name %s", err, b.Name())
	}
	mem := NewMemory()
	b2 := &fallback{primary: mem, file: file}
	if got, err := b2.Get("source:x"); err != nil || string(got) != "v" || b2.Name() != "file" {
		t.Fatalf("Get through a working primary: %q %v %s", got, err, b2.Name())
	}
	if err := b2.Set("source:y", []byte("w")); err != nil || b2.Name() != "memory" {
		t.Fatalf("Set with a working primary went to %s: %v", b2.Name(), err)
	}
}
