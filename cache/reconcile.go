package cache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// SyncReport says what SyncIndex changed in the index and which keyrings
// it could not list (their entries were kept as they were).
type SyncReport struct {
	Added, Dropped               int // session entries
	SourcesAdded, SourcesDropped int
	Unreached                    []string // "TIER keyring: why", one per keyring
}

// SyncIndex makes the index a true cache of what the keyrings hold: it
// lists every session tier's items (as forget does) and the source
// keyrings' and, when the index disagrees, rewrites it under the index
// lock. An entry no keyring holds is dropped; a session item the index
// lacks is added with the non-secret metadata the item itself carries
// (kind, source, role ARN, MFA serial, label, expiry), read from the first
// tier that holds a decodable copy; a source item the index lacks is added
// by name (listing never decrypts a source). A session item that does not
// decode is not added: Session would not hand it out either.
//
// When a keyring cannot be listed no entry of its kind (session or source)
// is dropped, since it may hold it; a failed listing is named in Unreached
// (a keyring with no way to list, as on macOS and Windows, is not). Entries
// present on both sides are not re-read, so the common case costs one
// listing per keyring and no item reads. SyncIndex is for commands that
// show the index (list), never for the credential path.
func (s *Store) SyncIndex() (SyncReport, error) {
	// Compare without the lock first, so agreeing stores (the usual case)
	// never contend with a PutSession for it.
	ix, err := s.readIndex()
	if err != nil {
		return SyncReport{}, err
	}
	sessions, uSess, pSess := s.heldSessions()
	sources, uSrc, pSrc := s.heldSources()
	if !disagrees(ix.Sessions, sessions, pSess) && !disagrees(ix.Sources, sources, pSrc) {
		return SyncReport{Unreached: mergeUnreached(uSess, uSrc)}, nil
	}
	// List again under the lock: a PutSession writes its items before
	// taking the lock, so whatever this listing misses, its own index
	// update adds after ours, and nothing it indexed is dropped here.
	var rep SyncReport
	err = s.updateIndex(func(ix *index) bool {
		rep = SyncReport{}
		sessions, uSess, pSess := s.heldSessions()
		sources, uSrc, pSrc := s.heldSources()
		rep.Unreached = mergeUnreached(uSess, uSrc)
		for key := range ix.Sessions {
			if !pSess && sessions[key] == nil {
				delete(ix.Sessions, key)
				rep.Dropped++
			}
		}
		for _, key := range sortedKeys(sessions) {
			if _, ok := ix.Sessions[key]; ok {
				continue
			}
			if e, ok := s.itemEntry(key, sessions[key]); ok {
				ix.Sessions[key] = e
				rep.Added++
			}
		}
		for name := range ix.Sources {
			if !pSrc && sources[name] == nil {
				delete(ix.Sources, name)
				rep.SourcesDropped++
			}
		}
		for name := range sources {
			if !ix.Sources[name] {
				ix.Sources[name] = true
				rep.SourcesAdded++
			}
		}
		return rep.Added+rep.Dropped+rep.SourcesAdded+rep.SourcesDropped > 0
	})
	return rep, err
}

// mergeUnreached joins unreached lists, one line per keyring name.
func mergeUnreached(lists ...[]string) []string {
	var out []string
	seen := map[string]bool{}
	for _, l := range lists {
		for _, u := range l {
			name, _, _ := strings.Cut(u, " ")
			if !seen[name] {
				seen[name] = true
				out = append(out, u)
			}
		}
	}
	return out
}

// heldSessions lists the session keys each tier holds: key → the tiers
// holding it, in read order. Tiers whose listing failed are returned as
// "TIER keyring: why"; partial says some tier was not listed.
func (s *Store) heldSessions() (held map[string][]Backend, unreached []string, partial bool) {
	return heldItems(s.sessions, sessionPrefix, checkKey)
}

// heldSources lists the source names the source keyrings hold (the Secret
// Service and the file store behind a fallback, each listed on its own),
// as heldSessions does.
func (s *Store) heldSources() (held map[string][]Backend, unreached []string, partial bool) {
	tiers := []Backend{s.b}
	if fb, ok := s.b.(*fallback); ok {
		tiers = []Backend{fb.primary, fb.file}
	}
	return heldItems(tiers, sourcePrefix, checkSourceName)
}

// heldItems lists the names after prefix that tiers hold and valid accepts.
// A keyring that has no way to list (macOS, Windows) makes the result
// partial without a line in unreached: there the index is all there is,
// as before, and saying so on every list would be noise.
func heldItems(tiers []Backend, prefix string, valid func(string) error) (held map[string][]Backend, unreached []string, partial bool) {
	held = map[string][]Backend{}
	seen := map[string]bool{}
	for _, b := range tiers {
		items, err := listKeys(b, prefix)
		if err != nil {
			partial = true
			if !errors.Is(err, errCannotList) && !seen[b.Name()] {
				seen[b.Name()] = true
				unreached = append(unreached, fmt.Sprintf("%s keyring: %v", b.Name(), err))
			}
			continue
		}
		for _, item := range items {
			name, ok := strings.CutPrefix(item, prefix)
			if !ok || valid(name) != nil {
				continue // not an item credproc writes
			}
			held[name] = append(held[name], b)
		}
	}
	return held, unreached, partial
}

// disagrees reports whether the index lacks a held name or, when every
// keyring was listed, names one no keyring holds.
func disagrees[V any](indexed map[string]V, held map[string][]Backend, partial bool) bool {
	for name := range held {
		if _, ok := indexed[name]; !ok {
			return true
		}
	}
	if !partial {
		for name := range indexed {
			if held[name] == nil {
				return true
			}
		}
	}
	return false
}

// itemEntry reads key's item from the first of tiers that has a decodable
// copy and returns its index entry: the metadata only, never the keys.
func (s *Store) itemEntry(key string, tiers []Backend) (indexEntry, bool) {
	for _, b := range tiers {
		data, err := b.Get(sessionPrefix + key)
		if err != nil {
			continue
		}
		sess, err := decodeSession(data)
		if err != nil {
			continue
		}
		return indexEntry{
			Kind:       sess.Kind,
			Source:     sess.Source,
			RoleARN:    sess.RoleARN,
			MFASerial:  sess.MFASerial,
			Expiration: sess.Expiration.UTC(),
		}, true
	}
	return indexEntry{}, false
}

// Keys lists the file store's items by their file names (hex of the item
// key), without the identity: listing never asks for the passphrase.
func (f *FileStore) Keys(prefix string) ([]string, error) {
	des, err := os.ReadDir(filepath.Join(f.dir, keysDir))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var keys []string
	for _, de := range des {
		h, ok := strings.CutSuffix(de.Name(), ".age")
		if !ok || !de.Type().IsRegular() {
			continue // temp files of a writer, anything else put there
		}
		key, err := hex.DecodeString(h)
		if err == nil && strings.HasPrefix(string(key), prefix) {
			keys = append(keys, string(key))
		}
	}
	return keys, nil
}
