//go:build unix

package main

import (
	"bytes"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// runOnPTY runs credproc with stdin, stdout and stderr on a new
// pseudo-terminal, as a person's shell would, and returns what the
// terminal showed.
func runOnPTY(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), args...)
	cmd.Env = env
	ptmx, err := pty.Start(cmd)
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	var out bytes.Buffer
	copied := make(chan struct{})
	go func() { io.Copy(&out, ptmx); close(copied) }()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	select {
	case err = <-waited:
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("credproc on a terminal did not end")
	}
	select { // the slave side is closed: the copy ends with EIO
	case <-copied:
	case <-time.After(5 * time.Second):
	}
	return strings.ReplaceAll(out.String(), "\r\n", "\n"), err
}

// Bare credproc typed on a terminal shows the usage instead of failing in
// credential_process mode.
func TestBareOnTerminalShowsUsage(t *testing.T) {
	home := t.TempDir()
	env := []string{"HOME=" + home, "PATH=/usr/bin:/bin", "AWS_CONFIG_FILE=" + filepath.Join(home, "config")}
	out, err := runOnPTY(t, env)
	if err != nil {
		t.Fatalf("bare credproc on a terminal: %v\n%s", err, out)
	}
	for _, want := range []string{"usage:\n  credproc COMMAND [FLAGS] [ARGS]", "\n  setup ", "\n  completion ", "credproc help COMMAND"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal shows no %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "error") {
		t.Errorf("terminal shows an error:\n%s", out)
	}

	// With AWS_PROFILE the user asked for that profile's credentials.
	out, err = runOnPTY(t, append(env, "AWS_PROFILE=nope"))
	if err == nil || !strings.Contains(out, `credproc: error: no profile "nope"`) || strings.Contains(out, "usage:") {
		t.Errorf("AWS_PROFILE=nope credproc on a terminal: %v\n%s", err, out)
	}
}
