//go:build unix

package main

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/internal/awstest"
)

// rotateWorld is an e2e world with IAM calls going to the emulator, the
// management user's key stored as source mgmt and a member profile whose
// role session is cached.
func rotateWorld(t *testing.T) *world {
	t.Helper()
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := e2e(t)
	w.env = append(w.env, "AWS_ENDPOINT_URL_IAM="+w.srv.URL)
	addKey(t, w, "mgmt", w.getenv("ALICE_AKID"), w.getenv("ALICE_SECRET"))
	mustSetup(t, w, "member", "--source", "mgmt", "--account", memberAccount)
	w.awsIdentity(t, "member")
	return w
}

// awsIdentity runs `aws sts get-caller-identity --profile P` and returns the ARN.
func (w *world) awsIdentity(t *testing.T, profile string) string {
	t.Helper()
	out, stderr, err := w.run("aws", "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", w.srv.URL, "--query", "Arn", "--output", "text")
	if err != nil {
		t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", profile, err, stderr)
	}
	return strings.TrimSpace(out)
}

// keyWorks reports whether STS accepts a long-lived key of the world.
func (w *world) keyWorks(t *testing.T, id, secret string) bool {
	t.Helper()
	saved := w.env
	w.env = append(append([]string{}, saved...), "AWS_ACCESS_KEY_ID="+id, "AWS_SECRET_ACCESS_KEY="+secret)
	defer func() { w.env = saved }()
	_, _, err := w.run("aws", "sts", "get-caller-identity", "--endpoint-url", w.srv.URL)
	return err == nil
}

func TestRotate(t *testing.T) {
	w := rotateWorld(t)
	oldID, oldSecret := w.getenv("ALICE_AKID"), w.getenv("ALICE_SECRET")
	w.srv.SetKeyPropagation(2 * time.Second) // the new key must be waited for
	assumed := w.srv.Calls("AssumeRole")
	_, stderr, err := doctorRun(t, w, nil, "rotate", "mgmt")
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, stderr)
	}
	keys := w.srv.AccessKeys(mgmtAccount, "alice")
	if len(keys) != 1 || keys[0] == oldID {
		t.Fatalf("alice's keys after rotate: %v", keys)
	}
	wantLines(t, stderr, `^credproc: created access key `+keys[0]+`; waiting until STS accepts it$`,
		`^credproc: rotated source "mgmt": new key `+keys[0]+`; old key `+oldID+` deactivated and deleted`)
	if w.keyWorks(t, oldID, oldSecret) {
		t.Fatal("STS still accepts the old key")
	}
	// The cached role session of the old key is gone: a new AssumeRole,
	// signed with the new key.
	if arn := w.awsIdentity(t, "member"); !strings.Contains(arn, ":assumed-role/OrganizationAccountAccessRole/") {
		t.Fatalf("member after rotate: %s", arn)
	}
	if got := w.srv.Calls("AssumeRole"); got != assumed+1 {
		t.Fatalf("AssumeRole calls %d, want %d: the old session was served", got, assumed+1)
	}
	log := w.srv.Log()
	i := slices.IndexFunc(log, func(c awstest.Call) bool { return c.Action == "AssumeRole" && c.AccessKeyID == keys[0] })
	if i < 0 {
		t.Fatalf("no AssumeRole signed with the new key %s", keys[0])
	}
	if bad := w.leaks(w.getenv("HOME")); len(bad) > 0 {
		t.Fatalf("secrets in %v", bad)
	}
}

func TestRotateRefusesWithTwoKeys(t *testing.T) {
	w := rotateWorld(t)
	second, _ := w.srv.CreateAccessKey(mgmtAccount, "alice")
	before := w.srv.AccessKeys(mgmtAccount, "alice")
	stdout, stderr, err := doctorRun(t, w, nil, "rotate", "mgmt")
	if err == nil {
		t.Fatal("rotate succeeded with two keys")
	}
	if stdout != "" {
		t.Fatalf("stdout %q", stdout)
	}
	mask := func(id string) string { return id[:4] + strings.Repeat(`\*`, len(id)-8) + id[len(id)-4:] }
	wantLines(t, stderr, `^credproc: error: the IAM user already has two access keys, the most IAM allows: .*`+mask(w.getenv("ALICE_AKID"))+` \(Active.*`+mask(second)+`.*nothing was changed$`,
		`^credproc: hint: delete the one that is not `)
	if strings.Contains(stderr, second) {
		t.Fatal("the key IDs are not masked")
	}
	if got := w.srv.AccessKeys(mgmtAccount, "alice"); !slices.Equal(got, before) {
		t.Fatalf("keys changed: %v -> %v", before, got)
	}
	if w.srv.Calls("CreateAccessKey") != 0 {
		t.Fatal("CreateAccessKey was called")
	}
	w.awsIdentity(t, "member")
}

