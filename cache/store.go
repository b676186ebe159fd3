package cache

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Credentials is an AWS key set. Expiration is zero for long-lived keys.
type Credentials struct {
	AccessKeyID     string
	SecretAccessKey string
	SessionToken    string
	Expiration      time.Time
	// Created is when a long-lived key was made (IAM's CreateDate) or,
	// failing that, stored; zero when unknown. Only source items keep it.
	Created time.Time
}

// Session kinds, for [Session.Kind]. The cache does not interpret them.
const (
	KindRole = "role" // from sts:AssumeRole
	KindMFA  = "mfa"  // from sts:GetSessionToken with an MFA code
)

// Session is cached temporary credentials plus non-secret facts about them.
// Everything but the embedded Credentials is copied into the index.
type Session struct {
	Credentials
	Kind      string // KindRole or KindMFA
	Source    string // source name that produced it
	RoleARN   string // role sessions
	MFASerial string // MFA device used, if any
}

// Entry is the index's non-secret description of a cached session.
// The fields other than Key are copied from the Session that was cached.
type Entry struct {
	Key        string // the session key passed to PutSession
	Kind       string
	Source     string
	RoleARN    string
	MFASerial  string
	Expiration time.Time // UTC
}

// Store keeps source keys in a durable Backend, sessions in one or more
// session tiers (see [OpenTiered]), and lists both through an index file in
// a per-user state directory.
//
// Keyring item keys are "source:"+name for source keys and "session:"+key for
// sessions. Session keys are opaque to the cache: callers pass a hash (hex or
// similar) of whatever identifies the session, so item names leak nothing and
// double as lock-file names. A Store is safe for concurrent use, also across
// processes sharing the same dir.
type Store struct {
	b        Backend   // source keys
	sessions []Backend // session tiers, read in this order
	dir      string
	batch    atomic.Pointer[indexBatch] // deferred index updates (BatchIndex)
}

// Keyring item key prefixes.
const (
	sourcePrefix  = "source:"
	sessionPrefix = "session:"
)

// OpenTiered returns a Store that keeps its index and lock files in dir, a
// per-user state directory created with mode 0700 on first write (not here,
// so the read path never touches the disk). Source keys go only in sources,
// sessions in each of sessions, fastest first (typically the kernel keyring,
// then the same durable keyring as sources, so sessions survive a reboot).
//
// Session reads try the tiers in order; a hit in a later tier is copied into
// the earlier ones, so the next read is fast again. PutSession writes every
// tier and succeeds if one took the session; DeleteSession deletes from every
// tier. A tier that fails, or is unavailable (see [ErrUnavailable]), is just
// skipped, so sessions keep working through the others.
func OpenTiered(sources Backend, sessions []Backend, dir string) *Store {
	return &Store{b: sources, sessions: slices.Clone(sessions), dir: dir}
}

// Backend returns the keyring that holds the source keys.
func (s *Store) Backend() Backend { return s.b }

// SessionTiers returns the keyrings that hold sessions, in the order
// Session reads them.
func (s *Store) SessionTiers() []Backend { return slices.Clone(s.sessions) }

// sourceErr turns a source keyring failure into one line that says what
// failed, and a hint that names the cause's remedy: no keyring here, or a
// locked collection.
func (s *Store) sourceErr(verb, name string, err error) error {
	e := &KeyringError{
		msg: fmt.Sprintf("%s source %q in the %s keyring: %v", verb, name, s.b.Name(), err),
		err: err,
	}
	var te timeoutError
	switch {
	case unavailable(err):
		e.msg = fmt.Sprintf("%s source %q: %v", verb, name, err)
		e.hint = "source keys are kept only in the " + s.b.Name() + " keyring: run a Secret Service provider " +
			"(gnome-keyring, KeePassXC) in this session, or take the keys from an AWS profile with " +
			"--source profile:NAME (static keys, credential_process or SSO)"
		for _, b := range s.sessions {
			if b.Name() != s.b.Name() && probe(b) == nil {
				e.hint += "; sessions are still cached in the " + b.Name() + " keyring"
				break
			}
		}
	case locked(err):
		e.msg = fmt.Sprintf("%s source %q: the %s keyring is locked", verb, name, s.b.Name())
		e.hint = lockedHint
	case errors.As(err, &te):
		e.msg = fmt.Sprintf("%s source %q: the %s keyring did not answer within %v", verb, name, s.b.Name(), te.d)
		e.hint = "it may be locked, waiting for an unlock prompt nobody sees: " + lockedHint
	}
	return e
}

// lockedHint says how to unlock a Secret Service collection.
const lockedHint = "unlock the keyring: log in to the desktop session or open Passwords and Keys (seahorse); " +
	"headless, restart the daemon unlocked with `gnome-keyring-daemon --replace --unlock`, which reads the password on stdin"

