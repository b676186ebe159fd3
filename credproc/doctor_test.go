package credproc

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awstest"
	"github.com/credproc/credproc/internal/prompt"
	"github.com/credproc/credproc/internal/totp"
)

const (
	docMgmt     = "111111111111"
	docMember   = "222222222222" // trusts the management account
	docMFA      = "333333333333" // trusts it only with MFA
	docUntrust  = "444444444444" // trusts someone else
	docExternal = "555555555555" // requires an external ID
)

func docRole(account string) string {
	return "arn:aws:iam::" + account + ":role/" + DefaultRoleName
}

// docWorld is an emulated organization like the end-to-end tests' world,
// with an in-memory keyring and no terminal.
type docWorld struct {
	srv      *awstest.Server
	store    *cache.Store
	env      map[string]string
	doctor   *Doctor
	serial   string
	seed     string
	keys     map[string]cache.Credentials // by user name
	simCalls []SimulationQuery
}

func newDocWorld(t *testing.T) *docWorld {
	t.Helper()
	// No real AWS files: profile sources are looked up here.
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	srv := awstest.NewServer()
	t.Cleanup(srv.Close)
	w := &docWorld{srv: srv, keys: map[string]cache.Credentials{}}
	for _, u := range []string{"alice", "bob"} {
		akid, secret := srv.CreateUser(docMgmt, u)
		w.keys[u] = cache.Credentials{AccessKeyID: akid, SecretAccessKey: secret}
	}
	srv.SetUserAllowedRoles(docMgmt, "bob")
	w.serial, w.seed = srv.EnableMFA(docMgmt, "alice", "alice")
	role := func(account string, r awstest.Role) {
		r.Account, r.Name, r.Actions, r.MaxSessionDuration = account, DefaultRoleName, []string{"*"}, 12*time.Hour
		if r.TrustedAccounts == nil {
			r.TrustedAccounts = []string{docMgmt}
		}
		srv.CreateRole(r)
	}
	role(docMember, awstest.Role{})
	role(docMFA, awstest.Role{RequireMFA: true})
	role(docUntrust, awstest.Role{TrustedAccounts: []string{"999999999999"}})
	role(docExternal, awstest.Role{ExternalID: "ext-5555"})

	mem := cache.NewMemory()
	w.store = cache.OpenTiered(mem, []cache.Backend{mem}, filepath.Join(dir, "state"))
	w.env = map[string]string{"AWS_ENDPOINT_URL_STS": srv.URL, "AWS_REGION": "us-east-1"}
	r := &Resolver{
		Store:        w.store,
		Getenv:       func(k string) string { return w.env[k] },
		OpenTerminal: func() (*prompt.Terminal, error) { return nil, prompt.ErrNoTerminal },
		LockWait:     5 * time.Second,
	}
	w.doctor = &Doctor{Resolver: r}
	w.addSource(t, "mgmt", w.keys["alice"])
	w.addSource(t, "bob", w.keys["bob"])
	return w
}

// writeFile writes content to the file named by environment variable env.
func writeFile(t *testing.T, env, content string) error {
	t.Helper()
	return os.WriteFile(os.Getenv(env), []byte(content), 0o600)
}

func (w *docWorld) addSource(t *testing.T, name string, c cache.Credentials) {
	t.Helper()
	if err := w.store.SetSource(name, c); err != nil {
		t.Fatal(err)
	}
}

// simulate makes IAM's policy simulation answer decision (or fail with err).
func (w *docWorld) simulate(decision string, err error) {
	// An IAM endpoint must be configured next to the emulator's STS.
	w.env["AWS_ENDPOINT_URL_IAM"] = "http://iam.invalid"
	w.doctor.Simulate = func(ctx context.Context, q SimulationQuery) (string, error) {
		w.simCalls = append(w.simCalls, q)
		return decision, err
	}
}

