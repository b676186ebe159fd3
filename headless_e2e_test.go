//go:build linux

package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// headless returns w's environment without a D-Bus session bus, as over
// SSH or in a container: the Secret Service cannot be reached.
func headless(w *world) []string {
	var env []string
	for _, kv := range w.env {
		if k, _, _ := strings.Cut(kv, "="); k != "DBUS_SESSION_BUS_ADDRESS" {
			env = append(env, kv)
		}
	}
	return append(env, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent")
}

// TestDoctorHeadless: with no Secret Service but a working kernel keyring,
// doctor passes its cache step; a plaintext key in the credentials file is
// named (profile only) with `credproc import` as the fix, and doctor still
// exits 0.
func TestDoctorHeadless(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := newWorld(t, filepath.Join(t.TempDir(), "home"))
	defer w.cleanup()
	home := w.getenv("HOME")
	os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
	creds := "[legacy]\naws_access_key_id = " + w.getenv("ALICE_AKID") + "\naws_secret_access_key = " + w.getenv("ALICE_SECRET") + "\n"
	if err := os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	w.env = headless(w)
	mustSetup(t, w, "member", "--source", "profile:legacy", "--account", memberAccount)
	w.awsIdentity(t, "member") // cached in the kernel keyring
	stdout, stderr, err := doctorRun(t, w, nil, "doctor", "--profile", "member")
	if err != nil {
		t.Fatalf("doctor: %v\n%s%s", err, stdout, stderr)
	}
	wantLines(t, stdout,
		`^ok   keyring: file keyring reachable; secret-service unreachable, file works, kernel works \(sessions are cached\)$`,
		`^ok   cache: cached role session until `,
		`^warn plaintext keys: access keys in plaintext: long-lived keys in profile legacy \(.*credentials\)$`,
		"^     fix: move them into the keyring: `credproc import --all`")
}

// answer is a reply typed on the terminal when prompt appears.
type answer struct{ prompt, reply string }

// runPTY runs credproc with a new pseudo-terminal as its controlling
// terminal (stdin /dev/null), typing each answer's reply when its prompt
// shows up, in order. It returns stdout and the terminal transcript.
func runPTY(t *testing.T, env []string, answers []answer, args ...string) (stdout, transcript string, err error) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), args...)
	cmd.Env = env
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	sent, pos := 0, 0
	tr, err := withTTY(cmd, 60*time.Second, func(text string) (string, bool) {
		if sent >= len(answers) {
			return "", false
		}
		i := strings.Index(text[pos:], answers[sent].prompt)
		if i < 0 {
			return "", false
		}
		pos += i + len(answers[sent].prompt)
		sent++
		return answers[sent-1].reply, true
	})
	if errors.Is(err, errTTYTimeout) {
		t.Fatalf("credproc %v timed out; transcript:\n%s", args, tr)
	}
	return out.String(), tr + errOut.String(), err
}

// TestHeadlessFileStore: with no D-Bus session bus, `add` on a terminal
// stores the key in the encrypted file (no file holds the secret), a cold
// call asks for the passphrase once, the next cold call of another profile
// asks nothing, and after `credproc lock` a call without a terminal fails
// at once with the `credproc unlock` hint.
func TestHeadlessFileStore(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := newWorld(t, filepath.Join(t.TempDir(), "home"))
	defer w.srv.Close()
	w.env = append(headless(w), "CREDPROC_UNLOCK_TIMEOUT=10m")
	const pass = "tr0ub4dor&3 horse"
	_, tr, err := runPTY(t, w.env, []answer{
		{"Access key ID: ", w.getenv("ALICE_AKID")},
		{"Secret access key: ", w.getenv("ALICE_SECRET")},
		{"new passphrase for the key file: ", pass},
		{"the same passphrase again: ", pass},
	}, "add", "mgmt")
	if err != nil {
		t.Fatalf("add: %v\n%s", err, tr)
	}
	if !strings.Contains(tr, `as source "mgmt" in the file keyring`) {
		t.Fatalf("add did not use the file store:\n%s", tr)
	}
	defer w.run("lock")
	if bad := w.leaks(w.getenv("HOME")); len(bad) > 0 {
		t.Fatalf("secrets in %v", bad)
	}
	if _, err := os.Stat(filepath.Join(w.getenv("HOME"), ".local", "share", "credproc", "identity.age")); err != nil {
		t.Fatalf("no identity file: %v", err)
	}
	mustSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	mustSetup(t, w, "external", "--source", "mgmt", "--account", externalAccount, "--external-id", "ext-5555")
	if _, stderr, err := w.run("lock"); err != nil {
		t.Fatalf("lock: %v\n%s", err, stderr)
	}

	// Locked and no terminal: fails at once, with the hint.
	start := time.Now()
	stdout, stderr, err := w.run("--profile", "member")
	if err == nil || stdout != "" || time.Since(start) > time.Second {
		t.Fatalf("locked call without a terminal: err %v, stdout %q, took %s", err, stdout, time.Since(start))
	}
	wantLines(t, stderr, `^credproc: error: source "mgmt" is in the encrypted key file, which is locked`, "^credproc: hint: run `credproc unlock` in a terminal$")

	// A cold call on a terminal asks once; the next profile's asks nothing.
	out, tr, err := runPTY(t, w.env, []answer{{"passphrase of the key file", pass}}, "--profile", "member")
	if err != nil || !strings.Contains(out, `"AccessKeyId":"ASIA`) {
		t.Fatalf("cold call: %v\n%s", err, tr)
	}
	if n := strings.Count(tr, "passphrase"); n != 1 {
		t.Fatalf("asked %d times for the passphrase:\n%s", n, tr)
	}
	out, tr, err = runPTY(t, w.env, nil, "--profile", "external")
	if err != nil || !strings.Contains(out, `"AccessKeyId":"ASIA`) || strings.Contains(tr, "passphrase") {
		t.Fatalf("second cold call: %v\n%s", err, tr)
	}
	// Without a terminal too, while unlocked, through the AWS CLI.
	if _, _, err := w.run("forget", "--all"); err != nil {
		t.Fatal(err)
	}
	w.awsIdentity(t, "member")
}
