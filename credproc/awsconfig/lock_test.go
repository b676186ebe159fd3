package awsconfig

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestStaleTempRemoved: a writer killed between creating its temporary file
// and the rename leaves a partial copy of the config (mode 0600); the next
// write removes it, and only files of credproc's own naming pattern.
// Before the fix the file stayed for ever.
func TestStaleTempRemoved(t *testing.T) {
	p := writeFile(t, "config", messyConfig, 0o600)
	stale, err := os.CreateTemp(filepath.Dir(p), tempPrefix(p)+"*")
	if err != nil {
		t.Fatal(err)
	}
	stale.WriteString(messyConfig[:40])
	stale.Close()
	keep := []string{".config.credproc-notes", "config.credproc-1", ".config.bak"}
	for _, k := range keep {
		os.WriteFile(filepath.Join(filepath.Dir(p), k), []byte("x"), 0o600)
	}
	f := mustLoad(t, p, Config)
	mustSet(t, f, "a", []KV{{"region", "1"}}, nil)
	mustSave(t, f)
	if _, err := os.Stat(stale.Name()); !os.IsNotExist(err) {
		t.Errorf("the stale temporary file is still there (%v)", err)
	}
	if got := otherFiles(t, p); len(got) != len(keep) {
		t.Errorf("files next to the config: %q, want %q", got, keep)
	}
}

// TestEditSerialised: parallel Edits of one file all land; none is lost.
func TestEditSerialised(t *testing.T) {
	p := filepath.Join(t.TempDir(), "config")
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := Edit(p, Config, func(f *File) (bool, error) {
				return true, f.SetProfile(fmt.Sprintf("p%d", i), []KV{{"region", "r"}}, nil)
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := len(mustLoad(t, p, Config).ProfileNames()); n != 16 {
		t.Errorf("%d of 16 profiles in the file", n)
	}
}
