package cache

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// The index, <dir>/index.json, lets credproc list sources and sessions
// without reading (and unlocking) the keyring. It holds names and metadata
// only, never a key ID, secret or token:
//
//	{"v":1,"sources":["work"],"sessions":{"<key>":{"kind":"role","source":"work",...,"expiration":"…"}}}
//
// Writers do read-modify-write under the flock <dir>/index.lock and replace
// the file atomically (temp file in dir + rename), so readers need no lock and
// never see a torn file. A corrupt or unknown-version index reads as empty and
// is rewritten on the next update: the index is a convenience, never fatal.

const (
	indexVersion  = 1
	indexFile     = "index.json"
	indexLockFile = "index.lock"
	// indexLockWait bounds waiting for another writer, which may be deleting
	// several keyring items (each bounded by the keyring timeout) under it.
	indexLockWait = 30 * time.Second
)

// indexEntry is the index's record of one session; the key is its map key.
type indexEntry struct {
	Kind       string    `json:"kind,omitempty"`
	Source     string    `json:"source,omitempty"`
	RoleARN    string    `json:"role_arn,omitempty"`
	MFASerial  string    `json:"mfa_serial,omitempty"`
	Expiration time.Time `json:"expiration"`
}

func (e indexEntry) equal(o indexEntry) bool {
	return e.Kind == o.Kind && e.Source == o.Source && e.RoleARN == o.RoleARN &&
		e.MFASerial == o.MFASerial && e.Expiration.Equal(o.Expiration)
}

// indexJSON is the file format.
type indexJSON struct {
	V        int                   `json:"v"`
	Sources  []string              `json:"sources"`
	Sessions map[string]indexEntry `json:"sessions"`
}

// index is the in-memory form.
type index struct {
	Sources  map[string]bool
	Sessions map[string]indexEntry
}

func newIndex() *index {
	return &index{Sources: map[string]bool{}, Sessions: map[string]indexEntry{}}
}

func (ix *index) entries() []Entry {
	out := make([]Entry, 0, len(ix.Sessions))
	for k, e := range ix.Sessions {
		out = append(out, Entry{
			Key: k, Kind: e.Kind, Source: e.Source, RoleARN: e.RoleARN,
			MFASerial: e.MFASerial, Expiration: e.Expiration,
		})
	}
	slices.SortFunc(out, func(a, b Entry) int {
		return cmp.Or(cmp.Compare(a.Source, b.Source), cmp.Compare(a.Key, b.Key))
	})
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

func (s *Store) indexPath() string { return filepath.Join(s.dir, indexFile) }

// readIndex returns the index without locking (writes are atomic renames).
// Missing or corrupt reads as empty; only I/O errors are returned.
func (s *Store) readIndex() (*index, error) {
	ix, _, err := s.loadIndex()
	return ix, err
}

// loadIndex is readIndex that also says whether the file was corrupt, so an
// update rewrites it even when nothing else changes.
func (s *Store) loadIndex() (ix *index, corrupt bool, err error) {
	if _, err := s.stateDir(false); err != nil {
		return nil, false, err
	}
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, fs.ErrNotExist) {
		return newIndex(), false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("read index: %w", err)
	}
	var f indexJSON
	if json.Unmarshal(data, &f) != nil || f.V != indexVersion {
		return newIndex(), true, nil
	}
	ix = newIndex()
	for _, name := range f.Sources {
		if checkSourceName(name) != nil {
			corrupt = true
			continue
		}
		ix.Sources[name] = true
	}
	for k, e := range f.Sessions {
		// Keys become lock-file names and item keys: drop anything a
		// hand edit could have slipped in.
		if checkKey(k) != nil {
			corrupt = true
			continue
		}
		ix.Sessions[k] = e
	}
	return ix, corrupt, nil
}

// updateIndex runs fn on the current index under the index lock and writes
// the result if fn reports a change (or the file needs rebuilding).
func (s *Store) updateIndex(fn func(*index) (changed bool)) error {
	if s.deferIndex(fn) {
		return nil
	}
	if _, err := s.stateDir(true); err != nil {
		return fmt.Errorf("index: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), indexLockWait)
	defer cancel()
	unlock, err := lockFile(ctx, filepath.Join(s.dir, indexLockFile), nil)
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer unlock()

	ix, corrupt, err := s.loadIndex()
	if err != nil {
		return err
	}
	if !fn(ix) && !corrupt {
		return nil
	}
	return s.writeIndex(ix)
}

// writeIndex replaces the index atomically: a reader sees the old or the new
// file, never a partial one.
func (s *Store) writeIndex(ix *index) error {
	data, err := json.MarshalIndent(indexJSON{
		V:        indexVersion,
		Sources:  append([]string{}, sortedKeys(ix.Sources)...), // [] not null
		Sessions: ix.Sessions,
	}, "", "  ")
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	tmp, err := os.CreateTemp(s.dir, ".index-*.tmp") // mode 0600
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	_, err = tmp.Write(append(data, '\n'))
	if err == nil {
		err = tmp.Sync() // contents on disk before the rename makes them current
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), s.indexPath())
	}
	if err != nil {
		return fmt.Errorf("index: %w", err)
	}
	return nil
}
