//go:build unix

package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

var (
	whoamiOnce sync.Once
	whoamiPath string
	whoamiErr  error
)

// whoami builds internal/testcmd/whoami: it prints the account of the
// credentials the Go SDK's default chain finds.
func whoami(t *testing.T) string {
	t.Helper()
	whoamiOnce.Do(func() {
		whoamiPath = filepath.Join(binDir, "whoami")
		out, err := exec.Command("go", "build", "-o", whoamiPath, "./internal/testcmd/whoami").CombinedOutput()
		if err != nil {
			whoamiErr = fmt.Errorf("build whoami: %v\n%s", err, out)
		}
	})
	if whoamiErr != nil {
		t.Fatal(whoamiErr)
	}
	return whoamiPath
}

// execOrgWorld is an organization with the world's special accounts plus
// n plain member accounts whose role trusts the management account, two
// without a role and one suspended. It returns the plain accounts' IDs.
func execOrgWorld(t *testing.T, n int) (*world, []string) {
	w := orgWorld(t)
	w.orgAddAccount(memberAccount, "Member")
	w.orgAddAccount(mfaAccount, "Needs MFA")
	w.orgAddAccount(untrustAccount, "Untrusting")
	var ids []string
	for i := range n {
		id := fmt.Sprintf("8%011d", i+1)
		w.orgAddAccount(id, fmt.Sprintf("Team %04d", i))
		w.srv.CreateRole(awstest.Role{Account: id, Name: "OrganizationAccountAccessRole", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}})
		ids = append(ids, id)
	}
	w.orgAddAccount("900000000001", "No Role A")
	w.orgAddAccount("900000000002", "No Role B")
	w.srv.AddAccount(awstest.Account{ID: "900000000003", Name: "Suspended", Email: "s@example.com", Status: "SUSPENDED"})
	return w, ids
}

const execOrgMFAProcess = `sh -c 'printf %s "$MFA_SECRET" | oathtool --totp -b -'`

// execOrgLines maps each "NAME (ID) | TEXT" line of out to ID -> TEXTs.
func execOrgLines(t *testing.T, out string) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		label, text, ok := strings.Cut(sc.Text(), " | ")
		i := strings.LastIndex(label, " (")
		if !ok || i < 0 || !strings.HasSuffix(label, ")") {
			t.Errorf("line without the account prefix: %q", sc.Text())
			continue
		}
		id := label[i+2 : len(label)-1]
		got[id] = append(got[id], text)
	}
	return got
}

// TestExecOrg: one line per assumable active account, each with the
// account the child's Go SDK saw; the accounts whose role is missing or
// does not trust the source are failures in the summary and the exit code;
// one MFA code for the whole run.
func TestExecOrg(t *testing.T) {
	requireReal(t, lookPath("oathtool"), "oathtool (Debian package oathtool)")
	w, ids := execOrgWorld(t, 40)
	who := whoami(t)
	stdout, stderr, err := w.run("exec", "--org", "--source", "mgmt", "--mfa-serial", w.getenv("MFA_SERIAL"),
		"--mfa-process", execOrgMFAProcess, "--parallel", "8", "--region", "us-east-1", "--", who)
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit code %d, want 1 (failed accounts)\n%s", code, stderr)
	}
	got := execOrgLines(t, stdout)
	want := append(slices.Clone(ids), memberAccount, mfaAccount)
	for _, id := range want {
		if !slices.Equal(got[id], []string{id}) {
			t.Errorf("account %s printed %q, want its own ID once", id, got[id])
		}
	}
	if len(got) != len(want) {
		t.Errorf("%d accounts printed, want %d: %v", len(got), len(want), got)
	}
	if n := w.srv.Calls("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken called %d times, want 1 (one MFA code per run)", n)
	}
	// The summary: failures first, with the short reason.
	lines := strings.Split(stderr, "\n")
	header := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "credproc: ACCOUNT") })
	if header < 0 {
		t.Fatalf("no summary table:\n%s", stderr)
	}
	failures := lines[header+1 : header+4]
	for _, f := range failures {
		if !strings.Contains(f, " - ") && !strings.Contains(f, "  -  ") {
			t.Errorf("failure row without '-' exit code: %q", f)
		}
	}
	joined := strings.Join(failures, "\n")
	for _, id := range []string{untrustAccount, "900000000001", "900000000002"} {
		if !strings.Contains(joined, "("+id+")") {
			t.Errorf("account %s not among the first rows (failures):\n%s", id, joined)
		}
	}
	if !strings.Contains(joined, "AccessDenied") {
		t.Errorf("no short reason:\n%s", joined)
	}
	if strings.Contains(stderr, "900000000003") || strings.Contains(stderr, "("+mgmtAccount+")") {
		t.Errorf("the suspended or the management account ran:\n%s", stderr)
	}
	if !strings.Contains(stderr, fmt.Sprintf("credproc: %d of %d accounts succeeded, 3 failed, in ", len(want), len(want)+3)) {
		t.Errorf("no closing line:\n%s", stderr)
	}
	for _, s := range append(w.secrets, w.srv.Secrets()...) {
		if strings.Contains(stdout+stderr, s) {
			t.Errorf("a secret reached the output")
		}
	}
}

