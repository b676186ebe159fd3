//go:build unix

package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/totp"
)

// irInvitedAccount joined the emulated organization by invitation: unlike
// the other member accounts it has no OrganizationAccountAccessRole.
const irInvitedAccount = "777777777777"

// initRoleWorld is an end-to-end world whose IAM calls go to the emulator,
// with alice's key stored as source mgmt.
func initRoleWorld(t *testing.T) *world {
	t.Helper()
	w := e2e(t)
	w.env = append(w.env, "AWS_ENDPOINT_URL_IAM="+w.srv.URL)
	w.addSource(t, "mgmt")
	return w
}

// irMemberAdmin creates IAM user name in account (an administrator unless
// restricted later) and writes its long-lived keys to the world's AWS
// credentials file as profile, as an administrator of an invited account
// would have them.
func irMemberAdmin(t *testing.T, w *world, account, name, profile string) {
	t.Helper()
	akid, secret := w.srv.CreateUser(account, name)
	path := w.getenv("AWS_SHARED_CREDENTIALS_FILE")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("[" + profile + "]\naws_access_key_id = " + akid + "\naws_secret_access_key = " + secret + "\n"); err != nil {
		t.Fatal(err)
	}
}

// irExitCode is the exit status of a w.run error (0 for nil).
func irExitCode(t *testing.T, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("run: %v", err)
	return -1
}

// irWantLines checks that out holds each of the lines (whole lines).
func irWantLines(t *testing.T, what, out string, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if !strings.Contains("\n"+out, "\n"+l+"\n") {
			t.Errorf("%s lacks the line %q:\n%s", what, l, out)
		}
	}
}

// irCallerArn runs `aws sts get-caller-identity` with profile through the
// real AWS CLI, which runs credproc as the profile's credential_process.
func irCallerArn(t *testing.T, w *world, profile string) string {
	t.Helper()
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	out, stderr, err := w.run("aws", "sts", "get-caller-identity", "--profile", profile,
		"--endpoint-url", w.srv.URL, "--output", "text", "--query", "Arn")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", profile, err, stderr)
	}
	return strings.TrimSpace(out)
}

func TestInitRoleE2ECreatesRole(t *testing.T) {
	w := initRoleWorld(t)
	irMemberAdmin(t, w, irInvitedAccount, "admin", "invited-admin")
	roleARN := "arn:aws:iam::" + irInvitedAccount + ":role/OrganizationAccountAccessRole"

	stdout, stderr, err := w.run("init-role", "--profile", "invited-admin", "--management-account", mgmtAccount, "--source", "mgmt")
	if irExitCode(t, err) != 0 || stdout != "" {
		t.Fatalf("init-role: %v, stdout %q, stderr:\n%s", err, stdout, stderr)
	}
	irWantLines(t, "stderr", stderr,
		"credproc: created role "+roleARN+": trusts account 111111111111, policy arn:aws:iam::aws:policy/AdministratorAccess",
		"credproc: verified: mgmt can assume "+roleARN)
	if n := w.srv.Succeeded("CreateRole"); n != 1 {
		t.Errorf("CreateRole succeeded %d times", n)
	}
	// The verifying session is not left in the cache.
	if out, _, _ := w.run("list"); strings.Contains(out, roleARN) {
		t.Errorf("credproc list shows the verifying session:\n%s", out)
	}

	// The management side uses it: through credproc, and through the AWS
	// CLI with a credproc profile.
	if _, stderr, err := w.run("setup", "invited", "--source", "mgmt", "--account", irInvitedAccount); err != nil {
		t.Fatalf("setup: %v\n%s", err, stderr)
	}
	if out, stderr, err := w.run("--profile", "invited"); err != nil || !strings.HasPrefix(out, `{"Version":1,`) {
		t.Fatalf("credproc --profile invited: %v\n%s%s", err, out, stderr)
	}
	if got, want := irCallerArn(t, w, "invited"), "arn:aws:sts::"+irInvitedAccount+":assumed-role/OrganizationAccountAccessRole/credproc-mgmt"; got != want {
		t.Errorf("caller %q, want %q", got, want)
	}

	// Running it again changes nothing.
	w.srv.ResetCalls()
	_, stderr, err = w.run("init-role", "--profile", "invited-admin", "--management-account", mgmtAccount, "--source", "mgmt")
	if irExitCode(t, err) != 0 {
		t.Fatalf("second run: %v\n%s", err, stderr)
	}
	irWantLines(t, "stderr", stderr, "credproc: verified: mgmt can assume "+roleARN)
	if !strings.Contains(stderr, "credproc: role "+roleARN+" is already set up") {
		t.Errorf("second run:\n%s", stderr)
	}
	for _, op := range []string{"CreateRole", "AttachRolePolicy", "UpdateAssumeRolePolicy", "TagRole"} {
		if n := w.srv.Calls(op); n != 0 {
			t.Errorf("second run called %s %d times", op, n)
		}
	}
	if n := w.srv.Succeeded("AssumeRole"); n != 1 {
		t.Errorf("the second verification made %d AssumeRole calls, want 1 (not from the cache)", n)
	}
}

