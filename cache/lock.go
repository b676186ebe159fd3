package cache

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/gofrs/flock"
)

// Locks are flock(2) (LockFileEx on Windows) on the empty file
// <dir>/locks/<key>.lock, one per cache key, so concurrent AWS CLI commands
// refresh a session once instead of each calling STS or prompting for MFA.
// The kernel releases a lock when its holder exits, even on kill -9, so
// there is no stale-lock detection. The file is never removed: deleting a
// lock file while another process waits on it would let two processes hold
// "the" lock on different inodes. Locks are per open file, so two
// goroutines of one process also exclude each other. key must match
// [A-Za-z0-9._-]{1,128}.
//
// A storm of cold starts (Terraform, xargs -P) is the normal load: one
// process takes the lock and refreshes; the others wait for it to let go and
// then find what it cached (Lock's done). They wait with shared locks, which
// the kernel grants all at once, so the waiters wake together rather than
// one after another, and without polling.

// Lock takes key's lock, waiting while another holder has it, until ctx is
// done. After each wait it asks done (nil: never) whether the holder's work
// makes the lock unnecessary, say because it cached what the caller wanted;
// then Lock returns a nil unlock without taking the lock. unlock releases
// the lock; calling it more than once is harmless.
func (s *Store) Lock(ctx context.Context, key string, done func() bool) (unlock func(), err error) {
	path, err := s.lockPath(key)
	if err != nil {
		return nil, err
	}
	return lockFile(ctx, path, done)
}

// lockPath is the lock file of key, in a directory that exists.
func (s *Store) lockPath(key string) (string, error) {
	if err := checkKey(key); err != nil {
		return "", err
	}
	base, err := s.stateDir(true)
	if err != nil {
		return "", fmt.Errorf("lock %s: %w", key, err)
	}
	dir := filepath.Join(base, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("lock %s: %w", key, err)
	}
	return filepath.Join(dir, key+".lock"), nil
}

func lockFile(ctx context.Context, path string, done func() bool) (unlock func(), err error) {
	for {
		unlock, ok, err := tryLock(path)
		if err != nil || ok {
			return unlock, err
		}
		if err := waitReleased(ctx, path); err != nil {
			return nil, err
		}
		if done != nil && done() {
			return nil, nil
		}
	}
}

// tryLock takes the lock at path if no other holder has it, without
// waiting; ok is false when another holder has it.
func tryLock(path string) (unlock func(), ok bool, err error) {
	fl := flock.New(path)
	if ok, err = fl.TryLock(); err != nil || !ok {
		if err != nil {
			err = fmt.Errorf("lock %s: %w", filepath.Base(path), err)
		}
		return nil, false, err
	}
	var once sync.Once
	return func() { once.Do(func() { _ = fl.Unlock() }) }, true, nil
}

// waitReleased waits until nobody holds the lock at path, or ctx is done,
// without taking it.
func waitReleased(ctx context.Context, path string) error {
	fl := flock.New(path)
	released := make(chan error, 1)
	go func() {
		// A blocking flock cannot be cancelled; if ctx ends first, this
		// goroutine lets go of the shared lock as soon as it gets it.
		err := fl.RLock()
		_ = fl.Unlock()
		released <- err
	}()
	select {
	case err := <-released:
		if err != nil {
			return fmt.Errorf("lock %s: %w", filepath.Base(path), err)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("lock %s: still held by another credproc process: %w", filepath.Base(path), ctx.Err())
	}
}
