//go:build linux

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// A locked Secret Service collection, in a keyring session of its own
// (.ci/with-keyring, so the shared test keyring stays unlocked): every
// command that needs the source says so in one line plus one hint, and
// .ci/with-keyring's own output has no dbus-daemon fd-limit notice.
func TestLockedKeyring(t *testing.T) {
	for _, tool := range []string{"dbus-run-session", "gnome-keyring-daemon", "dbus-send"} {
		_, err := exec.LookPath(tool)
		requireReal(t, err == nil, tool+" (see .ci/setup)")
	}
	root, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	home := filepath.Join(work, "home")
	env := []string{
		"HOME=" + home,
		"PATH=" + binDir + ":/usr/bin:/bin:/usr/sbin:/sbin",
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"TMPDIR=" + work,
		"CREDPROC_KEYRING_SERVICE=credproc-locked-test",
		"AWS_REGION=us-east-1",
		"AWS_ENDPOINT_URL_STS=http://127.0.0.1:9", // never reached: the source cannot be read
		"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE",
		"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMIK7MDENGbPxRfiCYEXAMPLEKEYab",
	}
	// gnome-keyring-daemon puts its control socket in XDG_CACHE_HOME.
	if err := os.MkdirAll(filepath.Join(home, ".cache"), 0o700); err != nil {
		t.Fatal(err)
	}
	script := `
set -u
credproc add mgmt --env 2>add.err || { cat add.err >&2; exit 1; }
credproc setup member --source mgmt --account 222222222222 2>/dev/null || exit 1
dbus-send --session --print-reply --dest=org.freedesktop.secrets /org/freedesktop/secrets \
	org.freedesktop.Secret.Service.Lock array:objpath:/org/freedesktop/secrets/collection/login >/dev/null || exit 1
for c in "add other --env" "--profile member" "remove mgmt"; do
	f=$(echo "$c" | tr -c 'a-z\n' _)
	credproc $c >"$f.out" 2>"$f.err"
	echo $? >"$f.rc"
done
`
	cmd := exec.Command(filepath.Join(root, ".ci", "with-keyring"), "bash", "-c", script)
	cmd.Dir, cmd.Env = work, env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf(".ci/with-keyring: %v\n%s", err, out)
	}
	if strings.Contains(string(out), "fd limit") {
		t.Errorf(".ci/with-keyring printed dbus-daemon's fd-limit notice:\n%s", out)
	}
	for c, msg := range map[string]string{
		"add other --env":  `credproc: error: store source "other": the secret-service keyring is locked`,
		"--profile member": `credproc: error: read source "mgmt": the secret-service keyring is locked`,
		"remove mgmt":      `credproc: error: read source "mgmt": the secret-service keyring is locked`,
	} {
		f := filepath.Join(work, strings.Map(func(r rune) rune {
			if 'a' <= r && r <= 'z' {
				return r
			}
			return '_'
		}, c))
		read := func(ext string) string { b, _ := os.ReadFile(f + ext); return string(b) }
		if rc := strings.TrimSpace(read(".rc")); rc != "1" {
			t.Errorf("credproc %s: exit %s, want 1", c, rc)
		}
		if o := read(".out"); o != "" {
			t.Errorf("credproc %s: stdout %q", c, o)
		}
		want := msg + "\ncredproc: hint: unlock the keyring: log in to the desktop session or open Passwords and Keys (seahorse); " +
			"headless, restart the daemon unlocked with `gnome-keyring-daemon --replace --unlock`, which reads the password on stdin\n"
		if got := read(".err"); got != want {
			t.Errorf("credproc %s: stderr\n%q\nwant\n%q", c, got, want)
		}
	}
}