// TestRotateInterrupted: deactivating the old key fails after the new one
// is stored: the source works with the new key and the message names the
// old key to delete.
func TestRotateInterrupted(t *testing.T) {
	w := rotateWorld(t)
	oldID := w.getenv("ALICE_AKID")
	w.srv.FailNext("UpdateAccessKey", "AccessDenied")
	_, stderr, err := doctorRun(t, w, nil, "rotate", "mgmt")
	if err == nil {
		t.Fatal("rotate succeeded")
	}
	keys := w.srv.AccessKeys(mgmtAccount, "alice")
	if len(keys) != 2 {
		t.Fatalf("keys %v", keys)
	}
	wantLines(t, stderr, `^credproc: error: source "mgmt" now holds the new key `+keys[1]+`, which works, but deactivating the old key `+oldID+` failed`,
		`^credproc: hint: delete the old key yourself: aws iam delete-access-key --access-key-id `+oldID+`$`)
	assumed := w.srv.Calls("AssumeRole")
	w.awsIdentity(t, "member")
	if w.srv.Calls("AssumeRole") != assumed+1 {
		t.Fatal("the old key's cached session was still served")
	}

	// Failing before the new key is stored leaves the old one, and no extra key.
	w2 := rotateWorld(t)
	w2.srv.SetKeyPropagation(time.Hour)
	w2.srv.FailNext("DeleteAccessKey", "AccessDenied") // the clean-up fails too
	_, stderr, err = doctorRun(t, w2, []string{"CREDPROC_PROPAGATION_WAIT=3s"}, "rotate", "mgmt")
	if err == nil {
		t.Fatal("rotate succeeded with a key that never propagates")
	}
	keys = w2.srv.AccessKeys(mgmtAccount, "alice")
	wantLines(t, stderr, `^credproc: error: the new key `+keys[1]+` was not accepted by STS: .*source "mgmt" keeps its old key `+w2.getenv("ALICE_AKID")+`, which works, and the new key .* is left over in IAM`)
	w2.awsIdentity(t, "member")
}

// TestRotateWithMFA: with an MFA device the IAM calls go through the
// cached MFA session: no new code, and nothing signed with the bare key.
func TestRotateWithMFA(t *testing.T) {
	t.Parallel() // mostly waiting: a deadline or the next TOTP window
	w := rotateWorld(t)
	mustSetup(t, w, "mfa", "--source", "mgmt", "--account", mfaAccount, "--mfa-serial", w.getenv("MFA_SERIAL"),
		"--mfa-process", `sh -c 'printf %s "$MFA_SECRET" | oathtool --totp -b -'`)
	w.awsIdentity(t, "mfa")
	codes := w.srv.Calls("GetSessionToken")
	w.srv.ResetCalls()
	_, stderr, err := doctorRun(t, w, nil, "rotate", "mgmt")
	if err != nil {
		t.Fatalf("rotate: %v\n%s", err, stderr)
	}
	wantLines(t, stderr, `^credproc: using MFA device .*, from profile mfa$`)
	if codes != 1 || w.srv.Calls("GetSessionToken") != 0 {
		t.Fatalf("GetSessionToken calls: %d before, %d during rotate", codes, w.srv.Calls("GetSessionToken"))
	}
	for _, c := range w.srv.Log() {
		if c.Service == "iam" && !strings.HasPrefix(c.AccessKeyID, "ASIA") {
			t.Fatalf("iam:%s signed with %s, not the MFA session", c.Action, c.AccessKeyID)
		}
	}
	// The MFA session of the old key is gone too; the next call gets a new
	// one with a new code (the mfa-process retry waits for the next window).
	w.awsIdentity(t, "mfa")
	if n := w.srv.Succeeded("GetSessionToken"); n != 1 {
		t.Fatalf("%d new MFA sessions, want 1: the old key's MFA session was served", n)
	}
}