// locked reports whether err is the Secret Service refusing a locked
// collection whose unlock prompt could not be shown or was dismissed.
// go-keyring reports it only as text.
func locked(err error) bool {
	return err != nil && strings.Contains(err.Error(), "failed to unlock correct collection")
}

// KeyringError is a failed source operation: Error is one line naming the
// operation, the source and the cause; Hint says what to do.
type KeyringError struct {
	msg, hint string
	err       error
}

func (e *KeyringError) Error() string { return e.msg }

// Hint is the remedy for the cause, or "".
func (e *KeyringError) Hint() string { return e.hint }

func (e *KeyringError) Unwrap() error { return e.err }

// Source returns the long-lived keys stored under name, or ErrNotFound. A
// present but undecodable item is an error, not ErrNotFound, so a caller never
// silently re-prompts over a damaged key.
func (s *Store) Source(name string) (Credentials, error) {
	if err := checkSourceName(name); err != nil {
		return Credentials{}, err
	}
	data, err := s.b.Get(sourcePrefix + name)
	if errors.Is(err, ErrNotFound) {
		return Credentials{}, err
	} else if err != nil {
		return Credentials{}, s.sourceErr("read", name, err)
	}
	c, err := decodeSource(data)
	if err != nil {
		return Credentials{}, fmt.Errorf("source %q: %w", name, err)
	}
	return c, nil
}

// SetSource stores long-lived keys under name, replacing any previous ones,
// and records name in the index.
func (s *Store) SetSource(name string, c Credentials) error {
	if err := checkSourceName(name); err != nil {
		return err
	}
	data, err := encodeSource(c)
	if err != nil {
		return err
	}
	if err := s.b.Set(sourcePrefix+name, data); err != nil {
		return s.sourceErr("store", name, err)
	}
	return s.updateIndex(func(ix *index) bool {
		if ix.Sources[name] {
			return false
		}
		ix.Sources[name] = true
		return true
	})
}

// DeleteSource removes the keys stored under name and its index record. It
// leaves that source's sessions alone; see DeleteSessionsFrom. Deleting an
// absent source is not an error.
func (s *Store) DeleteSource(name string) error {
	if err := checkSourceName(name); err != nil {
		return err
	}
	if err := s.b.Delete(sourcePrefix + name); err != nil {
		return s.sourceErr("delete", name, err)
	}
	return s.updateIndex(func(ix *index) bool {
		if !ix.Sources[name] {
			return false
		}
		delete(ix.Sources, name)
		return true
	})
}

// Session returns the cached session under key. This is the hot path, run for
// every AWS CLI command: one keyring read (per tier, until one hits) and a
// decode, no index or lock file I/O. Any failure (absent, corrupt or
// undecodable item, invalid key, keyring error or timeout) is reported as a
// miss, never as an error, so the caller just fetches new credentials.
// Session does not judge expiry (though a keyring that expires items, like
// the kernel keyring, no longer returns an expired one): the caller decides
// how close to Expiration a session is still good.
func (s *Store) Session(key string) (Session, bool) {
	sess, _, ok := s.LookupSession(key)
	return sess, ok
}

// FirstTierSession is Session from the fastest tier alone (the kernel
// keyring on Linux). Callers check it before taking the key's lock and the
// full Session after: in a storm of cold starts only the lock holder then
// asks the slower tiers, which serve their clients one at a time.
func (s *Store) FirstTierSession(key string) (Session, bool) {
	if checkKey(key) != nil || len(s.sessions) == 0 {
		return Session{}, false
	}
	data, err := s.sessions[0].Get(sessionPrefix + key)
	if err != nil {
		return Session{}, false
	}
	sess, err := decodeSession(data)
	return sess, err == nil
}

// LookupSession is Session that also says which session tier served the hit
// (its Backend Name: "kernel", "secret-service", ...), for diagnostics and
// benchmarks.
func (s *Store) LookupSession(key string) (sess Session, tier string, ok bool) {
	if checkKey(key) != nil {
		return Session{}, "", false
	}
	item := sessionPrefix + key
	for i, b := range s.sessions {
		data, err := b.Get(item)
		if err != nil {
			continue
		}
		sess, err := decodeSession(data)
		if err != nil {
			continue
		}
		// Refill the faster tiers (say, the kernel keyring after a
		// reboot), best effort: the hit is good either way.
		for _, f := range s.sessions[:i] {
			_ = setItem(f, item, data, sess.Expiration)
		}
		return sess, b.Name(), true
	}
	return Session{}, "", false
}

