//go:build unix

package cache

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// checkPrivate refuses a state directory that is a symlink, is owned by
// another user or that group or others may write to (and so hold lock
// files or replace the index in).
func checkPrivate(dir string, fi fs.FileInfo) error {
	if !fi.IsDir() {
		return fmt.Errorf("state directory %s is not a directory (a symlink?); remove it and run again", dir)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return fmt.Errorf("state directory %s belongs to user %d, not to you; remove it or set CREDPROC_STATE_DIR", dir, st.Uid)
	}
	if perm := fi.Mode().Perm(); perm&0o022 != 0 {
		return fmt.Errorf("state directory %s has mode %04o: other users may write to it; run `chmod 700 %s`", dir, perm, dir)
	}
	return nil
}