// TestExecOrgSelect: --ou takes an OU and everything under it, --accounts
// exactly the IDs named (the management account too), --exclude removes.
func TestExecOrgSelect(t *testing.T) {
	w, ids := execOrgWorld(t, 10)
	ou1 := w.srv.CreateOU(w.srv.Root(), "Sandbox")
	ou2 := w.srv.CreateOU(ou1, "Deep")
	other := w.srv.CreateOU(w.srv.Root(), "Other")
	w.srv.MoveAccount(ids[0], ou1)
	w.srv.MoveAccount(ids[1], ou2)
	w.srv.MoveAccount(ids[2], ou2)
	w.srv.MoveAccount(ids[3], other)
	run := func(args ...string) map[string][]string {
		t.Helper()
		args = append([]string{"exec", "--org", "--source", "mgmt"}, args...)
		stdout, stderr, err := w.run(append(args, "--", "sh", "-c", `echo "$CREDPROC_ACCOUNT_ID $CREDPROC_ACCOUNT_NAME"`)...)
		if err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
		return execOrgLines(t, stdout)
	}
	keys := func(m map[string][]string) []string {
		var k []string
		for id := range m {
			k = append(k, id)
		}
		slices.Sort(k)
		return k
	}
	if got, want := keys(run("--ou", ou1)), []string{ids[0], ids[1], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("--ou %s ran %v, want %v", ou1, got, want)
	}
	if got, want := keys(run("--ou", ou2, "--ou", other)), []string{ids[1], ids[2], ids[3]}; !slices.Equal(got, want) {
		t.Errorf("--ou twice ran %v, want %v", got, want)
	}
	got := run("--accounts", memberAccount+","+mgmtAccount)
	if k := keys(got); !slices.Equal(k, []string{mgmtAccount, memberAccount}) {
		t.Errorf("--accounts ran %v", k)
	}
	if !slices.Equal(got[memberAccount], []string{memberAccount + " Member"}) {
		t.Errorf("CREDPROC_ACCOUNT_ID/NAME: %q", got[memberAccount])
	}
	if got, want := keys(run("--ou", ou1, "--exclude", ids[1])), []string{ids[0], ids[2]}; !slices.Equal(got, want) {
		t.Errorf("--exclude ran %v, want %v", got, want)
	}
	// Bad input: one error line, nothing on stdout, nothing run.
	for _, tc := range []struct{ args []string }{
		{[]string{"--accounts", "12345"}},
		{[]string{"--accounts", "900000000003"}}, // suspended
		{[]string{"--ou", "ou-nope-12345678"}},
		{[]string{"--role-arn", "arn:aws:iam::222222222222:role/x"}},
		{[]string{"--parallel", "0"}},
	} {
		args := append([]string{"exec", "--org", "--source", "mgmt"}, tc.args...)
		stdout, stderr, err := w.run(append(args, "--", "sh", "-c", "echo ran")...)
		if err == nil || stdout != "" || !strings.HasPrefix(stderr, "credproc: error: ") || strings.Count(stderr, "\n") > 3 {
			t.Errorf("%v: err %v, stdout %q, stderr %q", tc.args, err, stdout, stderr)
		}
	}
}

// TestExecOrgInterrupt: SIGINT mid-run stops starting accounts, reaches the
// running commands and still prints the summary.
func TestExecOrgInterrupt(t *testing.T) {
	w, _ := execOrgWorld(t, 30)
	cmd := exec.Command(filepath.Join(binDir, "credproc"), "exec", "--org", "--source", "mgmt", "--parallel", "2", "--",
		"sh", "-c", `trap 'echo stopped; kill $!; exit 7' INT; echo started; sleep 30 & wait`)
	cmd.Env = w.env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	if !sc.Scan() || !strings.HasSuffix(sc.Text(), "| started") {
		t.Fatalf("first line %q", sc.Text())
	}
	time.Sleep(200 * time.Millisecond)
	cmd.Process.Signal(syscall.SIGINT)
	var rest []string
	for sc.Scan() {
		rest = append(rest, sc.Text())
	}
	code := waitExit(t, cmd)
	if code != 130 {
		t.Errorf("exit code %d, want 130", code)
	}
	if n := strings.Count(strings.Join(rest, "\n"), "| stopped"); n < 1 || n > 2 {
		t.Errorf("%d commands saw the signal, want the running ones (1-2):\n%s", n, rest)
	}
	if !strings.Contains(stderr.String(), "credproc: ACCOUNT") || !strings.Contains(stderr.String(), "not started (interrupted)") {
		t.Errorf("no summary after the interrupt:\n%s", stderr.String())
	}
}

