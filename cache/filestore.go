package cache

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"filippo.io/age"
)

// The file store keeps source keys where no Secret Service runs (SSH to a
// bastion, WSL, a devcontainer): one age-encrypted file per item under
// $XDG_DATA_HOME/credproc/keys, encrypted to an X25519 recipient. Its
// identity is itself kept encrypted with a passphrase (age's scrypt
// recipient) in identity.age. Once unlocked, the identity waits in the
// kernel user keyring with a timeout, like an ssh-agent, so the passphrase
// is typed once per period rather than once per AWS command. Writing an
// item needs only the public recipient; reading one needs the identity.

// ErrLocked is matched by the error of a file store read that needs the
// passphrase when none can be asked for (no terminal).
var ErrLocked = errors.New("the credproc key file is locked")

// DefaultUnlockTimeout is how long an unlocked identity stays in the
// kernel keyring.
const DefaultUnlockTimeout = 12 * time.Hour

const (
	fileName      = "file"
	identityFile  = "identity.age"
	recipientFile = "recipient.txt"
	keysDir       = "keys"
	agentItem     = "agent:identity"
	// maxPassphraseTries is how often a mistyped passphrase is asked again.
	maxPassphraseTries = 3
)

// FileStore is the encrypted file keyring. It is a Backend.
type FileStore struct {
	dir   string
	agent Backend // holds the unlocked identity; the kernel keyring
	// Passphrase asks the user for the passphrase (twice, to confirm, when
	// the file store is created). Nil, or an error, means nobody can be
	// asked: a read then fails with ErrLocked.
	Passphrase func(confirm bool) (string, error)
	// Timeout is how long an unlocked identity is kept (DefaultUnlockTimeout when 0).
	Timeout time.Duration
	// WorkFactor is scrypt's log2(N) for a new identity file (age's default when 0).
	WorkFactor int
	now        func() time.Time
}

// NewFileStore returns the file store in dir, caching its unlocked
// identity in agent.
func NewFileStore(dir string, agent Backend) *FileStore {
	return &FileStore{dir: dir, agent: agent, now: time.Now}
}

// DefaultFileStoreDir is $XDG_DATA_HOME/credproc, else ~/.local/share/credproc.
func DefaultFileStoreDir() string {
	if d := os.Getenv("XDG_DATA_HOME"); filepath.IsAbs(d) {
		return filepath.Join(d, "credproc")
	}
	home, err := os.UserHomeDir()
	if err != nil {
		home = os.TempDir()
	}
	return filepath.Join(home, ".local", "share", "credproc")
}

// Name is "file".
func (f *FileStore) Name() string { return fileName }

// Dir is where the files are.
func (f *FileStore) Dir() string { return f.dir }

func (f *FileStore) probe() error {
	if _, err := os.Stat(f.dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// itemPath is the file of item key; hex keeps any item name a safe file name.
func (f *FileStore) itemPath(key string) string {
	return filepath.Join(f.dir, keysDir, hex.EncodeToString([]byte(key))+".age")
}

// Exists reports whether the file store has been created (it has an identity).
func (f *FileStore) Exists() bool {
	_, err := os.Stat(filepath.Join(f.dir, identityFile))
	return err == nil
}

// Get decrypts item key, unlocking the identity if it must.
func (f *FileStore) Get(key string) ([]byte, error) {
	data, err := os.ReadFile(f.itemPath(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, err
	}
	id, err := f.identity()
	if err != nil {
		return nil, err
	}
	r, err := age.Decrypt(bytes.NewReader(data), id)
	if err != nil {
		return nil, fmt.Errorf("decrypt %s: %w", f.itemPath(key), err)
	}
	return io.ReadAll(io.LimitReader(r, maxItemSize))
}

// Set encrypts value to the store's recipient, creating the store (and
// asking for a new passphrase) the first time.
func (f *FileStore) Set(key string, value []byte) error {
	rcpt, err := f.recipient()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, rcpt)
	if err != nil {
		return err
	}
	if _, err := w.Write(value); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return writeFileAtomic(f.itemPath(key), buf.Bytes())
}

// Delete removes item key.
func (f *FileStore) Delete(key string) error {
	if err := os.Remove(f.itemPath(key)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// recipient reads the public recipient, creating the store when missing.
func (f *FileStore) recipient() (*age.X25519Recipient, error) {
	b, err := os.ReadFile(filepath.Join(f.dir, recipientFile))
	if errors.Is(err, fs.ErrNotExist) && !f.Exists() {
		id, err := f.create()
		if err != nil {
			return nil, err
		}
		return id.Recipient(), nil
	}
	if err != nil {
		return nil, err
	}
	return age.ParseX25519Recipient(strings.TrimSpace(string(b)))
}

// create makes a new identity, protected by a passphrase asked twice.
func (f *FileStore) create() (*age.X25519Identity, error) {
	if f.Passphrase == nil {
		return nil, fmt.Errorf("%w: creating it needs a passphrase, and there is no terminal to ask on", ErrLocked)
	}
	pass, err := f.Passphrase(true)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrLocked, err)
	}
	if pass == "" {
		return nil, errors.New("an empty passphrase would leave the keys readable by anyone who copies the file")
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return nil, err
	}
	sr, err := age.NewScryptRecipient(pass)
	if err != nil {
		return nil, err
	}
	if f.WorkFactor > 0 {
		sr.SetWorkFactor(f.WorkFactor)
	}
	var buf bytes.Buffer
	w, err := age.Encrypt(&buf, sr)
	if err != nil {
		return nil, err
	}
	io.WriteString(w, id.String())
	if err := w.Close(); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(f.dir, identityFile), buf.Bytes()); err != nil {
		return nil, err
	}
	if err := writeFileAtomic(filepath.Join(f.dir, recipientFile), []byte(id.Recipient().String()+"\n")); err != nil {
		return nil, err
	}
	f.remember(id)
	return id, nil
}

// identity returns the unlocked identity: from the kernel keyring, else
// by asking for the passphrase.
func (f *FileStore) identity() (*age.X25519Identity, error) {
	if b, err := f.agent.Get(agentItem); err == nil {
		if id, err := age.ParseX25519Identity(string(b)); err == nil {
			return id, nil
		}
	}
	if f.Passphrase == nil {
		return nil, ErrLocked
	}
	return f.Unlock()
}

// Unlock asks for the passphrase (up to three times), decrypts the identity
// and keeps it in the kernel keyring for Timeout.
func (f *FileStore) Unlock() (*age.X25519Identity, error) {
	data, err := os.ReadFile(filepath.Join(f.dir, identityFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("no key file in %s yet: `credproc add NAME` creates it", f.dir)
	}
	if err != nil {
		return nil, err
	}
	if f.Passphrase == nil {
		return nil, ErrLocked
	}
	for try := 1; ; try++ {
		pass, err := f.Passphrase(false)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrLocked, err)
		}
		sid, err := age.NewScryptIdentity(pass)
		if err != nil {
			return nil, err
		}
		r, err := age.Decrypt(bytes.NewReader(data), sid)
		if err != nil {
			var nm *age.NoIdentityMatchError
			if errors.As(err, &nm) && try < maxPassphraseTries {
				continue
			}
			if errors.As(err, &nm) {
				return nil, fmt.Errorf("wrong passphrase for %s (%d tries)", filepath.Join(f.dir, identityFile), try)
			}
			return nil, fmt.Errorf("decrypt %s: %w", filepath.Join(f.dir, identityFile), err)
		}
		b, err := io.ReadAll(io.LimitReader(r, 4096))
		if err != nil {
			return nil, err
		}
		id, err := age.ParseX25519Identity(strings.TrimSpace(string(b)))
		if err != nil {
			return nil, fmt.Errorf("%s holds no age identity: %w", filepath.Join(f.dir, identityFile), err)
		}
		f.remember(id)
		return id, nil
	}
}

