package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awstest"
)

func TestInitRoleTrustPolicyDocument(t *testing.T) {
	w := desiredRole("aws", &initRole{mgmt: "111111111111", roleName: "OrganizationAccountAccessRole", policyARN: "arn:aws:iam::aws:policy/AdministratorAccess"})
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111111111111:root"
      },
      "Action": "sts:AssumeRole"
    }
  ]
}`
	if w.trust != want {
		t.Errorf("trust policy:\n%s\nwant:\n%s", w.trust, want)
	}
	mfa := desiredRole("aws-cn", &initRole{mgmt: "111111111111", roleName: "R", requireMFA: true})
	var d policyDoc
	if err := json.Unmarshal([]byte(mfa.trust), &d); err != nil {
		t.Fatal(err)
	}
	st := d.Statement[0]
	if st.Principal["AWS"] != "arn:aws-cn:iam::111111111111:root" || st.Condition["Bool"]["aws:MultiFactorAuthPresent"] != "true" {
		t.Errorf("MFA trust policy in aws-cn: %s", mfa.trust)
	}
}

func TestInitRoleCompareAttachedPolicies(t *testing.T) {
	o := &initRole{mgmt: "111111111111", roleName: "R", policyARN: "arn:aws:iam::aws:policy/AdministratorAccess"}
	w := desiredRole("aws", o)
	have := &existingRole{arn: "arn:aws:iam::222222222222:role/R", trust: url.PathEscape(w.trust), attached: []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}}
	have.trust = decodePolicy(have.trust)
	diffs, extras, calls := w.compare(have)
	if len(diffs) != 1 || diffs[0] != "policy arn:aws:iam::aws:policy/AdministratorAccess is not attached" {
		t.Errorf("diffs = %q", diffs)
	}
	if len(extras) != 1 || extras[0] != "arn:aws:iam::aws:policy/ReadOnlyAccess" {
		t.Errorf("extras = %q", extras)
	}
	if len(calls) != 1 || calls[0].op != "iam:AttachRolePolicy" {
		t.Errorf("calls = %v", calls)
	}
	have.attached = append(have.attached, o.policyARN)
	if diffs, _, calls := w.compare(have); len(diffs) != 0 || len(calls) != 0 {
		t.Errorf("a matching role: diffs %q, %d calls", diffs, len(calls))
	}
}

func TestInitRoleDecodePolicy(t *testing.T) {
	doc := `{"Statement":[{"Condition":{"StringEquals":{"sts:ExternalId":"a+b c%"}}}]}`
	// IAM returns documents percent-encoded as RFC 3986 says: '+' stays a
	// plus sign, unlike form encoding.
	enc := strings.ReplaceAll(url.PathEscape(doc), "+", "%2B")
	if got := decodePolicy(enc); got != doc {
		t.Errorf("decodePolicy(%s) = %s", enc, got)
	}
	if got := decodePolicy(doc); got != doc {
		t.Errorf("decodePolicy of plain JSON = %s", got)
	}
}

func TestInitRoleBadInput(t *testing.T) {
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--management-account", "111111111111"}, "give --profile"},
		{[]string{"--profile", "admin"}, "give --management-account"},
		{[]string{"--profile", "admin", "--management-account", "11111111111"}, "exactly 12 digits"},
		{[]string{"--profile", "admin", "--management-account", "1111111111112"}, "exactly 12 digits"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "--role-name", "a b"}, "invalid role name"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "--policy-arn", "AdministratorAccess"}, "invalid --policy-arn"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "extra"}, "unexpected argument"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "--mfa-serial", "arn:aws:iam::111111111111:mfa/a"}, "--mfa-serial goes with --source"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "--source", "mgmt", "--mfa-process", "x"}, "--mfa-process needs --mfa-serial"},
		{[]string{"--profile", "admin", "--management-account", "111111111111", "--bogus"}, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		u := &ui{stdout: &out, stderr: &errb}
		code := 0
		if err := cmdInitRole(t.Context(), u, c.args); err != nil {
			code = u.fail(err)
		}
		if code != 2 || !strings.Contains(errb.String(), c.want) || out.Len() != 0 {
			t.Errorf("init-role %q: exit %d, stdout %q, stderr %q; want exit 2 and %q", c.args, code, out.String(), errb.String(), c.want)
		}
	}
}

func TestShellJoinRoundTrip(t *testing.T) {
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh")
	}
	args := []string{"aws", "iam", "x", "it's", "{\n  \"a\": \"b c\"\n}", "Key=created-by,Value=credproc", ""}
	line := shellJoin(args)
	got, err := exec.Command(sh, "-c", "for a in "+line+"; do printf '%s|' \"$a\"; done").Output()
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Join(args, "|") + "|"; string(got) != want {
		t.Errorf("shell read %q back as %q", line, got)
	}
}

// Accounts for the in-process init-role tests.
const (
	irMgmt    = "111111111111"
	irInvited = "777777777777"
	adminPol  = "arn:aws:iam::aws:policy/AdministratorAccess"
)

// initRoleEnv runs init-role in process against the emulator, with AWS
// files in a temporary directory. Its admin profiles hold static keys, so
// no keyring is needed; the end-to-end tests cover the rest.
type initRoleEnv struct {
	t     *testing.T
	srv   *awstest.Server
	creds string // credentials file
	keys  map[string]cache.Credentials
}

func newInitRoleEnv(t *testing.T) *initRoleEnv {
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	dir := t.TempDir()
	e := &initRoleEnv{t: t, srv: srv, creds: filepath.Join(dir, "credentials"), keys: map[string]cache.Credentials{}}
	for k, v := range map[string]string{
		"AWS_CONFIG_FILE":                     filepath.Join(dir, "config"),
		"AWS_SHARED_CREDENTIALS_FILE":         e.creds,
		"AWS_ENDPOINT_URL_IAM":                srv.URL,
		"AWS_ENDPOINT_URL_STS":                srv.URL,
		"AWS_ENDPOINT_URL":                    "",
		"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "",
		"AWS_REGION":                          "us-east-1",
		"AWS_DEFAULT_REGION":                  "",
		"CREDPROC_STATE_DIR":                  filepath.Join(dir, "state"),
		// Keyring look-ups (cache misses only) stay away from the user's entries.
		"CREDPROC_KEYRING_SERVICE": "credproc-initrole-test-" + filepath.Base(dir),
	} {
		t.Setenv(k, v)
	}
	return e
}

// user creates an IAM user and writes its keys as profile name.
func (e *initRoleEnv) user(account, name, profile string) {
	akid, secret := e.srv.CreateUser(account, name)
	e.keys[profile] = cache.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	f, err := os.OpenFile(e.creds, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o600)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("[" + profile + "]\naws_access_key_id = " + akid + "\naws_secret_access_key = " + secret + "\n"); err != nil {
		e.t.Fatal(err)
	}
}

// run runs init-role and returns its output and exit code.
func (e *initRoleEnv) run(args ...string) (stdout, stderr string, code int) {
	var out, errb bytes.Buffer
	u := &ui{stdout: &out, stderr: &errb}
	if err := cmdInitRole(e.t.Context(), u, args); err != nil {
		code = u.fail(err)
	}
	return out.String(), errb.String(), code
}

// assume reports whether profile's user can assume roleARN.
func (e *initRoleEnv) assume(profile, roleARN string) error {
	c := sts.NewFromConfig(sdkConfig(e.keys[profile], "us-east-1", "STS"))
	_, err := c.AssumeRole(e.t.Context(), &sts.AssumeRoleInput{RoleArn: aws.String(roleARN), RoleSessionName: aws.String("test")})
	return err
}

func TestInitRoleCreatesRole(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "admin", "invited-admin")
	e.user(irMgmt, "alice", "alice")
	roleARN := "arn:aws:iam::" + irInvited + ":role/OrganizationAccountAccessRole"
	if err := e.assume("alice", roleARN); err == nil {
		t.Fatal("the role can be assumed before init-role")
	}

	stdout, stderr, code := e.run("--profile", "invited-admin", "--management-account", irMgmt)
	if code != 0 || stdout != "" {
		t.Fatalf("init-role: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"credproc: profile invited-admin is arn:aws:iam::777777777777:user/admin (account 777777777777)\n",
		"credproc: created role arn:aws:iam::777777777777:role/OrganizationAccountAccessRole: trusts account 111111111111, policy " + adminPol + "\n",
		"credproc: next: credproc setup PROFILE --source NAME --account 777777777777\n",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}
	if got := e.srv.AttachedPolicies(roleARN); !slices.Equal(got, []string{adminPol}) {
		t.Errorf("attached policies %q", got)
	}
	if err := e.assume("alice", roleARN); err != nil {
		t.Errorf("the management account cannot assume the new role: %v", err)
	}
	// Description and tag, as IAM reports them.
	var out struct {
		Description string                        `xml:"Role>Description"`
		Tags        []struct{ Key, Value string } `xml:"Role>Tags>member"`
	}
	if err := awsapi.New(awsapi.IAM, e.keys["invited-admin"], "us-east-1").
		Query(t.Context(), "GetRole", url.Values{"RoleName": {"OrganizationAccountAccessRole"}}, &out); err != nil {
		t.Fatal(err)
	}
	if d := out.Description; !strings.Contains(d, "credproc") || !strings.Contains(d, irMgmt) {
		t.Errorf("description %q", d)
	}
	if len(out.Tags) != 1 || out.Tags[0].Key != "created-by" || out.Tags[0].Value != "credproc" {
		t.Errorf("tags %+v", out.Tags)
	}

	// Again: nothing to do, and it says so.
	stdout, stderr, code = e.run("--profile", "invited-admin", "--management-account", irMgmt)
	if code != 0 || stdout != "" || !strings.Contains(stderr, "credproc: role "+roleARN+" is already set up") {
		t.Errorf("second run: exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	if n := e.srv.Calls("CreateRole"); n != 1 {
		t.Errorf("CreateRole calls %d, want 1", n)
	}
	for _, op := range []string{"UpdateAssumeRolePolicy", "AttachRolePolicy"} {
		if n := e.srv.Succeeded(op); n > 1 {
			t.Errorf("%s succeeded %d times", op, n)
		}
	}
}

func TestInitRoleRequireMFAAndRoleName(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "admin", "invited-admin")
	_, stderr, code := e.run("--profile", "invited-admin", "--management-account", irMgmt, "--require-mfa",
		"--role-name", "Ops", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
	roleARN := "arn:aws:iam::" + irInvited + ":role/Ops"
	p, ok := e.srv.RoleTrustPolicy(roleARN)
	if !ok || len(p.Statements) != 1 {
		t.Fatalf("trust policy %+v", p)
	}
	want := awstest.Condition{Operator: "Bool", Key: "aws:MultiFactorAuthPresent", Values: []string{"true"}}
	if st := p.Statements[0]; len(st.Conditions) != 1 || st.Conditions[0].Operator != want.Operator || st.Conditions[0].Key != want.Key || !slices.Equal(st.Conditions[0].Values, want.Values) {
		t.Errorf("conditions %+v", st.Conditions)
	}
	if got := e.srv.AttachedPolicies(roleARN); !slices.Equal(got, []string{"arn:aws:iam::aws:policy/ReadOnlyAccess"}) {
		t.Errorf("attached %q", got)
	}
	if !strings.Contains(stderr, "--role-name Ops --mfa-serial ARN") {
		t.Errorf("the next step does not name the role and MFA:\n%s", stderr)
	}
	// Without MFA the management account is refused.
	e.user(irMgmt, "alice", "alice")
	if err := e.assume("alice", roleARN); credproc.ErrorCode(err) != "AccessDenied" {
		t.Errorf("AssumeRole without MFA: %v", err)
	}
	// Run without --require-mfa, the requirement is a difference.
	_, stderr, code = e.run("--profile", "invited-admin", "--management-account", irMgmt, "--role-name", "Ops", "--policy-arn", "arn:aws:iam::aws:policy/ReadOnlyAccess")
	if code != 1 || !strings.Contains(stderr, "credproc: difference: the trust policy requires MFA (aws:MultiFactorAuthPresent), but --require-mfa was not given\n") {
		t.Errorf("exit %d:\n%s", code, stderr)
	}
}

// wrongTrust is a trust policy that trusts another account, URL-unfriendly
// characters included.
const wrongTrust = `{"Version": "2012-10-17", "Statement": [{"Sid": "old+one", "Effect": "Allow", "Principal": {"AWS": "999999999999"}, "Action": "sts:AssumeRole"}]}`

func TestInitRoleWrongTrustPolicy(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "admin", "invited-admin")
	e.user(irMgmt, "alice", "alice")
	roleARN := e.srv.CreateRoleWithTrustPolicy(awstest.Role{Account: irInvited, Name: "OrganizationAccountAccessRole"}, wrongTrust)
	args := []string{"--profile", "invited-admin", "--management-account", irMgmt}

	stdout, stderr, code := e.run(args...)
	if code != 1 || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	for _, want := range []string{
		"credproc: difference: the trust policy also trusts arn:aws:iam::999999999999:root\n",
		"credproc: difference: the trust policy does not trust the management account 111111111111 (principal arn:aws:iam::111111111111:root)\n",
		"credproc: difference: policy " + adminPol + " is not attached\n",
		"credproc: error: role " + roleARN + " differs from what init-role sets up (3 difference(s) above); nothing was changed\n",
		"credproc: hint: add --update",
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr)
		}
	}

	// The dry run of the update prints the calls and makes none.
	stdout, stderr, code = e.run(append(args, "--update", "--dry-run")...)
	if code != 0 || !strings.Contains(stdout, "\n# iam:UpdateAssumeRolePolicy\naws iam update-assume-role-policy --role-name OrganizationAccountAccessRole --policy-document '{") ||
		!strings.Contains(stdout, "\n# iam:AttachRolePolicy\naws iam attach-role-policy --role-name OrganizationAccountAccessRole --policy-arn "+adminPol+" --profile invited-admin\n") {
		t.Errorf("dry run: exit %d, stdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	for _, op := range []string{"UpdateAssumeRolePolicy", "AttachRolePolicy", "CreateRole", "TagRole"} {
		if n := e.srv.Calls(op); n != 0 {
			t.Errorf("dry run called %s %d times", op, n)
		}
	}

	_, stderr, code = e.run(append(args, "--update")...)
	if code != 0 || !strings.Contains(stderr, "credproc: replaced the trust policy of role OrganizationAccountAccessRole\n") ||
		!strings.Contains(stderr, "credproc: attached policy "+adminPol+" to role OrganizationAccountAccessRole\n") {
		t.Fatalf("--update: exit %d:\n%s", code, stderr)
	}
	if err := e.assume("alice", roleARN); err != nil {
		t.Errorf("after --update the management account cannot assume the role: %v", err)
	}
	if _, stderr, code = e.run(args...); code != 0 || !strings.Contains(stderr, "is already set up") {
		t.Errorf("after --update: exit %d:\n%s", code, stderr)
	}
}

func TestInitRoleDryRunOutput(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "admin", "invited-admin")
	stdout, stderr, code := e.run("--profile", "invited-admin", "--management-account", irMgmt, "--require-mfa", "--dry-run")
	want := `# credproc init-role --dry-run: nothing was changed.
