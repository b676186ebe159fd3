package awsconfig

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// editLockWait bounds how long Edit waits for another credproc editing the
// same file.
const editLockWait = 30 * time.Second

// Edit loads the file at path, lets edit change it and saves the change,
// all under an exclusive lock on a sibling lock file (.NAME.credproc.lock),
// so concurrent credproc runs editing one file take turns and no
// successful edit is lost. edit returns whether to write (false for a dry
// run). The lock is flock(2) (LockFileEx on Windows): the kernel drops it
// when its holder dies, so a killed writer never blocks the next one.
func Edit(path string, kind Kind, edit func(f *File) (write bool, err error)) error {
	target, err := resolveTarget(path)
	if err != nil {
		return err
	}
	unlock, err := lockEdits(path, target)
	if err != nil {
		return err
	}
	defer unlock()
	f, err := Load(path, kind)
	if err != nil {
		return err
	}
	f.locked = true
	defer func() { f.locked = false }()
	write, err := edit(f)
	if err != nil || !write {
		return err
	}
	return f.Save()
}

// lockEdits takes the edit lock of target (the file path names).
func lockEdits(path, target string) (unlock func(), err error) {
	dir := filepath.Dir(target)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	lk := flock.New(filepath.Join(dir, "."+filepath.Base(target)+".credproc.lock"))
	ctx, cancel := context.WithTimeout(context.Background(), editLockWait)
	defer cancel()
	ok, err := lk.TryLockContext(ctx, 20*time.Millisecond)
	if err != nil || !ok {
		return nil, fmt.Errorf("%s is being edited by another credproc (waited %s for its lock); run again", path, editLockWait)
	}
	return func() { lk.Unlock() }, nil
}

// tempPrefix starts the names of Save's temporary files next to target;
// os.CreateTemp adds decimal digits.
func tempPrefix(target string) string {
	return "." + filepath.Base(target) + ".credproc-"
}

// removeStaleTemps deletes temporary files a killed writer left next to
// target. Only a writer holding the edit lock calls it, so no live writer's
// file matches; only credproc's own naming pattern is touched.
func removeStaleTemps(target string) {
	entries, _ := os.ReadDir(filepath.Dir(target))
	prefix := tempPrefix(target)
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), prefix)
		if ok && rest != "" && strings.Trim(rest, "0123456789") == "" && e.Type().IsRegular() {
			os.Remove(filepath.Join(filepath.Dir(target), e.Name()))
		}
	}
}