// remember keeps the unlocked identity in the kernel keyring, best effort.
func (f *FileStore) remember(id *age.X25519Identity) {
	t := f.Timeout
	if t <= 0 {
		t = DefaultUnlockTimeout
	}
	if eb, ok := f.agent.(ExpiringBackend); ok {
		_ = eb.SetWithExpiry(agentItem, []byte(id.String()), f.now().Add(t))
	}
}

// Lock forgets the unlocked identity.
func (f *FileStore) Lock() error { return f.agent.Delete(agentItem) }

// Unlocked reports whether the identity is in the kernel keyring now.
func (f *FileStore) Unlocked() bool {
	_, err := f.agent.Get(agentItem)
	return err == nil
}

// writeFileAtomic writes data (never a secret in the clear) to a temporary
// file next to path, mode 0600, and renames it over path.
func writeFileAtomic(path string, data []byte) (err error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// fallback is the source keyring where the Secret Service may be missing:
// it uses the Secret Service while one answers and the file store when it
// cannot work here (no session bus, no provider), and also reads the file
// store for items the Secret Service lacks, so keys stored over SSH are
// found from the desktop too.
type fallback struct {
	primary Backend
	file    *FileStore
	used    bool // the file store served the last call
}

func (b *fallback) Name() string {
	if b.used {
		return b.file.Name()
	}
	return b.primary.Name()
}

func (b *fallback) probe() error {
	if probe(b.primary) == nil {
		if _, err := b.primary.Get(sourcePrefix + "credproc-probe"); err == nil || errors.Is(err, ErrNotFound) {
			return nil
		}
	}
	b.used = true
	return b.file.probe()
}

func (b *fallback) Get(key string) ([]byte, error) {
	v, err := b.primary.Get(key)
	b.used = false
	if err == nil {
		return v, nil
	}
	if !errors.Is(err, ErrNotFound) && !unavailable(err) {
		return nil, err
	}
	if !b.file.Exists() {
		if unavailable(err) {
			b.used = true
			return nil, ErrNotFound
		}
		return nil, err
	}
	b.used = true
	return b.file.Get(key)
}

func (b *fallback) Set(key string, value []byte) error {
	err := b.primary.Set(key, value)
	b.used = false
	if err == nil || !unavailable(err) {
		return err
	}
	b.used = true
	return b.file.Set(key, value)
}

func (b *fallback) Delete(key string) error {
	err := b.primary.Delete(key)
	if err != nil && !unavailable(err) {
		return err
	}
	return b.file.Delete(key)
}

// FileStore returns the store's encrypted file keyring, or nil when source
// keys never go to one (macOS, Windows, CREDPROC_KEYRING=secret-service).
func (s *Store) FileStore() *FileStore {
	switch b := s.b.(type) {
	case *FileStore:
		return b
	case *fallback:
		return b.file
	}
	return nil
}

// Keyrings lists every keyring the Store may use, each once: the Secret
// Service and the file store behind a fallback, then the session tiers.
// doctor probes each on its own.
func (s *Store) Keyrings() []Backend {
	var all []Backend
	if fb, ok := s.b.(*fallback); ok {
		all = append(all, fb.primary, fb.file)
	} else {
		all = append(all, s.b)
	}
	all = append(all, s.sessions...)
	var out []Backend
	seen := map[string]bool{}
	for _, b := range all {
		if !seen[b.Name()] {
			seen[b.Name()] = true
			out = append(out, b)
		}
	}
	return out
}
