package cache

import "sync"

// indexBatch holds index updates while a bulk run defers them.
type indexBatch struct {
	mu  sync.Mutex
	fns []func(*index) bool
}

// BatchIndex makes the Store collect the index updates of PutSession and
// the like until flush, which writes them in one update. A run that caches
// a session per account (exec --org, doctor over every profile) otherwise
// rewrites and syncs the whole index once per session under its lock. The
// sessions themselves are stored at once; only their listing waits.
func (s *Store) BatchIndex() (flush func() error) {
	b := &indexBatch{}
	s.batch.Store(b)
	return func() error {
		s.batch.CompareAndSwap(b, nil)
		b.mu.Lock()
		fns := b.fns
		b.fns = nil
		b.mu.Unlock()
		if len(fns) == 0 {
			return nil
		}
		return s.updateIndex(func(ix *index) bool {
			changed := false
			for _, fn := range fns {
				changed = fn(ix) || changed
			}
			return changed
		})
	}
}

// deferIndex queues fn when a batch is open and reports whether it did.
func (s *Store) deferIndex(fn func(*index) bool) bool {
	b := s.batch.Load()
	if b == nil {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.fns = append(b.fns, fn)
	return true
}

// FirstTierOnly returns a Store that keeps sessions in the fastest tier
// alone (the kernel keyring on Linux; the only tier elsewhere), sharing
// source keys, index and locks with s. A bulk run caches hundreds of
// short role sessions there instead of making the Secret Service, which
// serves one client at a time, store each of them.
func (s *Store) FirstTierOnly() *Store {
	n := &Store{b: s.b, sessions: s.sessions, dir: s.dir}
	if len(n.sessions) > 1 {
		n.sessions = n.sessions[:1]
	}
	n.batch.Store(s.batch.Load())
	return n
}