# role arn:aws:iam::777777777777:role/OrganizationAccountAccessRole does not exist.
# init-role would make these calls, as AWS CLI commands:

# iam:CreateRole
aws iam create-role --role-name OrganizationAccountAccessRole --description 'Lets the organization'\''s management account 111111111111 administer this account. Created by credproc init-role.' --tags Key=created-by,Value=credproc --assume-role-policy-document '{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "AWS": "arn:aws:iam::111111111111:root"
      },
      "Action": "sts:AssumeRole",
      "Condition": {
        "Bool": {
          "aws:MultiFactorAuthPresent": "true"
        }
      }
    }
  ]
}' --profile invited-admin

# iam:AttachRolePolicy
aws iam attach-role-policy --role-name OrganizationAccountAccessRole --policy-arn arn:aws:iam::aws:policy/AdministratorAccess --profile invited-admin
`
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\nstderr:\n%s", code, stdout, want, stderr)
	}
	for _, op := range []string{"CreateRole", "AttachRolePolicy", "TagRole"} {
		if n := e.srv.Calls(op); n != 0 {
			t.Errorf("dry run called %s %d times", op, n)
		}
	}
	if _, ok := e.srv.RoleTrustPolicy("arn:aws:iam::777777777777:role/OrganizationAccountAccessRole"); ok {
		t.Error("the dry run created the role")
	}
}

func TestInitRoleNotAdministrator(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "dev", "dev")
	e.srv.SetUserActions(irInvited, "dev", "iam:GetRole", "iam:ListAttachedRolePolicies")
	stdout, stderr, code := e.run("--profile", "dev", "--management-account", irMgmt)
	if code != 1 || stdout != "" ||
		!strings.Contains(stderr, "credproc: error: profile dev may not call iam:CreateRole in account 777777777777 (AccessDenied)") ||
		!strings.Contains(stderr, "credproc: hint: the profile is not an administrator of the member account") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	// Without even iam:GetRole it fails before trying to create anything.
	e.srv.SetUserActions(irInvited, "dev")
	e.srv.ResetCalls()
	_, stderr, code = e.run("--profile", "dev", "--management-account", irMgmt)
	if code != 1 || !strings.Contains(stderr, "may not call iam:GetRole") || e.srv.Calls("CreateRole") != 0 {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
}

func TestInitRoleWrongProfile(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irMgmt, "alice", "alice")
	// An administrator of the management account is the wrong profile.
	stdout, stderr, code := e.run("--profile", "alice", "--management-account", irMgmt)
	if code != 1 || stdout != "" || !strings.Contains(stderr, "credproc: error: profile alice is arn:aws:iam::111111111111:user/alice, in the management account 111111111111 itself") {
		t.Errorf("exit %d, stdout %q, stderr:\n%s", code, stdout, stderr)
	}
	// A profile that does not exist.
	if _, stderr, code := e.run("--profile", "nobody", "--management-account", irMgmt); code != 1 || !strings.Contains(stderr, `no profile "nobody"`) {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	// Keys IAM and STS do not know.
	if err := os.WriteFile(e.creds, []byte("[stale]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, stderr, code = e.run("--profile", "stale", "--management-account", irMgmt)
	if code != 1 || !strings.Contains(stderr, "credproc: error: sts:GetCallerIdentity: the credentials of profile stale were rejected (InvalidClientTokenId)") ||
		!strings.Contains(stderr, "credproc: hint: the access key is wrong") {
		t.Errorf("exit %d, stderr:\n%s", code, stderr)
	}
	if n := e.srv.Calls("CreateRole"); n != 0 {
		t.Errorf("CreateRole calls %d", n)
	}
}

// TestInitRoleOtherProfileKinds runs init-role with administrators whose
// credentials come from a credproc profile without a role (its source's
// keys are used as they are) and from another tool's credential_process
// (temporary role credentials, used as they are).
func TestInitRoleOtherProfileKinds(t *testing.T) {
	e := newInitRoleEnv(t)
	e.user(irInvited, "admin", "invited-admin")
	e.user(irMgmt, "alice", "alice")
	config := "[profile wrapped]\ncredential_process = /opt/bin/credproc --source profile:invited-admin\n"

	// A role session in the invited account, as an SSO or assume-role
	// tool would hand it out.
	adminRole := e.srv.CreateRole(awstest.Role{Account: irInvited, Name: "Admin", TrustedAccounts: []string{irMgmt}, Actions: []string{"*"}})
	out, err := sts.NewFromConfig(sdkConfig(e.keys["alice"], "us-east-1", "STS")).AssumeRole(t.Context(),
		&sts.AssumeRoleInput{RoleArn: aws.String(adminRole), RoleSessionName: aws.String("tool")})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(credproc.ProcessOutput{Version: 1, AccessKeyID: *out.Credentials.AccessKeyId, SecretAccessKey: *out.Credentials.SecretAccessKey,
		SessionToken: *out.Credentials.SessionToken, Expiration: out.Credentials.Expiration.UTC().Format("2006-01-02T15:04:05Z")})
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "creds.json")
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	config += "[profile tool]\ncredential_process = cat " + file + "\nregion = eu-west-1\n"
	if err := os.WriteFile(os.Getenv("AWS_CONFIG_FILE"), []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct{ profile, role, caller string }{
		{"wrapped", "A", "arn:aws:iam::777777777777:user/admin"},
		{"tool", "B", "arn:aws:sts::777777777777:assumed-role/Admin/tool"},
	} {
		_, stderr, code := e.run("--profile", c.profile, "--management-account", irMgmt, "--role-name", c.role)
		if code != 0 || !strings.Contains(stderr, "credproc: profile "+c.profile+" is "+c.caller+" (account 777777777777)\n") {
			t.Errorf("--profile %s: exit %d:\n%s", c.profile, code, stderr)
		}
		if err := e.assume("alice", "arn:aws:iam::777777777777:role/"+c.role); err != nil {
			t.Errorf("role %s made with profile %s: %v", c.role, c.profile, err)
		}
	}
	if n := e.srv.Calls("GetSessionToken"); n != 0 {
		t.Errorf("%d GetSessionToken calls: IAM refuses such sessions without MFA", n)
	}
}

// TestReadRolePages: the attached policies are read page by page, and a
// marker IAM repeats ends the listing with an error instead of a loop.
func TestReadRolePages(t *testing.T) {
	const getRole = `<GetRoleResponse><GetRoleResult><Role><Arn>arn:aws:iam::222222222222:role/R</Arn>` +
		`<AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%7D</AssumeRolePolicyDocument></Role></GetRoleResult></GetRoleResponse>`
	page := func(arn, marker string) string {
		more := "<IsTruncated>false</IsTruncated>"
		if marker != "" {
			more = "<IsTruncated>true</IsTruncated><Marker>" + marker + "</Marker>"
		}
		return `<ListAttachedRolePoliciesResponse><ListAttachedRolePoliciesResult><AttachedPolicies><member><PolicyName>x</PolicyName><PolicyArn>` +
			arn + `</PolicyArn></member></AttachedPolicies>` + more + `</ListAttachedRolePoliciesResult></ListAttachedRolePoliciesResponse>`
	}
	var pages map[string]string // by the request's Marker
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		switch r.PostForm.Get("Action") {
		case "GetRole":
			if r.PostForm.Get("RoleName") != "R" {
				w.WriteHeader(http.StatusNotFound)
				io.WriteString(w, `<ErrorResponse><Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name X cannot be found.</Message></Error></ErrorResponse>`)
				return
			}
			io.WriteString(w, getRole)
		case "ListAttachedRolePolicies":
			io.WriteString(w, pages[r.PostForm.Get("Marker")])
		}
	}))
	defer srv.Close()
	t.Setenv("AWS_ENDPOINT_URL_IAM", srv.URL)
	c := awsapi.New(awsapi.IAM, cache.Credentials{AccessKeyID: "AKIDEXAMPLE", SecretAccessKey: "secret"}, "eu-west-1")

	pages = map[string]string{"": page("arn:aws:iam::aws:policy/A", "m1"), "m1": page("arn:aws:iam::aws:policy/B", "m2"), "m2": page("arn:aws:iam::aws:policy/C", "")}
	r, err := readRole(t.Context(), c, "R")
	if err != nil || r.arn != "arn:aws:iam::222222222222:role/R" || r.trust != `{"Version":"2012-10-17"}` ||
		!slices.Equal(r.attached, []string{"arn:aws:iam::aws:policy/A", "arn:aws:iam::aws:policy/B", "arn:aws:iam::aws:policy/C"}) {
		t.Fatalf("got %+v, %v", r, err)
	}
	if r, err := readRole(t.Context(), c, "X"); r != nil || err != nil {
		t.Errorf("missing role: %+v, %v", r, err)
	}
	pages = map[string]string{"": page("arn:aws:iam::aws:policy/A", "m1"), "m1": page("arn:aws:iam::aws:policy/B", "m1")}
	_, err = readRole(t.Context(), c, "R")
	var ce *iamCallError
	if !errors.As(err, &ce) || ce.op != "iam:ListAttachedRolePolicies" {
		t.Errorf("repeated marker: %v", err)
	}
}

// sdkConfig is an aws.Config for the SDK's own clients, the reference the
// tests check credproc against, signed with c and sent to the endpoint the
// test environment names.
func sdkConfig(c cache.Credentials, region, service string) aws.Config {
	cfg := aws.Config{
		Region: region,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}, nil
		}),
	}
	for _, k := range []string{"AWS_ENDPOINT_URL_" + service, "AWS_ENDPOINT_URL"} {
		if v := os.Getenv(k); v != "" {
			cfg.BaseEndpoint = aws.String(v)
			break
		}
	}
	return cfg
}
