//go:build unix

package main

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awstest"
	"github.com/credproc/credproc/internal/totp"
)

// netnsChildEnv marks the test binary re-run inside a network namespace of
// its own (endpoint_e2e_test.go).
const netnsChildEnv = "CREDPROC_TEST_NETNS_CHILD"

// binDir holds the credproc binary built once for the end-to-end tests: the
// AWS CLI runs it by absolute path, as it would an installed one.
var binDir string

func TestMain(m *testing.M) {
	if os.Getenv(netnsChildEnv) == "1" {
		netnsChild() // endpoint_e2e_test.go: a child in its own network namespace
	}
	dir, err := os.MkdirTemp("", "credproc-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	// Built as README.md says to install it, so the tests run the binary users get.
	build := exec.Command("go", "build", "-o", filepath.Join(dir, "credproc"), ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := build.CombinedOutput()
	if err != nil {
		fmt.Fprintf(os.Stderr, "build credproc: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// requireReal skips a test that needs a real component the machine lacks,
// but fails it in CI, where every component must be present.
func requireReal(t testing.TB, ok bool, what string) {
	t.Helper()
	if ok {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatalf("CI must provide %s", what)
	}
	t.Skipf("needs %s (run the tests with .ci/with-keyring, see README)", what)
}

func haveSecretService() bool { return os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" }

func haveAWSCLIv2() bool {
	out, err := exec.Command("/usr/bin/aws", "--version").CombinedOutput()
	return err == nil && bytes.HasPrefix(out, []byte("aws-cli/2."))
}

// Accounts of the emulated organization.
const (
	mgmtAccount      = "111111111111"
	memberAccount    = "222222222222" // trusts the management account
	mfaAccount       = "333333333333" // trusts it only with MFA
	untrustAccount   = "444444444444" // trusts someone else
	externalAccount  = "555555555555" // requires an external ID
	secondMFAAccount = "666666666666" // another MFA-only account
)

// world is one emulated organization and the environment credproc runs in.
type world struct {
	srv       *awstest.Server
	env       []string // KEY=VALUE
	mfaSecret string
	secrets   []string // source secrets, for the leak check
	t         testing.TB
	trap      *trap // catches any request for a host but loopback
}

func newWorld(t testing.TB, home string) *world {
	srv := awstest.NewServer()
	w := &world{srv: srv, t: t, trap: newTrap(t)}
	aliceKey, aliceSecret := srv.CreateUser(mgmtAccount, "alice")
	bobKey, bobSecret := srv.CreateUser(mgmtAccount, "bob")
	srv.SetUserAllowedRoles(mgmtAccount, "bob") // bob may assume no role
	serial, seed := srv.EnableMFA(mgmtAccount, "alice", "alice")
	w.mfaSecret = seed
	w.secrets = []string{aliceSecret, bobSecret, seed}
	role := func(account string, r awstest.Role) {
		r.Account, r.Name = account, "OrganizationAccountAccessRole"
		if r.TrustedAccounts == nil && r.TrustedPrincipals == nil {
			r.TrustedAccounts = []string{mgmtAccount}
		}
		r.MaxSessionDuration = 12 * time.Hour
		r.Actions = []string{"*"}
		srv.CreateRole(r)
	}
	role(memberAccount, awstest.Role{})
	role(mfaAccount, awstest.Role{RequireMFA: true})
	role(secondMFAAccount, awstest.Role{RequireMFA: true})
	role(untrustAccount, awstest.Role{TrustedAccounts: []string{"999999999999"}})
	role(externalAccount, awstest.Role{ExternalID: "ext-5555"})

	svc := make([]byte, 6)
	rand.Read(svc)
	w.env = []string{
		"HOME=" + home,
		"AWS_CONFIG_FILE=" + filepath.Join(home, ".aws", "config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(home, ".aws", "credentials"),
		"XDG_CACHE_HOME=" + filepath.Join(home, ".cache"),
		"CREDPROC_KEYRING_SERVICE=credproc-test-" + hex.EncodeToString(svc),
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
		"AWS_ENDPOINT_URL_STS=" + srv.URL,
		"STS_URL=" + srv.URL,
		"ALICE_AKID=" + aliceKey, "ALICE_SECRET=" + aliceSecret,
		"BOB_AKID=" + bobKey, "BOB_SECRET=" + bobSecret,
		"MFA_SERIAL=" + serial, "MFA_SECRET=" + seed,
		"MGMT=" + mgmtAccount, "MEMBER=" + memberAccount, "MFA_ACCOUNT=" + mfaAccount,
		"MFA_ACCOUNT2=" + secondMFAAccount, "UNTRUST=" + untrustAccount, "EXTERNAL=" + externalAccount,
		// /usr/bin first: the AWS CLI v2 from Debian, not a v1 earlier on PATH.
		"PATH=" + binDir + ":/usr/bin:/bin:/usr/sbin:/sbin",
		"DBUS_SESSION_BUS_ADDRESS=" + os.Getenv("DBUS_SESSION_BUS_ADDRESS"),
	}
	w.env = append(w.env, w.trap.env()...)
	return w
}

func (w *world) getenv(k string) string {
	for _, kv := range w.env {
		if v, ok := strings.CutPrefix(kv, k+"="); ok {
			return v
		}
	}
	return ""
}

// cleanup deletes what the test stored in the real keyring.
func (w *world) cleanup() {
	st := cache.OpenDefault(w.getenv("CREDPROC_KEYRING_SERVICE"), filepath.Join(w.getenv("XDG_CACHE_HOME"), "credproc"))
	if entries, err := st.Entries(); err == nil {
		for _, e := range entries {
			st.DeleteSession(e.Key)
		}
	}
	if names, err := st.Sources(); err == nil {
		for _, n := range names {
			st.DeleteSource(n)
		}
	}
	w.srv.Close()
	if hosts := w.trap.close(); len(hosts) > 0 {
		w.t.Errorf("requests tried to leave the machine (caught by the loopback guard) in the world at %s: %v", w.getenv("HOME"), hosts)
	}
}

// leaks returns the files under root that contain a secret.
func (w *world) leaks(root string) []string {
	secrets := append(w.srv.Secrets(), w.secrets...)
	var bad []string
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil
		}
		for _, s := range secrets {
			if bytes.Contains(b, []byte(s)) {
				bad = append(bad, path)
				break
			}
		}
		return nil
	})
	return bad
}

func TestScripts(t *testing.T) {
	requireReal(t, haveSecretService(), "a Secret Service (D-Bus session bus with gnome-keyring)")
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	worlds := sync.Map{}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(e *testscript.Env) error {
			w := newWorld(t, filepath.Join(e.WorkDir, "home"))
			worlds.Store(e.WorkDir, w)
			e.Vars = append(e.Vars, w.env...)
			e.Defer(w.cleanup)
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// calls ACTION N: the emulator received N requests for ACTION.
			"calls": func(ts *testscript.TestScript, neg bool, args []string) {
				w := lookupWorld(ts, &worlds)
				if len(args) != 2 {
					ts.Fatalf("usage: calls ACTION N")
				}
				want, _ := strconv.Atoi(args[1])
				if got := w.srv.Calls(args[0]); (got == want) == neg {
					ts.Fatalf("%s calls: got %d, want %s%d", args[0], got, map[bool]string{true: "not ", false: ""}[neg], want)
				}
			},
			// resetcalls: zero the emulator's call counters.
			"resetcalls": func(ts *testscript.TestScript, neg bool, args []string) {
				lookupWorld(ts, &worlds).srv.ResetCalls()
			},
			// nosecrets [stdout]: no file in the work directory (HOME, TMPDIR,
			// config, cache dir) holds a secret key, session token or MFA seed,
			// nor does the last command's stderr (and stdout, if named).
			"nosecrets": func(ts *testscript.TestScript, neg bool, args []string) {
				w := lookupWorld(ts, &worlds)
				if bad := w.leaks(ts.Getenv("WORK")); len(bad) > 0 {
					ts.Fatalf("secrets found in %v", bad)
				}
				for _, name := range append([]string{"stderr"}, args...) {
					out := ts.ReadFile(name)
					for _, s := range append(w.srv.Secrets(), w.secrets...) {
						if strings.Contains(out, s) {
							ts.Fatalf("a secret reached %s", name)
						}
					}
				}
			},
			// tty CODES PROG ARGS...: run PROG with a pseudo-terminal as its
			// controlling terminal (stdin is /dev/null), answering each "MFA
			// code" prompt with the next of the comma-separated CODES ("now" is
			// the current TOTP code, "next" the next step's; "-" answers
			// nothing). The terminal
			// transcript is appended to stderr.
			"tty": func(ts *testscript.TestScript, neg bool, args []string) {
				outW, errW := ts.Stdout(), ts.Stderr()
				w := lookupWorld(ts, &worlds)
				if len(args) < 2 {
					ts.Fatalf("usage: tty CODES PROG ARGS...")
				}
				codes := strings.Split(args[0], ",")
				if args[0] == "-" {
					codes = nil // answer nothing
				}
				stdout, stderr, err := runOnTTY(ts, w, codes, args[1], args[2:])
				fmt.Fprint(outW, stdout)
				fmt.Fprint(errW, stderr)
				if (err != nil) != neg {
					ts.Fatalf("tty %s: %v", args[1], err)
				}
			},
		},
	})
}

func lookupWorld(ts *testscript.TestScript, m *sync.Map) *world {
	w, ok := m.Load(ts.Getenv("WORK"))
	if !ok {
		ts.Fatalf("no world for this script")
	}
	return w.(*world)
}

// runOnTTY runs prog with a new pseudo-terminal as controlling terminal and
// answers MFA prompts with codes. It returns stdout and the terminal
// transcript plus stderr.
func runOnTTY(ts *testscript.TestScript, w *world, codes []string, prog string, args []string) (string, string, error) {
	if prog == "credproc" {
		prog = filepath.Join(binDir, "credproc")
	}
	cmd := exec.Command(prog, args...)
	cmd.Dir = ts.Getenv("WORK")
	cmd.Env = append(os.Environ()[:0:0], w.env...)
	cmd.Env = append(cmd.Env, "TMPDIR="+ts.Getenv("TMPDIR"), "CREDPROC_PROMPT_TIMEOUT="+ts.Getenv("CREDPROC_PROMPT_TIMEOUT"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	sent := 0
	transcript, err := withTTY(cmd, 30*time.Second, func(text string) (string, bool) {
		if strings.Count(text, "MFA code for") <= sent || sent >= len(codes) {
			return "", false
		}
		code := codes[sent]
		switch code {
		case "now":
			code, _ = totp.Code(w.mfaSecret, time.Now())
		case "next":
			code, _ = totp.Code(w.mfaSecret, time.Now().Add(30*time.Second))
		}
		sent++
		return code, true
	})
	if errors.Is(err, errTTYTimeout) {
		return stdout.String(), transcript, err
	}
	return stdout.String(), transcript + stderr.String(), err
}

// e2e starts a world for a Go end-to-end test: the emulated organization,
// a HOME under t.TempDir, the real Secret Service (under a service name of
// its own) and the built credproc binary. It is the shared harness for
// tests that read better in Go than as a script.
func e2e(t *testing.T) *world {
	t.Helper()
	requireReal(t, haveSecretService(), "a Secret Service (D-Bus session bus with gnome-keyring)")
	w := newWorld(t, filepath.Join(t.TempDir(), "home"))
	// The built binary lies under the system's temporary directory; a
	// private TMPDIR keeps setup's warning about that out of the tests.
	w.env = append(w.env, "TMPDIR="+t.TempDir())
	t.Cleanup(w.cleanup)
	return w
}

// run runs the built credproc (or, when args[0] is "aws", /usr/bin/aws) in
// the world's environment with no terminal and stdin from /dev/null.
func (w *world) run(args ...string) (stdout, stderr string, err error) {
	prog := filepath.Join(binDir, "credproc")
	if len(args) > 0 && args[0] == "aws" {
		prog, args = "/usr/bin/aws", args[1:]
	}
	cmd := exec.Command(prog, args...)
	cmd.Env = append([]string{}, w.env...)
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err = cmd.Run()
	return o.String(), e.String(), err
}

// addSource stores alice's key as source name through `credproc add --env`.
func (w *world) addSource(t *testing.T, name string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), "add", name, "--env")
	cmd.Env = append(append([]string{}, w.env...), "AWS_ACCESS_KEY_ID="+w.getenv("ALICE_AKID"), "AWS_SECRET_ACCESS_KEY="+w.getenv("ALICE_SECRET"))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("credproc add: %v\n%s", err, out)
	}
}
