package cache

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNoStateDir means credproc found no private place for its state.
var ErrNoStateDir = errors.New("no private directory for credproc's state (HOME, XDG_CACHE_HOME and XDG_RUNTIME_DIR are unset); set HOME or CREDPROC_STATE_DIR")

// stateDir returns the store's state directory after checking that it is
// private: owned by this user and closed to everyone else, so no other
// local user can hold its lock files or edit its index. With create it is
// made (mode 0700) when missing; without, a missing directory is fine.
func (s *Store) stateDir(create bool) (string, error) {
	if s.dir == "" {
		return "", ErrNoStateDir
	}
	fi, err := os.Lstat(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		if !create {
			return s.dir, nil
		}
		if err := os.MkdirAll(s.dir, 0o700); err != nil {
			return "", fmt.Errorf("create the state directory: %w", err)
		}
		fi, err = os.Lstat(s.dir)
	}
	if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	if err := checkPrivate(s.dir, fi); err != nil {
		return "", err
	}
	return s.dir, nil
}
