package awsconfig

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// Save writes the pending edits, if any, atomically: the new text is checked
// by parsing it again (it must read exactly as the edits intend, with every
// other section unchanged), then written to a temporary file in the same
// directory, synced, given the original file's permission bits (0600 for a
// new file) and renamed over the original. A symlinked file is replaced at
// its target. The parent directory is created with mode 0700 if missing.
// The compare and the rename happen under the edit lock (see Edit), which
// also lets Save remove temporary files a killed writer left.
//
// If the file on disk no longer has the content that was loaded, Save
// returns an error and writes nothing, so a concurrent edit is never lost.
func (f *File) Save() error {
	if !f.Changed() {
		return nil
	}
	data := f.Bytes()
	p, err := f.verify(data)
	if err != nil {
		return fmt.Errorf("not writing %s: %w", f.path, err)
	}
	target, err := resolveTarget(f.path)
	if err != nil {
		return err
	}
	if !f.locked {
		// Edit holds the lock from the read on; a plain Save holds it
		// from the compare to the rename.
		unlock, err := lockEdits(f.path, target)
		if err != nil {
			return err
		}
		defer unlock()
	}
	removeStaleTemps(target)
	if err := writeAtomic(target, data, func() error { return f.checkUnchanged(target) }); err != nil {
		return err
	}
	f.orig = data
	f.existed = true
	f.adopt(p)
	return nil
}

// errChanged is the message for a file that changed under us.
func (f *File) errChanged() error {
	return fmt.Errorf("%s changed while credproc was editing it; run again", f.path)
}

// checkUnchanged verifies that target still holds what was loaded.
func (f *File) checkUnchanged(target string) error {
	cur, err := os.ReadFile(target)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if f.existed {
			return f.errChanged()
		}
		return nil
	case err != nil:
		return err
	case !f.existed || !bytes.Equal(cur, f.orig):
		return f.errChanged()
	}
	return nil
}

// resolveTarget follows symlinks so that the file they point at is replaced
// rather than the link.
func resolveTarget(path string) (string, error) {
	fi, err := os.Lstat(path)
	if err != nil || fi.Mode()&fs.ModeSymlink == 0 {
		return path, nil
	}
	t, err := filepath.EvalSymlinks(path)
	if err != nil {
		return "", fmt.Errorf("%s is a symlink that cannot be followed: %w", path, err)
	}
	return t, nil
}

// testBeforeRename, set only by tests, runs between writing the temporary
// file and renaming it: where a killed writer leaves its temporary file.
var testBeforeRename func()

// writeAtomic writes data to a temporary file next to target and renames it
// over target. check runs just before the rename.
func writeAtomic(target string, data []byte, check func() error) (err error) {
	perm := fs.FileMode(0o600)
	fi, statErr := os.Stat(target)
	if statErr == nil {
		perm = fi.Mode().Perm()
	}
	tmp, err := os.CreateTemp(filepath.Dir(target), tempPrefix(target)+"*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(perm); err != nil {
		return err
	}
	if statErr == nil {
		copyOwner(tmp, fi)
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = check(); err != nil {
		return err
	}
	if testBeforeRename != nil {
		testBeforeRename()
	}
	if err = os.Rename(tmp.Name(), target); err != nil {
		return err
	}
	syncDir(filepath.Dir(target))
	return nil
}

// verify parses data and checks it reads as the model says it should.
func (f *File) verify(data []byte) (*parsed, error) {
	p, err := parse(f.path, data)
	if err != nil {
		return nil, fmt.Errorf("the edited text would not parse (%v)", err)
	}
	if p.iniErr != nil {
		// The file as it is may be fine for the AWS CLI, but an edit
		// could not be checked against the other readers.
		return nil, fmt.Errorf("other INI readers would read it differently from the AWS CLI (%v); fix that line first", p.iniErr)
	}
	m := f.model
	if m == nil {
		return p, nil
	}
	var want []*modelSec
	for _, s := range m.secs {
		if !s.dead {
			want = append(want, s)
		}
	}
	got := p.blocks[1:]
	if len(got) != len(want) {
		return nil, fmt.Errorf("the edited text would have %d sections instead of %d", len(got), len(want))
	}
	for i, b := range got {
		w := want[i]
		if b.header != w.header {
			return nil, fmt.Errorf("section %d of the edited text would be [%s] instead of [%s]", i+1, b.header, w.header)
		}
		keys := analyzeSection(b.lines)
		if len(keys) != len(w.keys) {
			return nil, fmt.Errorf("[%s] would have %d keys instead of %d", w.header, len(keys), len(w.keys))
		}
		for _, k := range keys {
			if v, ok := w.keys[k.key]; !ok || v != k.value {
				// Values are not quoted: the file may hold secret keys.
				return nil, fmt.Errorf("[%s] %s would read differently after the edit", w.header, k.key)
			}
		}
	}
	for header, touched := range m.touched {
		w := m.byHeader[header]
		if w == nil {
			continue
		}
		sec, err := p.ini.GetSection(header)
		if err != nil {
			return nil, fmt.Errorf("INI reader would not find [%s]", header)
		}
		h := sec.KeysHash()
		for k := range touched {
			wv, wok := w.keys[k]
			gv, gok := h[k]
			if wok != gok || wv != gv {
				return nil, fmt.Errorf("INI reader would read [%s] %s differently after the edit (present=%v, want %v)", header, k, gok, wok)
			}
		}
	}
	return p, nil
}
