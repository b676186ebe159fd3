//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// copyBinary puts a copy of the built credproc at path.
func copyBinary(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(binDir, "credproc"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// A binary that `go run` built is deleted when the run ends: setup refuses
// to write its path, and says how to install instead.
func TestSetupRefusesGoRunBinary(t *testing.T) {
	w := e2e(t)
	exe := filepath.Join(t.TempDir(), "go-build2718281828", "b001", "exe", "credproc")
	copyBinary(t, exe)
	config := w.getenv("AWS_CONFIG_FILE")
	for _, args := range [][]string{
		{"setup", "member", "--source", "mgmt", "--account", memberAccount},
		{"setup", "--org", "--source", "mgmt"},
	} {
		stdout, stderr, err := w.runBinary(exe, args...)
		if err == nil || stdout != "" {
			t.Fatalf("%v from a go run build: %v, stdout %q", args, err, stdout)
		}
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if len(lines) != 2 || !strings.HasPrefix(lines[0], "credproc: error: credproc runs from `go run`'s temporary build ("+exe+")") ||
			lines[1] != "credproc: hint: install it with `CGO_ENABLED=0 go install github.com/credproc/credproc@latest` and run the installed credproc's setup" {
			t.Errorf("%v: stderr %q", args, stderr)
		}
		if _, err := os.Stat(config); !os.IsNotExist(err) {
			t.Fatalf("%v wrote %s", args, config)
		}
	}
}

// A binary in the temporary directory works today but not after the
// system cleans it: setup warns.
func TestSetupWarnsOfTempBinary(t *testing.T) {
	w := e2e(t)
	tmp := w.getenv("TMPDIR")
	exe := filepath.Join(tmp, "build", "credproc")
	copyBinary(t, exe)
	_, stderr, err := w.runBinary(exe, "setup", "member", "--source", "mgmt", "--account", memberAccount)
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	want := "credproc: warning: credproc runs from the temporary directory (" + exe + "): the profile breaks when it is cleaned; install it with `CGO_ENABLED=0 go install github.com/credproc/credproc@latest`\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr %q lacks %q", stderr, want)
	}
	// The installed binary (outside TMPDIR) gets no such warning.
	if _, stderr, _ := w.run("setup", "member", "--source", "mgmt", "--account", memberAccount); strings.Contains(stderr, "temporary directory") {
		t.Errorf("installed binary warned: %q", stderr)
	}
}

// runBinary runs the credproc binary at exe in the world's environment.
func (w *world) runBinary(exe string, args ...string) (stdout, stderr string, err error) {
	cmd := exec.Command(exe, args...)
	cmd.Env = append([]string{}, w.env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}