func TestInitRoleE2ERequireMFA(t *testing.T) {
	w := initRoleWorld(t)
	irMemberAdmin(t, w, irInvitedAccount, "admin", "invited-admin")
	roleARN := "arn:aws:iam::" + irInvitedAccount + ":role/OrganizationAccountAccessRole"
	code, err := totp.Code(w.mfaSecret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	// The code comes from an mfa-process, as there is no terminal here.
	stdout, stderr, err := w.run("init-role", "--profile", "invited-admin", "--management-account", mgmtAccount, "--require-mfa",
		"--source", "mgmt", "--mfa-serial", w.getenv("MFA_SERIAL"), "--mfa-process", "echo "+code)
	if irExitCode(t, err) != 0 || stdout != "" {
		t.Fatalf("init-role --require-mfa: %v, stdout %q, stderr:\n%s", err, stdout, stderr)
	}
	irWantLines(t, "stderr", stderr,
		"credproc: created role "+roleARN+": trusts account 111111111111 with MFA, policy arn:aws:iam::aws:policy/AdministratorAccess",
		"credproc: verified: mgmt can assume "+roleARN)
	p, ok := w.srv.RoleTrustPolicy(roleARN)
	if !ok || len(p.Statements) != 1 || len(p.Statements[0].Conditions) != 1 || p.Statements[0].Conditions[0].Key != "aws:MultiFactorAuthPresent" {
		t.Errorf("trust policy %+v", p)
	}

	// Without MFA the role refuses the management account.
	if _, stderr, err := w.run("setup", "nomfa", "--source", "mgmt", "--account", irInvitedAccount); err != nil {
		t.Fatal(stderr)
	}
	_, stderr, err = w.run("--profile", "nomfa")
	if irExitCode(t, err) != 1 || !strings.Contains(stderr, "if the trust policy requires MFA, add --mfa-serial") {
		t.Errorf("credproc --profile nomfa: %v\n%s", err, stderr)
	}
	// With MFA it lets it in; the MFA session the verification made is
	// reused, so no code is asked for.
	if _, stderr, err := w.run("setup", "withmfa", "--source", "mgmt", "--account", irInvitedAccount, "--mfa-serial", w.getenv("MFA_SERIAL")); err != nil {
		t.Fatal(stderr)
	}
	if got, want := irCallerArn(t, w, "withmfa"), "arn:aws:sts::"+irInvitedAccount+":assumed-role/OrganizationAccountAccessRole/credproc-mgmt"; got != want {
		t.Errorf("caller %q, want %q", got, want)
	}
}

func TestInitRoleE2EWrongTrustPolicy(t *testing.T) {
	w := initRoleWorld(t)
	// untrustAccount's role trusts 999999999999, not the management account.
	irMemberAdmin(t, w, untrustAccount, "admin", "untrust-admin")
	roleARN := "arn:aws:iam::" + untrustAccount + ":role/OrganizationAccountAccessRole"
	if _, stderr, err := w.run("setup", "untrusted", "--source", "mgmt", "--account", untrustAccount); err != nil {
		t.Fatal(stderr)
	}
	if _, _, err := w.run("--profile", "untrusted"); err == nil {
		t.Fatal("the untrusting role can be assumed")
	}

	args := []string{"init-role", "--profile", "untrust-admin", "--management-account", mgmtAccount, "--source", "mgmt"}
	stdout, stderr, err := w.run(args...)
	if irExitCode(t, err) != 1 || stdout != "" {
		t.Fatalf("init-role: %v, stdout %q, stderr:\n%s", err, stdout, stderr)
	}
	irWantLines(t, "stderr", stderr,
		"credproc: difference: the trust policy also trusts arn:aws:iam::999999999999:root",
		"credproc: difference: the trust policy does not trust the management account 111111111111 (principal arn:aws:iam::111111111111:root)",
		"credproc: difference: policy arn:aws:iam::aws:policy/AdministratorAccess is not attached",
		"credproc: error: role "+roleARN+" differs from what init-role sets up (3 difference(s) above); nothing was changed")
	if !strings.Contains(stderr, "credproc: hint: add --update") {
		t.Errorf("no hint to --update:\n%s", stderr)
	}
	for _, op := range []string{"UpdateAssumeRolePolicy", "AttachRolePolicy", "CreateRole"} {
		if n := w.srv.Calls(op); n != 0 {
			t.Errorf("called %s %d times without --update", op, n)
		}
	}

	_, stderr, err = w.run(append(args, "--update")...)
	if irExitCode(t, err) != 0 {
		t.Fatalf("init-role --update: %v\n%s", err, stderr)
	}
	irWantLines(t, "stderr", stderr,
		"credproc: replaced the trust policy of role OrganizationAccountAccessRole",
		"credproc: attached policy arn:aws:iam::aws:policy/AdministratorAccess to role OrganizationAccountAccessRole",
		"credproc: verified: mgmt can assume "+roleARN)
	if got, want := irCallerArn(t, w, "untrusted"), "arn:aws:sts::"+untrustAccount+":assumed-role/OrganizationAccountAccessRole/credproc-mgmt"; got != want {
		t.Errorf("caller %q, want %q", got, want)
	}
}

// TestInitRoleE2EDryRun checks that a dry run changes nothing, and that
// the AWS CLI commands it prints, run as they are, set the role up exactly:
// init-role then finds nothing to change.
func TestInitRoleE2EDryRun(t *testing.T) {
	w := initRoleWorld(t)
	irMemberAdmin(t, w, irInvitedAccount, "admin", "invited-admin")
	args := []string{"init-role", "--profile", "invited-admin", "--management-account", mgmtAccount, "--require-mfa", "--source", "mgmt"}
	stdout, stderr, err := w.run(append(args, "--dry-run")...)
	if irExitCode(t, err) != 0 {
		t.Fatalf("dry run: %v\n%s", err, stderr)
	}
	for _, want := range []string{"\n# iam:CreateRole\naws iam create-role ", `"aws:MultiFactorAuthPresent": "true"`, "\n# iam:AttachRolePolicy\naws iam attach-role-policy "} {
		if !strings.Contains(stdout, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, stdout)
		}
	}
	for _, op := range []string{"CreateRole", "AttachRolePolicy", "UpdateAssumeRolePolicy", "TagRole", "AssumeRole", "GetSessionToken"} {
		if n := w.srv.Calls(op); n != 0 {
			t.Errorf("the dry run called %s %d times", op, n)
		}
	}

	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	script := "aws() { /usr/bin/aws --endpoint-url \"$IAM_URL\" --output text \"$@\"; }\nset -e\n" + stdout
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.Env = append(append([]string{}, w.env...), "IAM_URL="+w.srv.URL)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("running the dry run's commands: %v\n%s", err, out)
	}
	if n := w.srv.Succeeded("CreateRole"); n != 1 {
		t.Fatalf("the printed commands created %d roles", n)
	}
	w.srv.ResetCalls()
	_, stderr, err = w.run(args...)
	if irExitCode(t, err) != 0 || !strings.Contains(stderr, "is already set up") {
		t.Errorf("init-role after the printed commands: %v\n%s", err, stderr)
	}
	if n := w.srv.Calls("UpdateAssumeRolePolicy") + w.srv.Calls("AttachRolePolicy"); n != 0 {
		t.Errorf("init-role changed the role the printed commands made (%d calls)", n)
	}
}