// run checks settings and fails the test if a check holds a secret.
func (w *docWorld) run(t *testing.T, profile string, s Settings) map[string]Check {
	t.Helper()
	if s.MFADuration == 0 {
		s.MFADuration = DefaultMFADuration
	}
	if s.RefreshWindow == 0 {
		s.RefreshWindow = DefaultRefreshWindow
	}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	checks := w.doctor.Run(context.Background(), profile, &s)
	byStep := map[string]Check{}
	var order []string
	for _, c := range checks {
		byStep[c.Step] = c
		order = append(order, c.Step)
		text := c.Msg + c.Cause + strings.Join(c.Fix, "")
		for _, secret := range append(w.srv.Secrets(), w.seed) {
			if strings.Contains(text, secret) {
				t.Fatalf("step %s shows a secret", c.Step)
			}
		}
		t.Logf("%-4s %s: %s | cause: %s | fix: %q", c.Status, c.Step, c.Msg, c.Cause, c.Fix)
	}
	want := []string{"keyring", "source", "identity", "mfa", "cache", "assume role"}
	if s.RoleARN == "" {
		want[5] = "session"
	}
	if strings.Join(order, ",") != strings.Join(want, ",") {
		t.Fatalf("steps %v, want %v", order, want)
	}
	return byStep
}

func wantStatus(t *testing.T, checks map[string]Check, step, status string) Check {
	t.Helper()
	c := checks[step]
	if c.Status != status {
		t.Fatalf("%s: status %s (%s), want %s", step, c.Status, c.Msg, status)
	}
	return c
}

func wantFix(t *testing.T, c Check, subs ...string) {
	t.Helper()
	all := strings.Join(c.Fix, "\n")
	for _, s := range subs {
		if !strings.Contains(all, s) {
			t.Errorf("%s: fixes %q lack %q", c.Step, c.Fix, s)
		}
	}
}

func TestDoctorWorkingProfile(t *testing.T) {
	w := newDocWorld(t)
	s := Settings{Source: "mgmt", RoleARN: docRole(docMember)}
	checks := w.run(t, "member", s)
	for step, c := range checks {
		if c.Status != StatusOK {
			t.Errorf("%s: %s %s", step, c.Status, c.Msg)
		}
	}
	if !strings.Contains(checks["keyring"].Msg, "memory keyring reachable") {
		t.Errorf("keyring: %q", checks["keyring"].Msg)
	}
	if !strings.Contains(checks["source"].Msg, `keyring entry "mgmt"`) {
		t.Errorf("source: %q", checks["source"].Msg)
	}
	if !strings.HasPrefix(checks["identity"].Msg, "arn:aws:iam::111111111111:user/alice ") {
		t.Errorf("identity: %q", checks["identity"].Msg)
	}
	if !strings.HasPrefix(checks["cache"].Msg, "no cached role session") {
		t.Errorf("cache: %q", checks["cache"].Msg)
	}
	if !strings.HasPrefix(checks["assume role"].Msg, "arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/credproc-mgmt, new session cached until ") {
		t.Errorf("assume role: %q", checks["assume role"].Msg)
	}
	// The role was assumed for real and cached as a normal call would.
	if n := w.srv.Succeeded("AssumeRole"); n != 1 {
		t.Errorf("AssumeRole succeeded %d times, want 1", n)
	}
	if _, ok := w.doctor.Resolver.Cached(&s); !ok {
		t.Error("the new role session is not cached")
	}
	// A second run reports the cache and assumes the role fresh again.
	checks = w.run(t, "member", s)
	if !strings.HasPrefix(checks["cache"].Msg, "cached role session until ") {
		t.Errorf("cache: %q", checks["cache"].Msg)
	}
	if n := w.srv.Succeeded("AssumeRole"); n != 2 {
		t.Errorf("AssumeRole succeeded %d times, want 2", n)
	}
}

func TestDoctorNoRole(t *testing.T) {
	w := newDocWorld(t)
	checks := w.run(t, "plain", Settings{Source: "mgmt"})
	c := wantStatus(t, checks, "session", StatusOK)
	if !strings.Contains(c.Msg, "no --role-arn") {
		t.Errorf("session: %q", c.Msg)
	}
}

func TestDoctorMissingSource(t *testing.T) {
	w := newDocWorld(t)
	checks := w.run(t, "ghost", Settings{Source: "nobody", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "source", StatusFail)
	if !strings.Contains(c.Msg, `no source named "nobody"`) {
		t.Errorf("source: %q", c.Msg)
	}
	wantFix(t, c, "credproc add nobody", "--source profile:NAME")
	wantStatus(t, checks, "identity", StatusSkip)
	wantStatus(t, checks, "assume role", StatusSkip)
	if n := w.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("AssumeRole called %d times", n)
	}
}

