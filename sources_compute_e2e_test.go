//go:build unix

package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awstest"
)

// TestComputeProfileSources: a profile with role_arn and credential_source
// = Ec2InstanceMetadata or EcsContainer serves as --source. The instance
// metadata (IMDSv2) and container credentials endpoints are the emulator's,
// on loopback, handing out sessions it issued; the real AWS CLI v2 runs
// credproc, which reaches the member account through the source's role.
func TestComputeProfileSources(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := e2e(t)
	home := w.getenv("HOME")
	hop := w.srv.CreateRole(awstest.Role{Account: mgmtAccount, Name: "Hop", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}, MaxSessionDuration: 12 * 3600e9})
	// The instance profile's and the task's role; the emulator issues their
	// sessions directly, as EC2 and ECS do, so no trust policy is involved.
	host := w.srv.CreateRole(awstest.Role{Account: mgmtAccount, Name: "HostRole", TrustedAccounts: []string{mgmtAccount}, Actions: []string{"*"}, MaxSessionDuration: 12 * 3600e9})
	imds := w.srv.ServeInstanceMetadata(host)
	defer imds.Close()
	const ecsToken = "task-auth-token-5d1f"
	ecs := w.srv.ServeContainerCredentials(host, ecsToken)
	defer ecs.Close()
	writeTestFile(t, filepath.Join(home, ".aws", "config"), `[profile ec2]
role_arn = `+hop+`
credential_source = Ec2InstanceMetadata

[profile ecs]
role_arn = `+hop+`
credential_source = EcsContainer
`)
	// No `aws` anywhere credproc looks: only its own directory on PATH. The
	// loopback guard turns IMDS off; this test serves one on loopback.
	w.env = append(w.env, "PATH="+binDir, "AWS_EC2_METADATA_DISABLED=false",
		"AWS_EC2_METADATA_SERVICE_ENDPOINT="+imds.URL,
		"AWS_CONTAINER_CREDENTIALS_FULL_URI="+ecs.URL+awstest.ContainerCredentialsPath)
	// A container endpoint that refuses the token: one error line naming
	// the profile, nothing on stdout, nothing cached (it runs first: a
	// session of the same source and role cached by a good call would answer).
	t.Run("ecs wrong token", func(t *testing.T) {
		execTestSetup(t, w, "member-ecs-bad", "--source", "profile:ecs", "--account", memberAccount)
		cmd := execTestCmd(w, []string{"AWS_CONTAINER_AUTHORIZATION_TOKEN=not-the-token"}, "--profile", "member-ecs-bad")
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
		if err == nil || stdout.Len() != 0 || len(lines) > 2 || !strings.HasPrefix(lines[0], "credproc: error: profile ecs: ") {
			t.Fatalf("err %v, stdout %q, stderr:\n%s", err, stdout.String(), stderr.String())
		}
		noSecretIn(t, w, "stderr", stderr.String())
	})
	for _, src := range []struct{ profile, action string }{
		{"ec2", "InstanceRoleCredentials"},
		{"ecs", "ContainerCredentials"},
	} {
		t.Run(src.profile, func(t *testing.T) {
			w.srv.ResetCalls()
			member := "member-" + src.profile
			execTestSetup(t, w, member, "--source", "profile:"+src.profile, "--account", memberAccount)
			cmd := execTestCmd(w, []string{"AWS_CONTAINER_AUTHORIZATION_TOKEN=" + ecsToken})
			cmd.Path, cmd.Args = "/usr/bin/aws", []string{"aws", "sts", "get-caller-identity", "--profile", member, "--endpoint-url", w.srv.URL, "--output", "text", "--query", "Arn"}
			out, err := cmd.CombinedOutput()
			want := "arn:aws:sts::" + memberAccount + ":assumed-role/OrganizationAccountAccessRole/"
			if err != nil || !strings.HasPrefix(strings.TrimSpace(string(out)), want) {
				t.Fatalf("aws sts get-caller-identity --profile %s: %v\n%s", member, err, out)
			}
			if w.srv.Succeeded(src.action) < 1 {
				t.Errorf("the source did not go through %s: %v", src.action, w.srv.Log())
			}
			// The source's role was assumed with the host's session.
			var hopped bool
			for _, c := range w.srv.Log() {
				hopped = hopped || c.Action == "AssumeRole" && strings.Contains(c.Caller, ":assumed-role/HostRole/") && c.ErrorCode == ""
			}
			if !hopped {
				t.Errorf("no AssumeRole by the host role's session: %v", w.srv.Log())
			}
			noSecretIn(t, w, "the AWS CLI's output", string(out))
		})
	}

	if bad := w.leaks(filepath.Join(home, ".cache")); len(bad) > 0 {
		t.Errorf("secrets in %v", bad)
	}
}
