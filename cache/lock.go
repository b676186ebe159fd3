package cache

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is how often a busy lock is retried.
const lockRetry = 50 * time.Millisecond

// Lock takes the cross-process lock for key (typically a session key, so
// concurrent AWS CLI commands refresh a session once instead of each calling
// STS or prompting for MFA). It retries every 50 ms until it gets the lock or
// ctx is done; ctx carries the timeout. key must match [A-Za-z0-9._-]{1,128}.
//
// The lock is an flock(2) (LockFileEx on Windows) on the empty file
// <dir>/locks/<key>.lock. The kernel releases it when the holder exits, even
// on kill -9, so there is no stale-lock detection. The file is never removed:
// deleting a lock file while another process waits on it would let two
// processes hold "the" lock on different inodes.
//
// unlock releases the lock; calling it more than once is harmless. Locks are
// per open file, so two goroutines of one process also exclude each other.
func (s *Store) Lock(ctx context.Context, key string) (unlock func(), err error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	dir := filepath.Join(s.dir, "locks")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("lock %s: %w", key, err)
	}
	fl := flock.New(filepath.Join(dir, key+".lock"))
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if !ok {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("lock %s: still held by another credproc process: %w", key, ctx.Err())
		}
		return nil, fmt.Errorf("lock %s: %w", key, cmp.Or(err, errors.New("not acquired")))
	}
	var once sync.Once
	return func() { once.Do(func() { _ = fl.Unlock() }) }, nil
}
