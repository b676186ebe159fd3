package awsconfig

import (
	"errors"
	"io/fs"
	"os"
)

// Restore puts back a file's earlier text, the way Save writes (temporary
// file in the same directory, same permissions, rename), so a command that
// edits both files can undo the first when the second cannot be written.
// existed false removes the file again.
func Restore(path string, data []byte, existed bool) error {
	target, err := resolveTarget(path)
	if err != nil {
		return err
	}
	if !existed {
		if err := os.Remove(target); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	}
	return writeAtomic(target, data, func() error { return nil })
}

// Original returns the text the file had when it was loaded (or last
// saved) and whether it existed then.
func (f *File) Original() ([]byte, bool) {
	return append([]byte(nil), f.orig...), f.existed
}
