//go:build unix

package main

import (
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awstest"
)

// doctorRun runs credproc with extra environment settings and fails the
// test if a secret of the world reaches stdout or stderr.
func doctorRun(t *testing.T, w *world, extraEnv []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	saved := w.env
	w.env = append(append([]string{}, saved...), extraEnv...)
	defer func() { w.env = saved }()
	stdout, stderr, err = w.run(args...)
	for _, s := range append(w.srv.Secrets(), w.secrets...) {
		if strings.Contains(stdout+stderr, s) {
			t.Fatalf("credproc %v printed a secret", args)
		}
	}
	return stdout, stderr, err
}

// addKey stores a key pair as source name with `credproc add --env`.
func addKey(t *testing.T, w *world, name, akid, secret string) {
	t.Helper()
	cmd := exec.Command(filepath.Join(binDir, "credproc"), "add", name, "--env")
	cmd.Env = append(append([]string{}, w.env...), "AWS_ACCESS_KEY_ID="+akid, "AWS_SECRET_ACCESS_KEY="+secret)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("credproc add %s: %v\n%s", name, err, out)
	}
}

func mustSetup(t *testing.T, w *world, args ...string) {
	t.Helper()
	if _, stderr, err := w.run(append([]string{"setup"}, args...)...); err != nil {
		t.Fatalf("credproc setup %v: %v\n%s", args, err, stderr)
	}
}

// wantLines checks that out matches each regular expression (multi-line mode).
func wantLines(t *testing.T, out string, res ...string) {
	t.Helper()
	for _, re := range res {
		if !regexp.MustCompile("(?m)" + re).MatchString(out) {
			t.Errorf("output lacks %s:\n%s", re, out)
		}
	}
}

// checkSimulation checks the iam:SimulatePrincipalPolicy calls doctor
// made: none without an IAM endpoint (withIAM false), at most one with,
// and when key is set, one that succeeded, signed for IAM with that access
// key ID (the source's own) and authenticated as source. The emulator
// itself rejects requests that are not SigV4-signed by a key it issued.
func checkSimulation(t *testing.T, log []awstest.Call, withIAM bool, key, source string) {
	t.Helper()
	var sims []awstest.Call
	for _, c := range log {
		if c.Action == "SimulatePrincipalPolicy" {
			sims = append(sims, c)
		}
	}
	switch {
	case !withIAM && len(sims) != 0:
		t.Errorf("SimulatePrincipalPolicy called without an IAM endpoint: %+v", sims)
	case len(sims) > 1:
		t.Errorf("SimulatePrincipalPolicy called %d times: %+v", len(sims), sims)
	case key != "" && (len(sims) != 1 || sims[0].Service != "iam" || sims[0].AccessKeyID != key || sims[0].Caller != source || sims[0].ErrorCode != ""):
		t.Errorf("SimulatePrincipalPolicy calls %+v, want one by %s with key %s", sims, source, key)
	}
}

