//go:build unix

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

// memberSession is the role session ARN credproc's member profile signs in as.
const memberSession = "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/credproc-mgmt"

// consoleWorld is a world with source mgmt, profile member, and the
// emulator's federation endpoint in place of AWS's.
func consoleWorld(t *testing.T) *world {
	w := e2e(t)
	w.addSource(t, "mgmt")
	execTestSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	w.env = append(w.env, "CREDPROC_FEDERATION_URL="+w.srv.URL+awstest.FederationPath)
	return w
}

// runConsole runs credproc with args and env (KEY=VALUE, overriding).
func runConsole(w *world, env []string, args ...string) (stdout, stderr string, err error) {
	cmd := execTestCmd(w, env, args...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// noSecretIn fails the test if out holds a secret the world issued,
// console sign-in tokens included.
func noSecretIn(t *testing.T, w *world, name, out string) {
	t.Helper()
	for _, s := range append(w.srv.Secrets(), w.secrets...) {
		if strings.Contains(out, s) {
			t.Errorf("a secret reached %s: %q", name, out)
		}
	}
}

// checkLogin checks that login is a sign-in URL the emulator accepts: its
// token signs in as role session want, and following it redirects to dest.
func checkLogin(t *testing.T, w *world, login, want, dest string) {
	t.Helper()
	u, err := url.Parse(strings.TrimSpace(login))
	if err != nil {
		t.Fatalf("sign-in URL: %v", err)
	}
	q := u.Query()
	if q.Get("Action") != "login" || q.Get("Issuer") != "credproc" || q.Get("Destination") != dest {
		t.Errorf("sign-in URL query: %v", q)
	}
	if arn, ok := w.srv.SigninTokenRole(q.Get("SigninToken")); !ok || arn != want {
		t.Errorf("sign-in token: role session %q, valid %v; want %q", arn, ok, want)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != dest {
		t.Errorf("login: %s to %q, want 302 to %q", resp.Status, resp.Header.Get("Location"), dest)
	}
}

func TestConsolePrintSignsIn(t *testing.T) {
	w := consoleWorld(t)
	stdout, stderr, err := runConsole(w, nil, "console", "--profile", "member", "--print")
	if err != nil || stderr != "" {
		t.Fatalf("console --print: %v\n%s", err, stderr)
	}
	if strings.Count(stdout, "\n") != 1 {
		t.Errorf("stdout is not one line: %q", stdout)
	}
	checkLogin(t, w, stdout, memberSession, "https://console.aws.amazon.com/")

	const dest = "https://eu-west-1.console.aws.amazon.com/ec2/home?region=eu-west-1#Instances:"
	stdout, stderr, err = runConsole(w, []string{"AWS_PROFILE=member"}, "console", "--print", "--duration", "12h", "--destination", dest)
	if err != nil || stderr != "" {
		t.Fatalf("console --print --duration 12h: %v\n%s", err, stderr)
	}
	checkLogin(t, w, stdout, memberSession, dest)
	if n := w.srv.Succeeded("getSigninToken"); n != 2 {
		t.Errorf("getSigninToken succeeded %d times, want 2", n)
	}
}

// fakeOpener puts an xdg-open first on PATH that hands its arguments to
// the test through a FIFO (nothing is stored) and quotes them on its own
// stdout and stderr, as real openers do in their messages. It returns the
// environment to run credproc with and a function returning the arguments.
func fakeOpener(t *testing.T, w *world, exit int) ([]string, func() []string) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	script := "#!/bin/sh\nprintf '%s\\0' \"$@\" > \"$OPENER_FIFO\"\necho \"opening $*\"\necho \"xdg-open: cannot open $*\" >&2\nexit " + strconv.Itoa(exit) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "xdg-open"), []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	got := make(chan []byte, 1)
	go func() {
		f, err := os.Open(fifo) // blocks until the opener, or the cleanup, opens it
		if err != nil {
			got <- nil
			return
		}
		b, _ := io.ReadAll(f)
		f.Close()
		got <- b
	}()
	args := func() []string {
		select {
		case b := <-got:
			if len(b) == 0 {
				return nil
			}
			return strings.Split(strings.TrimSuffix(string(b), "\x00"), "\x00")
		case <-time.After(time.Second):
			// The opener never ran: release the reader.
			if f, err := os.OpenFile(fifo, os.O_WRONLY, 0); err == nil {
				f.Close()
			}
			<-got
			return nil
		}
	}
	return []string{"OPENER_FIFO=" + fifo, "PATH=" + dir + ":" + w.getenv("PATH")}, args
}

func TestConsoleOpensBrowser(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the fake opener is xdg-open, the Linux one")
	}
	w := consoleWorld(t)
	env, opened := fakeOpener(t, w, 0)
	stdout, stderr, err := runConsole(w, env, "console", "--profile", "member")
	args := opened()
	if err != nil {
		t.Fatalf("console: %v\n%s", err, stderr)
	}
	if len(args) != 1 {
		t.Fatalf("xdg-open got %d arguments, want the URL as one: %q", len(args), args)
	}
	checkLogin(t, w, args[0], memberSession, "https://console.aws.amazon.com/")
	if stdout != "" {
		t.Errorf("stdout: %q", stdout)
	}
	if !strings.Contains(stderr, "opened the AWS console as arn:aws:iam::222222222222:role/OrganizationAccountAccessRole") {
		t.Errorf("stderr: %q", stderr)
	}
	noSecretIn(t, w, "stdout", stdout)
	noSecretIn(t, w, "stderr", stderr)
}

