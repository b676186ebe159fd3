package awstest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

const awsCLI = "/usr/bin/aws"

// runCLI runs the AWS CLI against s with only the given credentials, an
// empty configuration and no pager, and decodes its JSON output.
func runCLI(t *testing.T, s *Server, c creds, out any, args ...string) {
	t.Helper()
	stdout, stderr, err := execCLI(t, s, c, args...)
	if err != nil {
		t.Fatalf("aws %v: %v\n%s", args, err, stderr)
	}
	if err := json.Unmarshal(stdout, out); err != nil {
		t.Fatalf("aws %v output %q: %v", args, stdout, err)
	}
}

func execCLI(t *testing.T, s *Server, c creds, args ...string) (stdout, stderr []byte, err error) {
	t.Helper()
	dir := t.TempDir()
	empty := func(name string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	cmd := exec.Command(awsCLI, append(args, "--endpoint-url", s.URL, "--output", "json")...)
	cmd.Env = []string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + dir,
		"AWS_ACCESS_KEY_ID=" + c.id,
		"AWS_SECRET_ACCESS_KEY=" + c.secret,
		"AWS_DEFAULT_REGION=us-east-1",
		"AWS_PAGER=",
		"AWS_CONFIG_FILE=" + empty("config"),
		"AWS_SHARED_CREDENTIALS_FILE=" + empty("credentials"),
		"AWS_EC2_METADATA_DISABLED=true",
	}
	if c.token != "" {
		cmd.Env = append(cmd.Env, "AWS_SESSION_TOKEN="+c.token)
	}
	var errBuf strings.Builder
	cmd.Stderr = &errBuf
	stdout, err = cmd.Output()
	return stdout, []byte(errBuf.String()), err
}

// TestAWSCLI proves that botocore's signatures verify, with long-lived
// and temporary credentials, by running the real AWS CLI.
func TestAWSCLI(t *testing.T) {
	if _, err := os.Stat(awsCLI); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", awsCLI, err)
		}
		t.Skipf("%s not installed", awsCLI)
	}
	t.Parallel() // the CLI starts slowly; let other tests run meanwhile
	s := newServer(t)
	alice := userCreds(s, acct, "alice")
	arn := s.CreateRole(Role{Account: acct2, Name: "admin", TrustedAccounts: []string{acct}, Actions: []string{"*"}})

	var id struct{ UserId, Account, Arn string }
	runCLI(t, s, alice, &id, "sts", "get-caller-identity")
	if id.Arn != "arn:aws:iam::111111111111:user/alice" || id.Account != acct {
		t.Errorf("get-caller-identity = %+v", id)
	}

	var ar struct {
		Credentials struct {
			AccessKeyId, SecretAccessKey, SessionToken string
			Expiration                                 time.Time
		}
		AssumedRoleUser struct{ AssumedRoleId, Arn string }
	}
	runCLI(t, s, alice, &ar, "sts", "assume-role", "--role-arn", arn, "--role-session-name", "cli+user@example.com", "--duration-seconds", "900")
	if ar.AssumedRoleUser.Arn != "arn:aws:sts::222222222222:assumed-role/admin/cli+user@example.com" || ar.Credentials.Expiration.IsZero() {
		t.Errorf("assume-role = %+v", ar.AssumedRoleUser)
	}

	// The CLI signs with the session token too.
	sess := creds{id: ar.Credentials.AccessKeyId, secret: ar.Credentials.SecretAccessKey, token: ar.Credentials.SessionToken}
	runCLI(t, s, sess, &id, "sts", "get-caller-identity")
	if id.Arn != ar.AssumedRoleUser.Arn {
		t.Errorf("session get-caller-identity = %+v", id)
	}
	// And the SDK agrees on the same credentials.
	out, err := client(s, sess).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || aws.ToString(out.Arn) != id.Arn {
		t.Errorf("SDK with CLI-issued session: %v %v", out, err)
	}

	// botocore understands the emulator's errors.
	_, stderr, err := execCLI(t, s, creds{id: alice.id, secret: "wrong" + alice.secret[5:]}, "sts", "get-caller-identity")
	if err == nil || !strings.Contains(string(stderr), "An error occurred (SignatureDoesNotMatch) when calling the GetCallerIdentity operation: The request signature we calculated") {
		t.Errorf("wrong secret: %v\n%s", err, stderr)
	}
	if n := s.Succeeded("AssumeRole") + s.Succeeded("GetCallerIdentity"); n != 4 || s.Calls("GetCallerIdentity") != 4 {
		t.Errorf("succeeded calls %d, want 4; log %+v", n, s.Log())
	}
}
