package cache

import (
	"fmt"
	"strings"
)

// SyncReport says what SyncIndex changed in the index and which session
// tiers it could not list (their entries were kept as they were).
type SyncReport struct {
	Added, Dropped int
	Unreached      []string // "TIER keyring: why", one per tier
}

// SyncIndex makes the index a true cache of what the session tiers hold:
// it lists every tier's session items (as forget does) and, when the index
// disagrees, rewrites it under the index lock. An entry no tier holds is
// dropped; an item the index lacks is added with the non-secret metadata
// the item itself carries (kind, source, role ARN, MFA serial, label,
// expiry), read from the first tier that holds a decodable copy. An item
// that does not decode is not added: Session would not hand it out either.
//
// A tier that cannot be listed is named in Unreached, and then no entry is
// dropped, since that tier may hold it. Entries present on both sides are
// not re-read, so the common case costs one listing per tier and no item
// reads. SyncIndex is for commands that show the index (list), never for
// the credential path.
func (s *Store) SyncIndex() (SyncReport, error) {
	// Compare without the lock first, so agreeing stores (the usual case)
	// never contend with a PutSession for it.
	ix, err := s.readIndex()
	if err != nil {
		return SyncReport{}, err
	}
	held, unreached := s.heldSessions()
	if !disagrees(ix, held, len(unreached) > 0) {
		return SyncReport{Unreached: unreached}, nil
	}
	// Enumerate again under the lock: a PutSession writes its items before
	// taking the lock, so whatever the listing misses, its own index
	// update adds after ours, and nothing it indexed is dropped here.
	var rep SyncReport
	err = s.updateIndex(func(ix *index) bool {
		held, rep.Unreached = s.heldSessions()
		partial := len(rep.Unreached) > 0
		for key := range ix.Sessions {
			if !partial && held[key] == nil {
				delete(ix.Sessions, key)
				rep.Dropped++
			}
		}
		for _, key := range sortedKeys(held) {
			if _, ok := ix.Sessions[key]; ok {
				continue
			}
			if e, ok := s.itemEntry(key, held[key]); ok {
				ix.Sessions[key] = e
				rep.Added++
			}
		}
		return rep.Added+rep.Dropped > 0
	})
	return rep, err
}

// heldSessions lists the session keys each tier holds: key → the tiers
// holding it, in read order. Tiers that cannot be listed are returned as
// "TIER keyring: why".
func (s *Store) heldSessions() (held map[string][]Backend, unreached []string) {
	held = map[string][]Backend{}
	seen := map[string]bool{}
	for _, b := range s.sessions {
		items, err := listKeys(b, sessionPrefix)
		if err != nil {
			if !seen[b.Name()] {
				seen[b.Name()] = true
				unreached = append(unreached, fmt.Sprintf("%s keyring: %v", b.Name(), err))
			}
			continue
		}
		for _, item := range items {
			key := strings.TrimPrefix(item, sessionPrefix)
			if checkKey(key) != nil {
				continue // not an item credproc writes
			}
			held[key] = append(held[key], b)
		}
	}
	return held, unreached
}

// disagrees reports whether the index lacks a held key or, when every tier
// was listed, names one no tier holds.
func disagrees(ix *index, held map[string][]Backend, partial bool) bool {
	for key := range held {
		if _, ok := ix.Sessions[key]; !ok {
			return true
		}
	}
	if !partial {
		for key := range ix.Sessions {
			if held[key] == nil {
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
			Label:      sess.Label,
			Expiration: sess.Expiration.UTC(),
		}, true
	}
	return indexEntry{}, false
}