// PutSession caches sess under key: it writes the keyring item to every
// session tier, then the index entry. It fails only if no tier took the
// session. If only the index update fails, the session is cached (and
// Session finds it) but not listed; the error says so.
func (s *Store) PutSession(key string, sess Session) error {
	if err := checkKey(key); err != nil {
		return err
	}
	data, err := encodeSession(sess)
	if err != nil {
		return err
	}
	item := sessionPrefix + key
	var errs []error
	for i, b := range s.sessions {
		err := setItem(b, item, data, sess.Expiration)
		if err == nil {
			continue
		}
		errs = append(errs, fmt.Errorf("store session in %s keyring: %w", b.Name(), err))
		if i < len(s.sessions)-1 {
			// A tier read before the others must not keep serving an
			// older session over this one (say, a rejected MFA session).
			_ = b.Delete(item)
		}
	}
	if len(errs) == len(s.sessions) {
		return errors.Join(errs...)
	}
	e := indexEntry{
		Kind:       sess.Kind,
		Source:     sess.Source,
		RoleARN:    sess.RoleARN,
		MFASerial:  sess.MFASerial,
		Expiration: sess.Expiration.UTC(),
	}
	if err := s.updateIndex(func(ix *index) bool {
		if old, ok := ix.Sessions[key]; ok && old.equal(e) {
			return false
		}
		ix.Sessions[key] = e
		return true
	}); err != nil {
		return fmt.Errorf("session cached but not listed: %w", err)
	}
	return nil
}

// deleteSession removes a session item from every tier. A tier that is not
// available here cannot be reached to delete from and is skipped (a copy in
// a durable keyring on a locked-away bus is refilled into the fast tier
// later only if it is read before it expires).
func (s *Store) deleteSession(key string) error {
	var errs []error
	for _, b := range s.sessions {
		if err := b.Delete(sessionPrefix + key); err != nil && !unavailable(err) {
			errs = append(errs, fmt.Errorf("delete session %s from %s keyring: %w", key, b.Name(), err))
		}
	}
	return errors.Join(errs...)
}

// DeleteSession removes the session under key from every session tier, then
// from the index. Deleting an absent session is not an error.
func (s *Store) DeleteSession(key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.deleteSession(key); err != nil {
		return err
	}
	return s.updateIndex(func(ix *index) bool {
		if _, ok := ix.Sessions[key]; !ok {
			return false
		}
		delete(ix.Sessions, key)
		return true
	})
}

// DeleteSessionsFrom removes every session whose index entry has Source ==
// source (sessions missing from the index cannot be found and stay until they
// are overwritten). It holds the index lock throughout, so a session another
// process caches meanwhile is not dropped from the index while its item
// survives. Failures are joined; entries whose items could not be deleted
// stay listed.
func (s *Store) DeleteSessionsFrom(source string) error {
	var errs []error
	err := s.updateIndex(func(ix *index) bool {
		changed := false
		for _, key := range sortedKeys(ix.Sessions) {
			if ix.Sessions[key].Source != source {
				continue
			}
			if err := s.deleteSession(key); err != nil {
				errs = append(errs, err)
				continue
			}
			delete(ix.Sessions, key)
			changed = true
		}
		return changed
	})
	return errors.Join(append(errs, err)...)
}

// Entries lists the cached sessions recorded in the index, sorted by Source,
// then Key. It reads only the index, never the keyring, so it
// holds no secrets and does not check that the items still exist. A missing
// or corrupt index lists nothing.
func (s *Store) Entries() ([]Entry, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	return ix.entries(), nil
}

// Sources lists the source names recorded in the index, sorted. Like Entries
// it reads only the index.
func (s *Store) Sources() ([]string, error) {
	ix, err := s.readIndex()
	if err != nil {
		return nil, err
	}
	return sortedKeys(ix.Sources), nil
}

// maxNameLen bounds source names and session keys; they end up in keyring
// item names and file names.
const maxNameLen = 128

// checkSourceName accepts printable ASCII without spaces, so names stay
// usable as keyring item names and on command lines.
func checkSourceName(name string) error {
	if name == "" || len(name) > maxNameLen {
		return fmt.Errorf("invalid source name %q: want 1 to %d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c <= ' ' || c > '~' {
			return fmt.Errorf("invalid source name %q: use printable ASCII without spaces", name)
		}
	}
	return nil
}

// checkKey accepts session and lock keys: [A-Za-z0-9._-]{1,128}, and not "."
// or "..". Callers pass hashes, so anything else is a bug; refusing it keeps
// keys safe as file names.
func checkKey(key string) error {
	if key == "" || len(key) > maxNameLen || key == "." || key == ".." {
		return fmt.Errorf("invalid cache key %q", key)
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return fmt.Errorf("invalid cache key %q: only [A-Za-z0-9._-] allowed", key)
		}
	}
	return nil
}
