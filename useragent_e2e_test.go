//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awstest"
)

// TestAppIDReachesSTS: AWS_SDK_UA_APP_ID, set where the AWS CLI runs
// credproc, reaches every STS call of a cold credproc call as `app/ID` in
// the User-Agent, for a keyring source (credproc's own AssumeRole) and for
// a profile source (the SDK's AssumeRole for source_profile, then
// credproc's); without it no call names an app.
func TestAppIDReachesSTS(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := e2e(t)
	home := w.getenv("HOME")
	w.addSource(t, "mgmt")
	hop := w.srv.CreateRole(awstest.Role{Account: mgmtAccount, Name: "Hop", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}, MaxSessionDuration: 12 * 3600e9})
	writeTestFile(t, filepath.Join(home, ".aws", "credentials"),
		"[base]\naws_access_key_id = "+w.getenv("ALICE_AKID")+"\naws_secret_access_key = "+w.getenv("ALICE_SECRET")+"\n")
	writeTestFile(t, filepath.Join(home, ".aws", "config"), "[profile chain]\nrole_arn = "+hop+"\nsource_profile = base\n")
	role := "arn:aws:iam::" + memberAccount + ":role/OrganizationAccountAccessRole"
	for _, tc := range []struct {
		name, source string
		appID        string
		stsCalls     int // STS calls credproc makes, cold
	}{
		{"keyring source", "mgmt", "myapp", 1},
		{"profile source", "profile:chain", "myapp", 2},
		{"no app ID", "mgmt", "", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			profile := "ua-" + strings.ReplaceAll(tc.name, " ", "-")
			// A session name of its own per case: every call is cold.
			args := []string{"--source", tc.source, "--role-arn", role, "--session-name", profile}
			execTestSetup(t, w, profile, args...)
			w.srv.ResetCalls()
			cmd := execTestCmd(w, []string{"AWS_SDK_UA_APP_ID=" + tc.appID})
			cmd.Path, cmd.Args = "/usr/bin/aws", []string{"aws", "sts", "get-caller-identity", "--profile", profile, "--endpoint-url", w.srv.URL, "--output", "text", "--query", "Account"}
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", profile, err, out)
			}
			var n int
			for _, c := range w.srv.Log() {
				if c.Service != "sts" || c.Action == "GetCallerIdentity" { // the AWS CLI's own call
					continue
				}
				n++
				// Once: a client that names the app twice is wrong too.
				has := strings.Count(c.UserAgent, "app/") == 1 && strings.Contains(" "+c.UserAgent+" ", " app/"+tc.appID+" ")
				if tc.appID == "" {
					has = !strings.Contains(c.UserAgent, "app/")
				}
				if !has || c.ErrorCode != "" {
					t.Errorf("%s (%s): User-Agent %q, want app/%s once", c.Action, c.ErrorCode, c.UserAgent, tc.appID)
				}
			}
			if n != tc.stsCalls {
				t.Errorf("%d STS calls by credproc, want %d: %+v", n, tc.stsCalls, w.srv.Log())
			}
		})
	}
}