func TestDoctorProfileSourceShadowed(t *testing.T) {
	w := newDocWorld(t)
	cfg := "[profile mgmt]\naws_access_key_id = AKIAEXAMPLEEXAMPLE12\naws_secret_access_key = x\n"
	if err := writeFile(t, "AWS_CONFIG_FILE", cfg); err != nil {
		t.Fatal(err)
	}
	checks := w.run(t, "member", Settings{Source: "mgmt", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "source", StatusOK)
	if !strings.Contains(c.Msg, "the keyring entry wins (--source profile:mgmt picks the profile)") {
		t.Errorf("source: %q", c.Msg)
	}
	// With profile: the profile's (bogus) keys are used and rejected.
	checks = w.run(t, "member", Settings{Source: "profile:mgmt", RoleARN: docRole(docMember)})
	c = wantStatus(t, checks, "source", StatusOK)
	if !strings.Contains(c.Msg, `AWS profile "mgmt" (static keys)`) {
		t.Errorf("source: %q", c.Msg)
	}
	c = wantStatus(t, checks, "identity", StatusFail)
	wantFix(t, c, "aws configure --profile mgmt")
}

func TestDoctorWrongSourceKey(t *testing.T) {
	w := newDocWorld(t)
	// The right key ID with a wrong secret.
	w.addSource(t, "wrong", cache.Credentials{AccessKeyID: w.keys["alice"].AccessKeyID, SecretAccessKey: strings.Repeat("A", 40)})
	checks := w.run(t, "wrongkey", Settings{Source: "wrong", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "identity", StatusFail)
	if !strings.Contains(c.Msg, `secret access key of source "wrong" does not match its key ID (SignatureDoesNotMatch)`) {
		t.Errorf("identity: %q", c.Msg)
	}
	wantFix(t, c, "credproc add wrong")
	wantStatus(t, checks, "assume role", StatusSkip)

	// A deactivated key.
	w.srv.DeactivateKey(w.keys["bob"].AccessKeyID)
	checks = w.run(t, "bobs", Settings{Source: "bob", RoleARN: docRole(docMember)})
	c = wantStatus(t, checks, "identity", StatusFail)
	if !strings.Contains(c.Msg, "(InvalidClientTokenId)") || !strings.Contains(c.Msg, "deactivated") {
		t.Errorf("identity: %q", c.Msg)
	}
	wantFix(t, c, "create a new access key", "credproc add bob")
	if n := w.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("AssumeRole called %d times", n)
	}
}

// identityStatement is the statement the issue asks the doctor to show.
const identityStatement = `{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"}`

const trustDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111111111111:root"},"Action":"sts:AssumeRole"}]}`

func TestDoctorDeniedCallerLacksPermission(t *testing.T) {
	w := newDocWorld(t)
	w.simulate(DecisionImplicitDeny, nil)
	checks := w.run(t, "bobs", Settings{Source: "bob", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "assume role", StatusFail)
	if !strings.Contains(c.Cause, "arn:aws:iam::111111111111:user/bob lacks sts:AssumeRole on the role (iam:SimulatePrincipalPolicy: implicitDeny)") {
		t.Errorf("cause: %q", c.Cause)
	}
	wantFix(t, c, "IAM user bob", identityStatement, "doctor --profile bobs")
	if strings.Contains(strings.Join(c.Fix, "\n"), "trust") && !strings.Contains(strings.Join(c.Fix, "\n"), "trust policy is only evaluated") {
		t.Errorf("fixes name the trust policy: %q", c.Fix)
	}
	if len(w.simCalls) != 1 {
		t.Fatalf("%d simulations", len(w.simCalls))
	}
	q := w.simCalls[0]
	if q.PolicySourceARN != "arn:aws:iam::111111111111:user/bob" || q.RoleARN != docRole(docMember) || q.Creds != w.keys["bob"] {
		t.Errorf("simulation query %+v", q)
	}
}

func TestDoctorDeniedExplicitDeny(t *testing.T) {
	w := newDocWorld(t)
	w.simulate(DecisionExplicitDeny, nil)
	checks := w.run(t, "bobs", Settings{Source: "bob", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "assume role", StatusFail)
	if !strings.Contains(c.Cause, "explicit Deny") {
		t.Errorf("cause: %q", c.Cause)
	}
	wantFix(t, c, "remove or narrow the Deny")
}

func TestDoctorDeniedUntrustingRole(t *testing.T) {
	w := newDocWorld(t)
	w.simulate(DecisionAllowed, nil)
	checks := w.run(t, "untrusted", Settings{Source: "mgmt", RoleARN: docRole(docUntrust)})
	c := wantStatus(t, checks, "assume role", StatusFail)
	if !strings.Contains(c.Msg, "is not authorized to perform: sts:AssumeRole on resource") {
		t.Errorf("msg: %q", c.Msg)
	}
	if !strings.Contains(c.Cause, "(iam:SimulatePrincipalPolicy: allowed), so the trust policy of the role in account 444444444444 does not admit arn:aws:iam::111111111111:user/alice") {
		t.Errorf("cause: %q", c.Cause)
	}
	wantFix(t, c, "credproc init-role --profile ADMIN --management-account 111111111111", trustDoc,
		"MFA may be required: this profile has no --mfa-serial", "an external ID may be required")
	if strings.Contains(strings.Join(c.Fix, "\n"), `"Resource"`) {
		t.Errorf("fixes name the caller's permission: %q", c.Fix)
	}
}

func TestDoctorDeniedCouldNotTell(t *testing.T) {
	for _, tc := range []struct {
		name string
		env  map[string]string
		sim  error  // nil: the real SimulatePrincipalPolicy
		why  string // in the cause
	}{
		{name: "simulation denied", sim: errors.New("AccessDenied: not authorized to perform iam:SimulatePrincipalPolicy"), why: "iam:SimulatePrincipalPolicy failed: AccessDenied"},
		// The emulator serves STS; with no IAM endpoint configured the keys go nowhere else.
		{name: "no IAM endpoint", why: "no IAM endpoint is configured"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newDocWorld(t)
			if tc.sim != nil {
				w.simulate("", tc.sim)
			}
			for _, role := range []string{docRole(docUntrust), docRole(docMember)} {
				src := "mgmt"
				if role == docRole(docMember) {
					src = "bob"
				}
				checks := w.run(t, "p", Settings{Source: src, RoleARN: role})
				c := wantStatus(t, checks, "assume role", StatusFail)
				if !strings.HasPrefix(c.Cause, "could not tell which of the two; check both: (a) ") || !strings.Contains(c.Cause, tc.why) {
					t.Errorf("cause: %q", c.Cause)
				}
				if len(c.Fix) < 2 || !strings.HasPrefix(c.Fix[0], "(a) ") || !strings.HasPrefix(c.Fix[1], "(b) ") {
					t.Fatalf("fixes: %q", c.Fix)
				}
				wantFix(t, c, `{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"`+role+`"}`, trustDoc, "MFA may be required")
			}
		})
	}
}

func TestDoctorDeniedWordingDecides(t *testing.T) {
	for _, tc := range []struct {
		msg   string
		side  int
		claus string
	}{
		{"User: arn:aws:iam::1:user/bob is not authorized to perform: sts:AssumeRole on resource: R because no identity-based policy allows the sts:AssumeRole action", sideIdentity, "because no identity-based policy allows the sts:AssumeRole action"},
		{"User: U is not authorized to perform: sts:AssumeRole on resource: R with an explicit deny in a service control policy", sideIdentity, "with an explicit deny in a service control policy"},
		{"User: U is not authorized to perform: sts:AssumeRole on resource: R because no permissions boundary allows the sts:AssumeRole action", sideIdentity, ""},
		{"User: U is not authorized to perform: sts:AssumeRole on resource: R because no resource-based policy allows the sts:AssumeRole action", sideTrust, ""},
		{"User: U is not authorized to perform: sts:AssumeRole on resource: R", sideUnknown, ""},
	} {
		side, clause := deniedBy(tc.msg)
		if side != tc.side || tc.claus != "" && clause != tc.claus {
			t.Errorf("deniedBy(%q) = %d, %q", tc.msg, side, clause)
		}
	}
}

func TestDoctorMFARequiredNoSerial(t *testing.T) {
	w := newDocWorld(t)
	w.simulate(DecisionAllowed, nil)
	checks := w.run(t, "nomfa", Settings{Source: "mgmt", RoleARN: docRole(docMFA)})
	wantStatus(t, checks, "mfa", StatusOK)
	c := wantStatus(t, checks, "assume role", StatusFail)
	wantFix(t, c, "MFA may be required: this profile has no --mfa-serial", "--mfa-serial arn:aws:iam::111111111111:mfa/DEVICE")
}

func TestDoctorMFANoCodePath(t *testing.T) {
	w := newDocWorld(t)
	s := Settings{Source: "mgmt", RoleARN: docRole(docMFA), MFASerial: w.serial}
	checks := w.run(t, "secure", s)
	c := wantStatus(t, checks, "mfa", StatusFail)
	if !strings.Contains(c.Msg, "no terminal to ask for a code on and no --mfa-process") || !strings.Contains(c.Msg, "no MFA session is cached") {
		t.Errorf("mfa: %q", c.Msg)
	}
	wantFix(t, c, "run `credproc --profile secure` once in a terminal", "--mfa-process")
	wantStatus(t, checks, "assume role", StatusSkip)
	if n := w.srv.Calls("GetSessionToken") + w.srv.Calls("AssumeRole"); n != 0 {
		t.Errorf("%d STS calls that would need a code", n)
	}

	// Direct mode: each role session needs a code.
	s.MFADirect = true
	checks = w.run(t, "secure", s)
	c = wantStatus(t, checks, "mfa", StatusFail)
	if !strings.Contains(c.Msg, "every new role session needs a code") {
		t.Errorf("mfa: %q", c.Msg)
	}
}

func TestDoctorMFAProcess(t *testing.T) {
	w := newDocWorld(t)
	code, err := totp.Code(w.seed, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	s := Settings{Source: "mgmt", RoleARN: docRole(docMFA), MFASerial: w.serial, MFAProcess: "echo " + code}
	checks := w.run(t, "secure", s)
	c := wantStatus(t, checks, "mfa", StatusOK)
	if !strings.Contains(c.Msg, "mfa-process prints a 6-digit code") || !strings.Contains(c.Msg, "no cached MFA session") {
		t.Errorf("mfa: %q", c.Msg)
	}
	wantStatus(t, checks, "assume role", StatusOK)
	if n := w.srv.Succeeded("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken succeeded %d times, want 1", n)
	}

	// Now the MFA session is cached: no code is needed, even without a
	// code source (a warning: it lasts only until the session expires).
	s.MFAProcess = ""
	checks = w.run(t, "secure", s)
	c = wantStatus(t, checks, "mfa", StatusWarn)
	if !strings.Contains(c.Msg, "cached MFA session until ") || !strings.Contains(c.Msg, "no code needed now") {
		t.Errorf("mfa: %q", c.Msg)
	}
	c = wantStatus(t, checks, "cache", StatusOK)
	if !strings.Contains(c.Msg, "cached role session until") || !strings.Contains(c.Msg, "MFA session until") {
		t.Errorf("cache: %q", c.Msg)
	}
	wantStatus(t, checks, "assume role", StatusOK)
	if n := w.srv.Calls("GetSessionToken"); n != 1 {
		t.Errorf("GetSessionToken called %d times, want 1", n)
	}

	// A command that prints no code.
	s.MFAProcess, s.MFADirect = "echo nope", true
	checks = w.run(t, "broken", s)
	c = wantStatus(t, checks, "mfa", StatusFail)
	if !strings.Contains(c.Msg, "printed no 6-digit MFA code") {
		t.Errorf("mfa: %q", c.Msg)
	}
}

func TestDoctorMFADeviceOfAnotherAccount(t *testing.T) {
	w := newDocWorld(t)
	checks := w.run(t, "secure", Settings{Source: "mgmt", RoleARN: docRole(docMFA), MFASerial: "arn:aws:iam::999999999999:mfa/alice"})
	c := wantStatus(t, checks, "mfa", StatusFail)
	if !strings.Contains(c.Msg, "is in account 999999999999") {
		t.Errorf("mfa: %q", c.Msg)
	}
}

func TestDoctorExternalID(t *testing.T) {
	w := newDocWorld(t)
	w.simulate(DecisionAllowed, nil)
	checks := w.run(t, "ext", Settings{Source: "mgmt", RoleARN: docRole(docExternal)})
	wantFix(t, wantStatus(t, checks, "assume role", StatusFail), "an external ID may be required: this profile has no --external-id")
	checks = w.run(t, "ext", Settings{Source: "mgmt", RoleARN: docRole(docExternal), ExternalID: "ext-5555"})
	wantStatus(t, checks, "assume role", StatusOK)
}

// brokenBackend is a keyring that does not answer.
type brokenBackend struct{}

func (brokenBackend) Name() string               { return "broken" }
func (brokenBackend) Get(string) ([]byte, error) { return nil, cache.ErrNoSessionBus }
func (brokenBackend) Set(string, []byte) error   { return cache.ErrNoSessionBus }
func (brokenBackend) Delete(string) error        { return cache.ErrNoSessionBus }

func TestDoctorKeyringUnreachable(t *testing.T) {
	w := newDocWorld(t)
	w.doctor.Resolver.Store = cache.OpenTiered(brokenBackend{}, []cache.Backend{brokenBackend{}}, t.TempDir())
	checks := w.run(t, "member", Settings{Source: "mgmt", RoleARN: docRole(docMember)})
	c := wantStatus(t, checks, "keyring", StatusFail)
	if !strings.Contains(c.Msg, "broken keyring is not reachable") {
		t.Errorf("keyring: %q", c.Msg)
	}
	wantFix(t, c, "D-Bus")
	wantStatus(t, checks, "source", StatusFail)
	wantStatus(t, checks, "cache", StatusSkip)
}

func TestSimulatePrincipalPolicy(t *testing.T) {
	var got url.Values
	var auth, token string
	answer := func(w http.ResponseWriter, decision string) {
		io.WriteString(w, `<SimulatePrincipalPolicyResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <SimulatePrincipalPolicyResult>
    <IsTruncated>false</IsTruncated>
    <EvaluationResults>
      <member>
        <EvalActionName>sts:AssumeRole</EvalActionName>
        <EvalResourceName>`+docRole(docMember)+`</EvalResourceName>
        <EvalDecision>`+decision+`</EvalDecision>
        <MatchedStatements/>
      </member>
    </EvaluationResults>
  </SimulatePrincipalPolicyResult>
  <ResponseMetadata><RequestId>1</RequestId></ResponseMetadata>
</SimulatePrincipalPolicyResponse>`)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		got, auth, token = r.PostForm, r.Header.Get("Authorization"), r.Header.Get("X-Amz-Security-Token")
		switch got.Get("PolicySourceArn") {
		case "arn:aws:iam::111111111111:user/bob":
			answer(w, DecisionImplicitDeny)
		case "arn:aws:iam::111111111111:user/alice":
			answer(w, DecisionAllowed)
		default:
			w.WriteHeader(http.StatusForbidden)
			io.WriteString(w, `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: x is not authorized to perform: iam:SimulatePrincipalPolicy</Message></Error><RequestId>1</RequestId></ErrorResponse>`)
		}
	}))
	defer srv.Close()
	q := SimulationQuery{
		Endpoint:        awsapi.Endpoint{URL: srv.URL, Region: "us-east-1"},
		Creds:           cache.Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE12", SecretAccessKey: "secret", SessionToken: "tok"},
		PolicySourceARN: "arn:aws:iam::111111111111:user/bob",
		RoleARN:         docRole(docMember),
		MFA:             true,
	}
	d, err := SimulatePrincipalPolicy(context.Background(), q)
	if err != nil || d != DecisionImplicitDeny {
		t.Fatalf("got %q, %v", d, err)
	}
	for k, v := range map[string]string{
		"Action": "SimulatePrincipalPolicy", "Version": "2010-05-08",
		"ActionNames.member.1": "sts:AssumeRole", "ResourceArns.member.1": docRole(docMember),
		"ContextEntries.member.1.ContextKeyName":            "aws:MultiFactorAuthPresent",
		"ContextEntries.member.1.ContextKeyValues.member.1": "true",
	} {
		if got.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, got.Get(k), v)
		}
	}
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLEEXAMPLE12/") || !strings.Contains(auth, "/us-east-1/iam/aws4_request") || token != "tok" {
		t.Errorf("not signed for IAM: %q, token %q", auth, token)
	}
	q.PolicySourceARN = "arn:aws:iam::111111111111:user/alice"
	if d, err := SimulatePrincipalPolicy(context.Background(), q); err != nil || d != DecisionAllowed {
		t.Fatalf("got %q, %v", d, err)
	}
	q.PolicySourceARN = "arn:aws:iam::111111111111:user/carol"
	_, err = SimulatePrincipalPolicy(context.Background(), q)
	var e *awsapi.APIError
	if !errors.As(err, &e) || e.Code != "AccessDenied" || e.Status != http.StatusForbidden {
		t.Fatalf("got %v", err)
	}
}