// TestExecOrg1000 is the proof at scale: 1,000 accounts, 16 at a
// time, the Go SDK in each child.
func TestExecOrg1000(t *testing.T) {
	if testing.Short() {
		t.Skip("1,000 child processes; not with -short")
	}
	w, ids := execOrgWorld(t, 995)
	who := whoami(t)
	start := time.Now()
	stdout, stderr, err := w.run("exec", "--org", "--source", "mgmt", "--parallel", "16", "--region", "us-east-1", "--", who)
	el := time.Since(start)
	t.Logf("exec --org over %d accounts: %s (%.1f accounts/s)", len(ids)+5, el, float64(len(ids)+5)/el.Seconds())
	if code := exitCode(err); code != 1 {
		t.Fatalf("exit code %d, want 1\n%s", code, stderr[max(0, len(stderr)-2000):])
	}
	got := execOrgLines(t, stdout)
	for _, id := range append(ids, memberAccount) {
		if !slices.Equal(got[id], []string{id}) {
			t.Errorf("account %s printed %q", id, got[id])
		}
	}
	if len(got) != len(ids)+1 {
		t.Errorf("%d accounts printed, want %d", len(got), len(ids)+1)
	}
	// MFA account (no MFA given), untrusting, two without a role.
	if !strings.Contains(stderr, fmt.Sprintf("credproc: %d of %d accounts succeeded, 4 failed", len(ids)+1, len(ids)+5)) {
		t.Errorf("closing line:\n%s", stderr[max(0, len(stderr)-500):])
	}
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	if ee, ok := err.(*exec.ExitError); ok {
		return ee.ExitCode()
	}
	return -1
}

// TestExecOrgProgress: on a terminal, a live progress line on stderr,
// erased before every output line and at the end; without one, none.
func TestExecOrgProgress(t *testing.T) {
	w, _ := execOrgWorld(t, 5)
	cmd := exec.Command(filepath.Join(binDir, "credproc"), "exec", "--org", "--source", "mgmt", "--parallel", "1", "--exclude", untrustAccount+",900000000001,900000000002",
		"--", "sh", "-c", "sleep 0.4; echo hi")
	cmd.Env = w.env
	text, code := onPTY(t, cmd)
	if code != 1 { // the MFA account fails without --mfa-serial
		t.Errorf("exit code %d\n%s", code, text)
	}
	if !regexp.MustCompile(`\r\x1b\[Kcredproc: [0-9]+/7 done, [01] failed, 1 running, [0-9]+s`).MatchString(text) {
		t.Errorf("no progress line:\n%q", text)
	}
	if !strings.Contains(text, "\r\x1b[KMember (222222222222) | hi") && !strings.Contains(text, "Member (222222222222) | hi") {
		t.Errorf("no prefixed line:\n%q", text)
	}
	// Without a terminal: no progress line.
	_, stderr, _ := w.run("exec", "--org", "--source", "mgmt", "--parallel", "1", "--accounts", memberAccount, "--", "sh", "-c", "sleep 0.4; echo hi")
	if strings.Contains(stderr, "\x1b[K") || strings.Contains(stderr, "running,") {
		t.Errorf("progress without a terminal:\n%q", stderr)
	}
}

// TestExecOrgOutputDirServer: --output-dir writes one file per account and
// stream; --server gives each account's command its own endpoint, which
// the Go SDK's default chain uses, and no keys.
func TestExecOrgOutputDirServer(t *testing.T) {
	w, ids := execOrgWorld(t, 3)
	who := whoami(t)
	dir := filepath.Join(t.TempDir(), "out")
	accounts := strings.Join(append(slices.Clone(ids), memberAccount), ",")
	stdout, stderr, err := w.run("exec", "--org", "--source", "mgmt", "--accounts", accounts, "--output-dir", dir, "--server", "--region", "us-east-1",
		"--", "sh", "-c", `"$0"; echo "key:${AWS_ACCESS_KEY_ID:-none}" >&2`, who)
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	if stdout != "" {
		t.Errorf("stdout with --output-dir: %q", stdout)
	}
	for i, id := range ids {
		base := filepath.Join(dir, fmt.Sprintf("%s-team-%04d", id, i))
		if got := orgReadFile(t, base+".stdout"); got != id+"\n" {
			t.Errorf("%s.stdout = %q, want the account", base, got)
		}
		if got := orgReadFile(t, base+".stderr"); got != "key:none\n" {
			t.Errorf("%s.stderr = %q, want no static key", base, got)
		}
	}
	if got := orgReadFile(t, filepath.Join(dir, memberAccount+"-member.stdout")); got != memberAccount+"\n" {
		t.Errorf("member: %q", got)
	}
}
