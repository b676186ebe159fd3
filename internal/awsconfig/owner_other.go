//go:build !unix

package awsconfig

import "os"

// copyOwner is a no-op where file ownership is not a uid/gid pair.
func copyOwner(f *os.File, like os.FileInfo) {}

// syncDir is a no-op where directories cannot be synced.
func syncDir(dir string) {}
