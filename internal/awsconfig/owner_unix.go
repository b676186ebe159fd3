//go:build unix

package awsconfig

import (
	"os"
	"syscall"
)

// copyOwner gives f the owner and group of the file described by like, if
// they differ and the process may do so (e.g. when run with sudo). Errors
// are ignored: the permission bits were already copied.
func copyOwner(f *os.File, like os.FileInfo) {
	want, ok := like.Sys().(*syscall.Stat_t)
	if !ok {
		return
	}
	fi, err := f.Stat()
	if err != nil {
		return
	}
	have, ok := fi.Sys().(*syscall.Stat_t)
	if !ok || (have.Uid == want.Uid && have.Gid == want.Gid) {
		return
	}
	_ = f.Chown(int(want.Uid), int(want.Gid))
}

// syncDir flushes a directory entry change to disk, best effort.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}