func TestInitRoleE2ENotAdministrator(t *testing.T) {
	w := initRoleWorld(t)
	irMemberAdmin(t, w, irInvitedAccount, "dev", "dev")
	w.srv.SetUserActions(irInvitedAccount, "dev", "iam:GetRole", "iam:ListAttachedRolePolicies")
	stdout, stderr, err := w.run("init-role", "--profile", "dev", "--management-account", mgmtAccount, "--source", "mgmt")
	if irExitCode(t, err) != 1 || stdout != "" {
		t.Fatalf("init-role: %v, stdout %q, stderr:\n%s", err, stdout, stderr)
	}
	if !strings.Contains(stderr, "credproc: error: profile dev may not call iam:CreateRole in account 777777777777 (AccessDenied)") ||
		!strings.Contains(stderr, "credproc: hint: the profile is not an administrator of the member account") {
		t.Errorf("stderr:\n%s", stderr)
	}
	if n := w.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("verified a role that was not created (%d AssumeRole calls)", n)
	}
}

func TestInitRoleE2EBadInput(t *testing.T) {
	w := initRoleWorld(t)
	w.srv.ResetCalls()
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--management-account", mgmtAccount}, "credproc: error: init-role: give --profile P"},
		{[]string{"--profile", "x", "--management-account", "1111"}, `credproc: error: init-role: --management-account: invalid account ID "1111"`},
		{[]string{"--profile", "x", "--management-account", "11111111111a"}, "an AWS account ID is exactly 12 digits"},
		{[]string{"--profile", "x"}, "give --management-account ID"},
		{[]string{"--profile", "x", "--management-account", mgmtAccount, "--policy-arn", "arn:aws:iam::aws:AdministratorAccess"}, "invalid --policy-arn"},
	} {
		stdout, stderr, err := w.run(append([]string{"init-role"}, c.args...)...)
		if irExitCode(t, err) != 2 || stdout != "" || !strings.Contains(stderr, c.want) {
			t.Errorf("init-role %q: %v, stdout %q, stderr:\n%s", c.args, err, stdout, stderr)
		}
	}
	if log := w.srv.Log(); len(log) != 0 {
		t.Errorf("bad input reached AWS: %+v", log)
	}
}
