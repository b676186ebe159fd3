//go:build unix

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// runOnPTY runs credproc on a new pseudo-terminal, as a person's shell
// would, and returns what the terminal showed and whether it failed.
func runOnPTY(t *testing.T, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), args...)
	cmd.Env = env
	out, code := onPTY(t, cmd)
	var err error
	if code != 0 {
		err = fmt.Errorf("exit status %d", code)
	}
	return strings.ReplaceAll(out, "\r\n", "\n"), err
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