func TestDoctorE2E(t *testing.T) {
	w := e2e(t)
	w.addSource(t, "mgmt")
	addKey(t, w, "bob", w.getenv("BOB_AKID"), w.getenv("BOB_SECRET"))
	addKey(t, w, "wrong", w.getenv("ALICE_AKID"), strings.Repeat("A", 40))
	carolKey, carolSecret := w.srv.CreateUser(mgmtAccount, "carol")
	addKey(t, w, "carol", carolKey, carolSecret)
	w.srv.DeactivateKey(carolKey)

	mustSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	mustSetup(t, w, "bobs", "--source", "bob", "--account", memberAccount)
	mustSetup(t, w, "untrusted", "--source", "mgmt", "--account", untrustAccount)
	mustSetup(t, w, "secure", "--source", "mgmt", "--account", mfaAccount, "--mfa-serial", w.getenv("MFA_SERIAL"))
	mustSetup(t, w, "nomfa", "--source", "mgmt", "--account", mfaAccount)
	mustSetup(t, w, "wrongkey", "--source", "wrong", "--account", memberAccount)
	mustSetup(t, w, "deactivated", "--source", "carol", "--account", memberAccount)
	mustSetup(t, w, "ghost", "--source", "nobody", "--account", memberAccount)
	// The emulator answers iam:SimulatePrincipalPolicy too, from the same
	// identity permissions STS decides sts:AssumeRole with.
	withIAM := []string{"AWS_ENDPOINT_URL_IAM=" + w.srv.URL}
	bobARN := "arn:aws:iam::" + mgmtAccount + ":user/bob"

	t.Run("working profile", func(t *testing.T) {
		w.srv.ResetCalls()
		stdout, stderr, err := doctorRun(t, w, nil, "doctor", "--profile", "member")
		if err != nil {
			t.Fatalf("exit: %v\n%s%s", err, stdout, stderr)
		}
		wantLines(t, stdout,
			`^ok   config: profile member in .*/config runs .*/credproc$`,
			`^ok   keyring: secret-service keyring reachable$`,
			`^ok   source: keyring entry "mgmt" in the secret-service keyring$`,
			`^ok   identity: arn:aws:iam::111111111111:user/alice `,
			`^ok   mfa: no MFA device configured`,
			`^ok   cache: no cached role session`,
			`^ok   assume role: arn:aws:sts::222222222222:assumed-role/OrganizationAccountAccessRole/credproc-mgmt, new session cached until 20`)
		if strings.Contains(stdout, "FAIL") || stderr != "" {
			t.Errorf("stdout:\n%s\nstderr:\n%s", stdout, stderr)
		}
		if n := w.srv.Succeeded("AssumeRole"); n != 1 {
			t.Errorf("AssumeRole succeeded %d times, want 1", n)
		}
		// The session doctor cached serves the next credential_process call.
		if _, _, err := w.run("--profile", "member"); err != nil || w.srv.Calls("AssumeRole") != 1 {
			t.Errorf("credential_process after doctor: %v, %d AssumeRole calls", err, w.srv.Calls("AssumeRole"))
		}
		// AWS_PROFILE is the default profile.
		if _, _, err := doctorRun(t, w, []string{"AWS_PROFILE=member"}, "doctor"); err != nil {
			t.Errorf("doctor with AWS_PROFILE=member: %v", err)
		}
	})

	for _, tc := range []struct {
		name    string
		profile string
		env     []string
		// setup, if set, runs first.
		setup func()
		// simulatedBy, if set, is the environment variable holding the
		// access key ID iam:SimulatePrincipalPolicy must be signed with;
		// simulated is then the policy source ARN it must succeed for.
		simulatedBy, simulated string
		lines                  []string
	}{
		{name: "missing source key", profile: "ghost", lines: []string{
			`^FAIL source: no source named "nobody": neither a keyring entry nor an AWS profile$`,
			"^     fix: store the IAM user's access key with `credproc add nobody`$",
			`^skip identity: `, `^skip assume role: `}},
		{name: "wrong secret", profile: "wrongkey", lines: []string{
			`^ok   source: keyring entry "wrong"`,
			`^FAIL identity: the secret access key of source "wrong" does not match its key ID \(SignatureDoesNotMatch\)$`,
			"^     fix: store the key pair again, key ID and its own secret: `credproc add wrong`$"}},
		{name: "deactivated key", profile: "deactivated", lines: []string{
			`^FAIL identity: STS does not accept the access key ID of source "carol" \(InvalidClientTokenId\): it is wrong, deleted or deactivated$`,
			"^     fix: create a new access key .*`credproc add carol`$"}},
		{name: "caller lacks sts:AssumeRole, no evidence", profile: "bobs", lines: []string{
			`^ok   identity: arn:aws:iam::111111111111:user/bob `,
			`^FAIL assume role: AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole$`,
			`^     cause: could not tell which of the two; check both: \(a\) arn:aws:iam::111111111111:user/bob lacks sts:AssumeRole on the role, or \(b\) the role's trust policy in account 222222222222 does not admit it \(STS goes to .* and no IAM endpoint is configured`,
			`^     fix: \(a\) allow the caller to assume the role: add this statement to a policy of IAM user bob`,
			`^          \{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"\}$`,
			`^     fix: \(b\) make role OrganizationAccountAccessRole in account 222222222222 trust account 111111111111`}},
		{name: "caller lacks sts:AssumeRole, may not simulate", profile: "bobs", env: withIAM, lines: []string{
			`^FAIL assume role: AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole$`,
			`^     cause: could not tell which of the two; check both: \(a\) arn:aws:iam::111111111111:user/bob lacks sts:AssumeRole on the role, or \(b\) .* \(iam:SimulatePrincipalPolicy failed: AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: iam:SimulatePrincipalPolicy on resource: arn:aws:iam::111111111111:user/bob\)$`,
			`^     fix: \(a\) allow the caller to assume the role: add this statement to a policy of IAM user bob`,
			`^     fix: \(b\) make role OrganizationAccountAccessRole in account 222222222222 trust account 111111111111`}},
		// The simulation runs with the source keys themselves: bob may
		// simulate his own policies, as a self-service policy allows.
		{name: "caller lacks sts:AssumeRole", profile: "bobs", env: withIAM,
			setup:       func() { w.srv.Allow(bobARN, "iam:SimulatePrincipalPolicy", bobARN) },
			simulatedBy: "BOB_AKID", simulated: bobARN, lines: []string{
				`^FAIL assume role: AccessDenied: User: arn:aws:iam::111111111111:user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222222222222:role/OrganizationAccountAccessRole$`,
				`^     cause: the caller arn:aws:iam::111111111111:user/bob lacks sts:AssumeRole on the role \(iam:SimulatePrincipalPolicy: implicitDeny\): no identity policy allows it$`,
				`^     fix: allow the caller to assume the role: add this statement to a policy of IAM user bob \(or of one of its groups\) in account 111111111111$`,
				`^          \{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"\}$`,
				"^     fix: then run `credproc doctor --profile bobs` again: the role's trust policy is only evaluated once the caller may call sts:AssumeRole$"}},
		{name: "untrusting role, no evidence", profile: "untrusted", lines: []string{
			`^     cause: could not tell which of the two; check both: \(a\) arn:aws:iam::111111111111:user/alice lacks sts:AssumeRole on the role, or \(b\) the role's trust policy in account 444444444444`}},
		{name: "untrusting role", profile: "untrusted", env: withIAM,
			simulatedBy: "ALICE_AKID", simulated: "arn:aws:iam::111111111111:user/alice", lines: []string{
				`^FAIL assume role: AccessDenied: User: arn:aws:iam::111111111111:user/alice is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::444444444444:role/OrganizationAccountAccessRole$`,
				`^     cause: the caller's own policies allow sts:AssumeRole on the role \(iam:SimulatePrincipalPolicy: allowed\), so the trust policy of the role in account 444444444444 does not admit arn:aws:iam::111111111111:user/alice`,
				"^     fix: make role OrganizationAccountAccessRole in account 444444444444 trust account 111111111111: run `credproc init-role --profile ADMIN --management-account 111111111111`",
				`^          \{"Version":"2012-10-17","Statement":\[\{"Effect":"Allow","Principal":\{"AWS":"arn:aws:iam::111111111111:root"\},"Action":"sts:AssumeRole"\}\]\}$`}},
		{name: "MFA required, no code path", profile: "secure", lines: []string{
			`^FAIL mfa: device arn:aws:iam::111111111111:mfa/alice; no terminal to ask for a code on and no --mfa-process; no MFA session is cached$`,
			"^     fix: run `credproc --profile secure` once in a terminal and enter the code",
			"^     fix: or give the profile a code source: `credproc setup secure … --mfa-process ",
			`^skip assume role: needs a working MFA set-up \(see mfa\)$`}},
		{name: "MFA required, no serial", profile: "nomfa", env: withIAM,
			simulatedBy: "ALICE_AKID", simulated: "arn:aws:iam::111111111111:user/alice", lines: []string{
				`^ok   mfa: no MFA device configured`,
				`^FAIL assume role: AccessDenied: `,
				"^     fix: MFA may be required: this profile has no --mfa-serial; if the trust policy has the condition aws:MultiFactorAuthPresent, add the device: `credproc setup nomfa … --mfa-serial arn:aws:iam::111111111111:mfa/DEVICE`$"}},
		{name: "MFA required, no serial, no evidence", profile: "nomfa", lines: []string{
			`^     cause: could not tell which of the two; check both: `,
			"^     fix: MFA may be required: this profile has no --mfa-serial"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			w.srv.ResetCalls()
			stdout, stderr, err := doctorRun(t, w, tc.env, "doctor", "--profile", tc.profile)
			if err == nil {
				t.Fatalf("doctor --profile %s exited 0:\n%s", tc.profile, stdout)
			}
			wantLines(t, stdout, append([]string{`^ok   config: profile ` + tc.profile + ` in `}, tc.lines...)...)
			wantLines(t, stderr, `^credproc: error: doctor: 1 of 1 profiles fail: `+tc.profile+` \(`)
			if n := len(regexp.MustCompile(`(?m)^FAIL `).FindAllString(stdout, -1)); n != 1 {
				t.Errorf("%d FAIL lines, want 1:\n%s", n, stdout)
			}
			if tc.profile == "secure" && w.srv.Calls("GetSessionToken")+w.srv.Calls("AssumeRole") != 0 {
				t.Errorf("STS calls that need a code were made")
			}
			checkSimulation(t, w.srv.Log(), tc.env != nil, w.getenv(tc.simulatedBy), tc.simulated)
		})
	}

	t.Run("every profile", func(t *testing.T) {
		stdout, stderr, err := doctorRun(t, w, []string{"AWS_PROFILE="}, "doctor")
		if err == nil {
			t.Fatal("exit 0")
		}
		for _, p := range []string{"member", "bobs", "untrusted", "secure", "nomfa", "wrongkey", "deactivated", "ghost"} {
			wantLines(t, stdout, `^ok   config: profile `+p+` in `)
		}
		wantLines(t, stderr, `^credproc: error: doctor: 7 of 8 profiles fail: bobs \(assume role\), untrusted \(assume role\), secure \(mfa\), nomfa \(assume role\), wrongkey \(identity\), deactivated \(identity\), ghost \(source\)$`)
	})

	t.Run("MFA with mfa-process", func(t *testing.T) {
		if _, err := exec.LookPath("oathtool"); err != nil {
			t.Skip("needs oathtool")
		}
		mustSetup(t, w, "secure", "--source", "mgmt", "--account", mfaAccount, "--mfa-serial", w.getenv("MFA_SERIAL"),
			"--mfa-process", `sh -c 'oathtool --totp -b "$MFA_SECRET"'`)
		w.srv.ResetCalls()
		stdout, stderr, err := doctorRun(t, w, nil, "doctor", "--profile", "secure")
		if err != nil {
			t.Fatalf("exit: %v\n%s%s", err, stdout, stderr)
		}
		wantLines(t, stdout,
			`^ok   mfa: device arn:aws:iam::111111111111:mfa/alice; mfa-process prints a 6-digit code; no cached MFA session: the next call needs a code$`,
			`^ok   assume role: arn:aws:sts::333333333333:assumed-role/`)
		if w.srv.Succeeded("GetSessionToken") != 1 {
			t.Errorf("GetSessionToken succeeded %d times, want 1", w.srv.Succeeded("GetSessionToken"))
		}
		// The MFA session is cached now: no code is needed.
		w.srv.ResetCalls()
		stdout, _, err = doctorRun(t, w, nil, "doctor", "--profile", "secure")
		wantLines(t, stdout, `^ok   mfa: .*cached MFA session until .*: no code needed now`)
		if err != nil || w.srv.Calls("GetSessionToken") != 0 {
			t.Errorf("second run: %v, %d GetSessionToken calls", err, w.srv.Calls("GetSessionToken"))
		}
	})
}
