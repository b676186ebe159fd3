//go:build unix

package main

import (
	"crypto/sha1"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awstest"
)

// TestProfileSources: every kind of AWS profile serves as --source through
// the SDK's own credential chain, with no `aws` on credproc's PATH: the
// real AWS CLI v2 runs credproc, and the member role it assumes with the
// source's credentials answers the CLI's own call.
func TestProfileSources(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := e2e(t)
	home := w.getenv("HOME")
	// A role in the management account for the sources to reach; the member
	// account's OrganizationAccountAccessRole trusts that account.
	hop := w.srv.CreateRole(awstest.Role{Account: mgmtAccount, Name: "Hop", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}, MaxSessionDuration: 12 * 3600e9})
	w.srv.AddSSOToken("sso-access-token", hop)
	w.srv.AddWebIdentityToken("web-identity-jwt", hop)
	tokenFile := filepath.Join(home, "web-token")
	writeTestFile(t, tokenFile, "web-identity-jwt")
	// The SSO token as `aws sso login` caches it: named by the SHA-1 of the
	// sso-session name.
	sum := sha1.Sum([]byte("corp"))
	writeTestFile(t, filepath.Join(home, ".aws", "sso", "cache", hex.EncodeToString(sum[:])+".json"),
		`{"startUrl":"https://example.awsapps.com/start","region":"us-east-1","accessToken":"sso-access-token","expiresAt":"2099-01-01T00:00:00Z"}`)
	writeTestFile(t, filepath.Join(home, ".aws", "credentials"),
		"[base]\naws_access_key_id = "+w.getenv("ALICE_AKID")+"\naws_secret_access_key = "+w.getenv("ALICE_SECRET")+"\n")
	writeTestFile(t, filepath.Join(home, ".aws", "config"), `[sso-session corp]
sso_region = us-east-1
sso_start_url = https://example.awsapps.com/start

[profile sso]
sso_session = corp
sso_account_id = `+mgmtAccount+`
sso_role_name = Hop

[profile web]
role_arn = `+hop+`
web_identity_token_file = `+tokenFile+`

[profile envsrc]
role_arn = `+hop+`
credential_source = Environment

[profile chain]
role_arn = `+hop+`
source_profile = base
`)
	// No `aws` anywhere credproc looks: only its own directory on PATH.
	w.env = append(w.env, "PATH="+binDir, "AWS_ENDPOINT_URL_SSO="+w.srv.URL)
	for _, src := range []struct{ profile, action string }{
		{"sso", "GetRoleCredentials"},
		{"web", "AssumeRoleWithWebIdentity"},
		{"envsrc", "AssumeRole"},
		{"chain", "AssumeRole"},
	} {
		t.Run(src.profile, func(t *testing.T) {
			w.srv.ResetCalls()
			member := "member-" + src.profile
			execTestSetup(t, w, member, "--source", "profile:"+src.profile, "--account", memberAccount)
			env := []string{}
			if src.profile == "envsrc" {
				// credential_source = Environment: the keys in credproc's
				// environment; the AWS CLI itself ignores them for an
				// explicit --profile.
				env = []string{"AWS_ACCESS_KEY_ID=" + w.getenv("ALICE_AKID"), "AWS_SECRET_ACCESS_KEY=" + w.getenv("ALICE_SECRET")}
			}
			cmd := execTestCmd(w, env)
			cmd.Path, cmd.Args = "/usr/bin/aws", []string{"aws", "sts", "get-caller-identity", "--profile", member, "--endpoint-url", w.srv.URL, "--output", "text", "--query", "Arn"}
			out, err := cmd.CombinedOutput()
			want := "arn:aws:sts::" + memberAccount + ":assumed-role/OrganizationAccountAccessRole/"
			if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), want) {
				t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", member, err, out)
			}
			if w.srv.Succeeded(src.action) < 1 {
				t.Errorf("the source did not go through %s: %v", src.action, w.srv.Log())
			}
			noSecretIn(t, w, "the AWS CLI's output", string(out))
		})
	}
	if bad := w.leaks(filepath.Join(home, ".cache")); len(bad) > 0 {
		t.Errorf("secrets in %v", bad)
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
