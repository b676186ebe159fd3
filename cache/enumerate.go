package cache

import (
	"errors"
	"fmt"
	"strings"
)

// Lister is a Backend that can list the keys it holds, so forgetting does
// not depend on the index (a session written to the keyring but not yet to
// the index, or an index moved away, would otherwise stay and be handed out).
type Lister interface {
	// Keys returns the keys that start with prefix.
	Keys(prefix string) ([]string, error)
}

// errCannotList is the answer of a keyring that has no way to list items.
var errCannotList = errors.New("this keyring cannot list its items")

// listKeys lists b's keys with prefix, or fails with errCannotList.
func listKeys(b Backend, prefix string) ([]string, error) {
	if l, ok := b.(Lister); ok {
		return l.Keys(prefix)
	}
	return nil, errCannotList
}

// Keys lists the memory keyring.
func (m *memory) Keys(prefix string) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var ks []string
	for k := range m.m {
		if strings.HasPrefix(k, prefix) {
			ks = append(ks, k)
		}
	}
	return ks, nil
}

// Keys lists the inner keyring, bounded like every other call.
func (w *withTimeout) Keys(prefix string) ([]string, error) {
	var ks []string
	err := w.run(func() (err error) {
		ks, err = listKeys(w.b, prefix)
		return err
	})
	return ks, err
}

// Report says what a forget did: how many sessions were dropped, and which
// keyrings could not be reached or listed (sessions there may remain).
type Report struct {
	Dropped   int
	Unreached []string // "TIER keyring: why", one per tier
}

// ForgetAll drops every cached session: the ones each session tier lists
// itself and the ones the index names, from every tier, then drops them
// from the index (under its lock, throughout).
func (s *Store) ForgetAll() (Report, error) {
	return s.forget(func(string, Session, bool) bool { return true })
}

// ForgetSource drops every cached session made from source, found as
// ForgetAll finds them (a session missing from the index is read from its
// keyring to learn its source).
func (s *Store) ForgetSource(source string) (Report, error) {
	return s.forget(func(_ string, sess Session, _ bool) bool { return sess.Source == source })
}

// forget drops the sessions match selects. match gets the key, the session
// (from the index entry, or read from a tier) and whether it came from the
// index.
func (s *Store) forget(match func(key string, sess Session, indexed bool) bool) (Report, error) {
	var rep Report
	var errs []error
	unreached := map[string]bool{}
	note := func(tier string, err error) {
		if !unreached[tier] {
			unreached[tier] = true
			rep.Unreached = append(rep.Unreached, fmt.Sprintf("%s keyring: %v", tier, err))
		}
	}
	err := s.updateIndex(func(ix *index) bool {
		selected := map[string]bool{}
		for key, e := range ix.Sessions {
			if match(key, Session{Source: e.Source, Kind: e.Kind}, true) {
				selected[key] = true
			}
		}
		for _, b := range s.sessions {
			items, err := listKeys(b, sessionPrefix)
			if err != nil {
				note(b.Name(), err)
				continue
			}
			for _, item := range items {
				key := strings.TrimPrefix(item, sessionPrefix)
				if checkKey(key) != nil || selected[key] {
					continue
				}
				if _, indexed := ix.Sessions[key]; indexed {
					continue // the index entry decided
				}
				data, err := b.Get(item)
				if err != nil {
					continue
				}
				if sess, err := decodeSession(data); err == nil && match(key, sess, false) {
					selected[key] = true
				}
			}
		}
		changed := false
		for _, key := range sortedKeys(selected) {
			failed := false
			for _, b := range s.sessions {
				err := b.Delete(sessionPrefix + key)
				switch {
				case err == nil:
				case unavailable(err):
					note(b.Name(), err)
				default:
					errs = append(errs, fmt.Errorf("delete session %s from %s keyring: %w", key, b.Name(), err))
					failed = true
				}
			}
			if failed {
				continue
			}
			rep.Dropped++
			if _, ok := ix.Sessions[key]; ok {
				delete(ix.Sessions, key)
				changed = true
			}
		}
		return changed
	})
	return rep, errors.Join(append(errs, err)...)
}