func TestConsoleBrowserFails(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the fake opener is xdg-open, the Linux one")
	}
	w := consoleWorld(t)

	// No opener at all: say so, and point to --print.
	empty := t.TempDir()
	stdout, stderr, err := runConsole(w, []string{"PATH=" + empty}, "console", "--profile", "member")
	if err == nil || stdout != "" ||
		!strings.Contains(stderr, "credproc: error: cannot open a browser: xdg-open not found\n") ||
		!strings.Contains(stderr, "credproc: hint: print the sign-in URL with `credproc console --print`") {
		t.Errorf("no opener: %v, stdout %q, stderr %q", err, stdout, stderr)
	}
	noSecretIn(t, w, "stderr", stderr)

	// An opener that fails: its messages (which quote the URL) are not shown.
	env, opened := fakeOpener(t, w, 3)
	stdout, stderr, err = runConsole(w, env, "console", "--profile", "member")
	opened()
	if err == nil || stdout != "" || !strings.Contains(stderr, "credproc: error: cannot open a browser: xdg-open failed (exit status 3)") {
		t.Errorf("failing opener: %v, stdout %q, stderr %q", err, stdout, stderr)
	}
	if strings.Contains(stderr, "SigninToken") || strings.Contains(stderr, "opening") {
		t.Errorf("the opener's output reached stderr: %q", stderr)
	}
	noSecretIn(t, w, "stderr", stderr)
}

// TestConsoleChainedDuration: AWS refuses a console session length for
// role-chained credentials. credproc leaves it out for a role assumed with
// an MFA session, and asks again without it when the chaining comes from
// a source that already holds temporary credentials.
func TestConsoleChainedDuration(t *testing.T) {
	requireReal(t, lookPath("oathtool"), "oathtool (Debian package oathtool)")
	w := consoleWorld(t)

	execTestSetup(t, w, "secure", "--source", "mgmt", "--account", mfaAccount,
		"--mfa-serial", w.getenv("MFA_SERIAL"), "--mfa-process", "oathtool --totp -b "+w.getenv("MFA_SECRET"))
	stdout, stderr, err := runConsole(w, nil, "console", "--profile", "secure", "--print", "--duration", "4h")
	if err != nil {
		t.Fatalf("console secure: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "credproc: warning: --duration ignored: AWS takes no console session length for a role assumed with an MFA session") {
		t.Errorf("stderr: %q", stderr)
	}
	checkLogin(t, w, stdout, "arn:aws:sts::333333333333:assumed-role/OrganizationAccountAccessRole/credproc-mgmt", "https://console.aws.amazon.com/")
	if n := w.srv.Calls("getSigninToken"); n != 1 {
		t.Errorf("getSigninToken calls: %d, want 1 (no SessionDuration sent)", n)
	}
	noSecretIn(t, w, "stderr", stderr)

	// A source profile holding session credentials (as from SSO).
	out, stderr, err := runConsole(w, nil, "--source", "mgmt")
	if err != nil {
		t.Fatalf("session credentials: %v\n%s", err, stderr)
	}
	var c struct{ AccessKeyId, SecretAccessKey, SessionToken string }
	if err := json.Unmarshal([]byte(out), &c); err != nil {
		t.Fatal(err)
	}
	creds := "[tmp]\naws_access_key_id = " + c.AccessKeyId + "\naws_secret_access_key = " + c.SecretAccessKey + "\naws_session_token = " + c.SessionToken + "\n"
	if err := os.WriteFile(w.getenv("AWS_SHARED_CREDENTIALS_FILE"), []byte(creds), 0o600); err != nil {
		t.Fatal(err)
	}
	execTestSetup(t, w, "chained", "--source", "profile:tmp", "--account", memberAccount)
	w.srv.ResetCalls()
	stdout, stderr, err = runConsole(w, nil, "console", "--profile", "chained", "--print", "--duration", "4h")
	if err != nil {
		t.Fatalf("console chained: %v\n%s", err, stderr)
	}
	if !strings.Contains(stderr, "credproc: warning: --duration ignored: the sign-in endpoint refused a console session length") {
		t.Errorf("stderr: %q", stderr)
	}
	checkLogin(t, w, stdout, "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/credproc-profile-tmp", "https://console.aws.amazon.com/")
	if n, ok := w.srv.Calls("getSigninToken"), w.srv.Succeeded("getSigninToken"); n != 2 || ok != 1 {
		t.Errorf("getSigninToken: %d calls, %d succeeded; want 2 and 1", n, ok)
	}
	noSecretIn(t, w, "stderr", stderr)
}
