package awsconfig

import (
	"bytes"

	"github.com/rogpeppe/go-internal/diff"
)

// Diff is the change from old to new of the file at path as a unified diff
// ("--- path", "+++ path", hunks), or nil when they are the same. Dry runs
// print it.
func Diff(path string, old, new []byte) []byte {
	d := diff.Diff(path, old, path, new)
	if _, rest, ok := bytes.Cut(d, []byte("\n")); ok && bytes.HasPrefix(d, []byte("diff ")) {
		return rest // the "diff a b" line belongs to a multi-file diff
	}
	return d
}
