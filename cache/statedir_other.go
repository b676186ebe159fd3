//go:build !unix

package cache

import (
	"fmt"
	"io/fs"
)

// checkPrivate refuses a state directory that is not a directory; the
// directory's ACL is inherited from the user's profile directory.
func checkPrivate(dir string, fi fs.FileInfo) error {
	if !fi.IsDir() {
		return fmt.Errorf("state directory %s is not a directory; remove it and run again", dir)
	}
	return nil
}
