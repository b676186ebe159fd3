//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMFADialog: with no terminal and DISPLAY set, the MFA code is asked in
// a desktop dialog: a stand-in zenity records its arguments and prints the
// current TOTP code. The AWS CLI gets the credentials; 16 parallel cold
// calls open the dialog once; its arguments name the device, say "MFA" and
// hold no secret.
func TestMFADialog(t *testing.T) {
	t.Parallel() // mostly waiting: a deadline or the next TOTP window
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	_, err := exec.LookPath("oathtool")
	requireReal(t, err == nil, "oathtool (Debian package oathtool)")
	w := e2e(t)
	w.addSource(t, "mgmt")
	bin := t.TempDir()
	record := filepath.Join(t.TempDir(), "zenity.args")
	script := "#!/bin/sh\nprintf '%s\\n' \"$*\" >> '" + record + "'\nprintf %s \"$MFA_SECRET\" | oathtool --totp -b -\n"
	if err := os.WriteFile(filepath.Join(bin, "zenity"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	var env []string
	for _, kv := range w.env {
		if k, v, _ := strings.Cut(kv, "="); k == "PATH" {
			env = append(env, "PATH="+bin+":"+v)
		} else {
			env = append(env, kv)
		}
	}
	w.env = append(env, "DISPLAY=:99")
	mustSetup(t, w, "mfa", "--source", "mgmt", "--account", mfaAccount, "--mfa-serial", w.getenv("MFA_SERIAL"))
	mustSetup(t, w, "mfa2", "--source", "mgmt", "--account", secondMFAAccount, "--mfa-serial", w.getenv("MFA_SERIAL"), "--mfa-prompt", "terminal")

	// 16 at once, through the AWS CLI: one dialog, one MFA session.
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			if _, stderr, err := w.run("aws", "sts", "get-caller-identity", "--profile", "mfa", "--endpoint-url", w.srv.URL); err != nil {
				t.Errorf("call %d: %v\n%s", i, err, stderr)
			}
		})
	}
	wg.Wait()
	b, err := os.ReadFile(record)
	if err != nil {
		t.Fatalf("the dialog was never shown: %v", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 1 {
		t.Fatalf("the dialog was shown %d times:\n%s", len(lines), b)
	}
	if !strings.Contains(lines[0], "MFA") || !strings.Contains(lines[0], w.getenv("MFA_SERIAL")) {
		t.Fatalf("dialog arguments %q do not name the MFA device", lines[0])
	}
	for _, s := range append(w.srv.Secrets(), w.secrets...) {
		if strings.Contains(string(b), s) {
			t.Fatal("a secret reached the dialog's arguments")
		}
	}
	if n := w.srv.Succeeded("GetSessionToken"); n != 1 {
		t.Fatalf("%d MFA sessions, want 1", n)
	}

	// --mfa-prompt terminal keeps the fast failure without a terminal.
	w.run("forget", "--all")
	_, stderr, err := w.run("--profile", "mfa2")
	if err == nil || !strings.Contains(stderr, "there is no terminal to ask on") {
		t.Fatalf("--mfa-prompt terminal without a terminal: %v\n%s", err, stderr)
	}
	if b2, _ := os.ReadFile(record); len(b2) != len(b) {
		t.Fatal("--mfa-prompt terminal showed a dialog")
	}
	// Without DISPLAY, no dialog either.
	w.env = env
	_, stderr, err = w.run("--profile", "mfa")
	if err == nil || !strings.Contains(stderr, "there is no terminal to ask on") {
		t.Fatalf("no DISPLAY: %v\n%s", err, stderr)
	}
}
