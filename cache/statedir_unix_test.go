//go:build unix

package cache

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStateDirPrivate: the state directory is created 0700; one another
// user owns, one others may write to, or a symlink is refused for the lock
// files and the index alike. Before, credproc used whatever it found (and
// fell back to a shared $TMPDIR/credproc), so another local user could
// pre-create it and hold the lock files or edit the index.
func TestStateDirPrivate(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh", "credproc")
	s := memStore(fresh)
	if err := s.PutSession("k", Session{Credentials: Credentials{AccessKeyID: "A", SecretAccessKey: "S", SessionToken: "T", Expiration: time.Now().Add(time.Hour)}, Kind: KindRole, Source: "src"}); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("fresh state directory: %v, %v", fi.Mode(), err)
	}

	open := filepath.Join(base, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	link := filepath.Join(base, "link")
	os.Symlink(fresh, link)
	cases := map[string]string{open: "other users may write", link: "not a directory"}
	if os.Getuid() == 0 {
		foreign := filepath.Join(base, "foreign")
		os.Mkdir(foreign, 0o700)
		if err := os.Chown(foreign, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		cases[foreign] = "belongs to user 65534"
	} else {
		t.Log("not root: the foreign-owner case needs chown")
	}
	for dir, want := range cases {
		s := memStore(dir)
		_, err := s.Lock(context.Background(), "key", nil)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Lock in %s: %v, want %q", dir, err, want)
		}
		if _, err := s.Entries(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Entries in %s: %v, want %q", dir, err, want)
		}
	}
	if _, err := memStore("").Lock(context.Background(), "key", nil); err == nil || !strings.Contains(err.Error(), "no private directory") {
		t.Errorf("Lock without a state directory: %v", err)
	}
}
