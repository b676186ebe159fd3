//go:build unix

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// coldStart runs n copies of `credproc --profile p` at once against an
// empty cache and returns their outputs.
func coldStart(t *testing.T, w *world, n int, profile string) []string {
	t.Helper()
	outs := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			out, stderr, err := w.run("--profile", profile)
			if err != nil {
				t.Errorf("invocation %d: %v\n%s", i, err, stderr)
			}
			outs[i] = out
		})
	}
	wg.Wait()
	return outs
}

// TestParallelColdStart: Terraform starts many helpers at once; they must
// share one STS call chain and hand out the same credentials.
func TestParallelColdStart(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	if _, stderr, err := w.run("setup", "member", "--source", "mgmt", "--account", memberAccount); err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	outs := coldStart(t, w, 24, "member")
	if got := w.srv.Calls("AssumeRole"); got != 1 {
		t.Errorf("24 cold invocations made %d AssumeRole calls, want 1", got)
	}
	for i, o := range outs {
		if o != outs[0] || !strings.Contains(o, `"Version":1`) {
			t.Fatalf("invocation %d printed different credentials", i)
		}
	}
}

// TestParallelColdStartMFA: 64 at once with MFA: one code and one chain for
// all of them.
func TestParallelColdStartMFA(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	// The mfa-process counts its runs in a file: one MFA prompt at most.
	dir := t.TempDir()
	counter := filepath.Join(dir, "runs")
	script := filepath.Join(dir, "code.sh")
	os.WriteFile(script, []byte("#!/bin/sh\necho run >> '"+counter+"'\nprintf %s \"$MFA_SECRET\" | exec oathtool --totp -b -\n"), 0o700)
	requireReal(t, lookPath("oathtool"), "oathtool (Debian package oathtool)")
	_, stderr, err := w.run("setup", "secure", "--source", "mgmt", "--account", mfaAccount,
		"--mfa-serial", w.getenv("MFA_SERIAL"), "--mfa-process", script)
	if err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	outs := coldStart(t, w, 64, "secure")
	for i, o := range outs {
		if o != outs[0] {
			t.Fatalf("invocation %d printed different credentials", i)
		}
	}
	b, _ := os.ReadFile(counter)
	if runs := strings.Count(string(b), "run"); runs != 1 {
		t.Errorf("the MFA code was asked for %d times, want 1", runs)
	}
	if got := w.srv.Calls("GetSessionToken"); got != 1 {
		t.Errorf("GetSessionToken calls = %d, want 1", got)
	}
	if got := w.srv.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
	if bad := w.leaks(filepath.Dir(w.getenv("HOME"))); len(bad) > 0 {
		t.Errorf("secrets written to %v", bad)
	}
}

func lookPath(name string) bool {
	for _, d := range []string{"/usr/bin", "/bin", "/usr/local/bin"} {
		if _, err := os.Stat(filepath.Join(d, name)); err == nil {
			return true
		}
	}
	return false
}

// TestKilledHolderReleasesLock: a credproc killed while it holds the lock
// (waiting at the MFA prompt) must not block the next one.
func TestKilledHolderReleasesLock(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	if _, stderr, err := w.run("setup", "secure", "--source", "mgmt", "--account", mfaAccount, "--mfa-serial", w.getenv("MFA_SERIAL")); err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer ptmx.Close()
	holder := exec.Command(filepath.Join(binDir, "credproc"), "--profile", "secure")
	holder.Env = w.env
	holder.ExtraFiles = []*os.File{tty}
	holder.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 3}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	// Wait for the prompt: the holder now has both locks.
	buf := make([]byte, 4096)
	var seen []byte
	for !bytes.Contains(seen, []byte("MFA code for")) {
		n, err := ptmx.Read(buf)
		if err != nil {
			t.Fatalf("no prompt: %v (%q)", err, seen)
		}
		seen = append(seen, buf[:n]...)
	}
	holder.Process.Signal(syscall.SIGKILL)
	holder.Wait()
	// The next invocation gets both locks and fails for its own reason (no
	// terminal) instead of waiting 90 s for a dead holder.
	done := make(chan string, 1)
	go func() {
		_, stderr, _ := w.run("--profile", "secure")
		done <- stderr
	}()
	select {
	case stderr := <-done:
		if !strings.Contains(stderr, "no terminal") {
			t.Fatalf("second invocation: %s", stderr)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the lock of a killed holder was not released")
	}
}

// TestAWSCLIv1 runs the seed scenario's last step with the Python AWS CLI v1
// too, where one is installed (it is optional: Debian ships v2).
func TestAWSCLIv1(t *testing.T) {
	var v1 string
	for _, p := range []string{os.Getenv("HOME") + "/.pyenv/shims/aws", "/usr/local/bin/aws"} {
		if out, err := exec.Command(p, "--version").CombinedOutput(); err == nil && bytes.HasPrefix(out, []byte("aws-cli/1.")) {
			v1 = p
		}
	}
	if v1 == "" {
		t.Skip("no AWS CLI v1 installed")
	}
	w := e2e(t)
	w.addSource(t, "mgmt")
	if _, stderr, err := w.run("setup", "member", "--source", "mgmt", "--account", memberAccount); err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	for range 2 {
		cmd := exec.Command(v1, "sts", "get-caller-identity", "--profile", "member", "--endpoint-url", w.getenv("STS_URL"), "--output", "text", "--query", "Arn")
		// pyenv needs its own variables; the world's HOME and PATH would hide it.
		cmd.Env = append(append([]string{}, w.env...), "PATH="+binDir+":"+os.Getenv("PATH"), "PYENV_ROOT="+os.Getenv("HOME")+"/.pyenv")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.Contains(string(out), "assumed-role/OrganizationAccountAccessRole") {
			t.Fatalf("aws v1: %v\n%s", err, out)
		}
	}
	if got := w.srv.Calls("AssumeRole"); got != 1 {
		t.Errorf("AssumeRole calls = %d, want 1", got)
	}
}
