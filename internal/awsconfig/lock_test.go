package awsconfig

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"syscall"
	"testing"
	"time"
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

// TestKilledWriterLeavesNothingBehind: a writer killed with SIGKILL between
// writing its temporary file and the rename leaves that file (a partial
// copy of the config, mode 0600); the next write removes it, and the file
// itself is the old one or the new one, never a mix.
func TestKilledWriterLeavesNothingBehind(t *testing.T) {
	if dir := os.Getenv("AWSCONFIG_KILL_HELPER_DIR"); dir != "" {
		// The writer to be killed: it stops before its rename.
		testBeforeRename = func() { select {} }
		f := mustLoad(t, filepath.Join(dir, "config"), Config)
		mustSet(t, f, "killed", []KV{{"region", "r"}}, nil)
		f.Save()
		return
	}
	if runtime.GOOS == "windows" {
		t.Skip("SIGKILL")
	}
	p := writeFile(t, "config", messyConfig, 0o600)
	cmd := exec.Command(os.Args[0], "-test.run=^TestKilledWriterLeavesNothingBehind$")
	cmd.Env = append(os.Environ(), "AWSCONFIG_KILL_HELPER_DIR="+filepath.Dir(p))
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Wait()
	var temps []string
	for deadline := time.Now().Add(30 * time.Second); len(temps) == 0; {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatal("the writer made no temporary file")
		}
		time.Sleep(10 * time.Millisecond)
		temps = otherFiles(t, p)
	}
	time.Sleep(100 * time.Millisecond) // let it reach the rename
	cmd.Process.Signal(syscall.SIGKILL)
	cmd.Wait()
	if got := otherFiles(t, p); len(got) != 1 {
		t.Fatalf("after kill -9: %q, want the writer's temporary file", got)
	}
	if readFile(t, p) != messyConfig {
		t.Fatal("the config changed")
	}
	f := mustLoad(t, p, Config)
	mustSet(t, f, "next", []KV{{"region", "r"}}, nil)
	mustSave(t, f)
	if got := otherFiles(t, p); len(got) != 0 {
		t.Errorf("after the next write: %q left next to the config", got)
	}
}