func TestDoctorIAMEndpoint(t *testing.T) {
	for _, tc := range []struct {
		env       map[string]string
		settings  Settings
		partition string
		want      string // URL, or "error"
	}{
		{partition: "aws", want: "https://iam.amazonaws.com"},
		{partition: "aws-cn", want: "https://iam.cn-north-1.amazonaws.com.cn"},
		{partition: "aws-us-gov", want: "https://iam.us-gov.amazonaws.com"},
		{env: map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1"}, partition: "aws", want: "error"},
		{settings: Settings{EndpointURL: "https://sts.example"}, partition: "aws", want: "error"},
		{env: map[string]string{"AWS_ENDPOINT_URL_STS": "http://127.0.0.1:1", "AWS_ENDPOINT_URL_IAM": "http://127.0.0.1:2"}, partition: "aws", want: "http://127.0.0.1:2"},
		{env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:3"}, partition: "aws", want: "http://127.0.0.1:3"},
		{env: map[string]string{"AWS_ENDPOINT_URL": "http://127.0.0.1:3", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"}, partition: "aws", want: "https://iam.amazonaws.com"},
	} {
		s := tc.settings
		// The SDK's configuration reads the process environment.
		t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
		t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(t.TempDir(), "none"))
		for _, k := range []string{"AWS_ENDPOINT_URL_STS", "AWS_ENDPOINT_URL_IAM", "AWS_ENDPOINT_URL", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "AWS_PROFILE"} {
			t.Setenv(k, tc.env[k])
		}
		w := &walk{r: &Resolver{Getenv: func(k string) string { return tc.env[k] }}, s: &s, src: &loadedSource{}}
		ep, err := w.iamEndpoint(t.Context(), tc.partition)
		switch {
		case tc.want == "error" && err == nil:
			t.Errorf("%v: got %v, want an error", tc.env, ep)
		case tc.want != "error" && (err != nil || ep.URL != tc.want):
			t.Errorf("%v %s: got %v, %v; want %s", tc.env, tc.partition, ep, err, tc.want)
		}
	}
}

func TestParsePrincipal(t *testing.T) {
	for arn, want := range map[string]principal{
		"arn:aws:iam::111111111111:user/alice":                      {"aws", "111111111111", "user", "alice"},
		"arn:aws:iam::111111111111:user/dev/ops/alice":              {"aws", "111111111111", "user", "alice"},
		"arn:aws:sts::222222222222:assumed-role/Admin/credproc-x":   {"aws", "222222222222", "assumed-role", "Admin"},
		"arn:aws-cn:iam::111111111111:root":                         {"aws-cn", "111111111111", "root", ""},
		"arn:aws:iam::111111111111:mfa/alice":                       {"aws", "111111111111", "mfa", "alice"},
		"GAHT12345678":                                              {},
		"arn:aws:sts::111111111111:federated-user/bob":              {"aws", "111111111111", "federated-user", "bob"},
		"arn:aws:iam::111111111111:role/aws-reserved/sso/AdminRole": {"aws", "111111111111", "role", "AdminRole"},
	} {
		if got := parsePrincipal(arn); got != want {
			t.Errorf("parsePrincipal(%q) = %+v, want %+v", arn, got, want)
		}
	}
}
