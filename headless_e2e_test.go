//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
		`^ok   keyring: source keys come from an AWS profile; secret-service unreachable, kernel works \(sessions are cached\)$`,
		`^ok   cache: cached role session until `,
		`^warn plaintext keys: access keys in plaintext: long-lived keys in profile legacy \(.*credentials\)$`,
		"^     fix: move them into the keyring: `credproc import --all`")
}
