//go:build unix

package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/sts"
)

// TestLoginSessionSource: a profile with login_session (the session `aws
// login` signs in and caches under ~/.aws/login/cache) serves as --source
// through the SDK's credential chain; the real AWS CLI v2 runs credproc,
// which assumes the member role with the session's credentials. The cached
// session is an emulator-issued one of alice's and unexpired, so the SDK
// uses it as it stands (refreshing an expired one calls the sign-in
// service's CreateOAuth2Token, which the emulator does not serve).
func TestLoginSessionSource(t *testing.T) {
	requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
	w := e2e(t)
	home := w.getenv("HOME")
	// What `aws login` leaves: alice's session credentials, a refresh token
	// and the DPoP key that signs the refresh.
	c := sts.New(sts.Options{Region: "us-east-1", BaseEndpoint: aws.String(w.srv.URL),
		Credentials: credentials.NewStaticCredentialsProvider(w.getenv("ALICE_AKID"), w.getenv("ALICE_SECRET"), "")})
	out, err := c.GetSessionToken(context.Background(), &sts.GetSessionTokenInput{})
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalECPrivateKey(key)
	session := "arn:aws:iam::" + mgmtAccount + ":user/alice"
	tok, _ := json.Marshal(map[string]any{
		"accessToken": map[string]any{
			"accessKeyId": aws.ToString(out.Credentials.AccessKeyId), "secretAccessKey": aws.ToString(out.Credentials.SecretAccessKey),
			"sessionToken": aws.ToString(out.Credentials.SessionToken), "accountId": mgmtAccount,
			"expiresAt": aws.ToTime(out.Credentials.Expiration).UTC().Format(time.RFC3339),
		},
		"tokenType": "aws_sigv4", "refreshToken": "refresh-token-not-used", "clientId": "arn:aws:signin:::devtools/same-device",
		"dpopKey": string(pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: der})), "signInRegion": "us-east-1",
	})
	sum := sha256.Sum256([]byte(session))
	writeTestFile(t, filepath.Join(home, ".aws", "login", "cache", hex.EncodeToString(sum[:])+".json"), string(tok))
	writeTestFile(t, filepath.Join(home, ".aws", "config"), "[profile login]\nlogin_session = "+session+"\nregion = us-east-1\n")
	w.srv.ResetCalls()
	w.env = append(w.env, "PATH="+binDir)
	execTestSetup(t, w, "member-login", "--source", "profile:login", "--account", memberAccount)
	cmd := execTestCmd(w, nil)
	cmd.Path, cmd.Args = "/usr/bin/aws", []string{"aws", "sts", "get-caller-identity", "--profile", "member-login", "--endpoint-url", w.srv.URL, "--output", "text", "--query", "Arn"}
	got, err := cmd.CombinedOutput()
	want := "arn:aws:sts::" + memberAccount + ":assumed-role/OrganizationAccountAccessRole/"
	if err != nil || !strings.HasPrefix(strings.TrimSpace(string(got)), want) {
		t.Fatalf("aws sts get-caller-identity --profile member-login: %v\n%s", err, got)
	}
	var fromSession bool
	for _, call := range w.srv.Log() {
		fromSession = fromSession || call.Action == "AssumeRole" && call.AccessKeyID == aws.ToString(out.Credentials.AccessKeyId) && call.ErrorCode == ""
	}
	if !fromSession {
		t.Errorf("no AssumeRole with the login session's key: %v", w.srv.Log())
	}
	noSecretIn(t, w, "the AWS CLI's output", string(got))
	w.secrets = append(w.secrets, aws.ToString(out.Credentials.SecretAccessKey))

	// An expired session needs a refresh the emulator refuses: one error
	// line naming the profile, nothing on stdout. The sign-in endpoint is
	// the emulator's, so the refresh stays on loopback.
	var expired map[string]any
	json.Unmarshal(tok, &expired)
	expired["accessToken"].(map[string]any)["expiresAt"] = time.Now().Add(-time.Minute).UTC().Format(time.RFC3339)
	tok, _ = json.Marshal(expired)
	writeTestFile(t, filepath.Join(home, ".aws", "login", "cache", hex.EncodeToString(sum[:])+".json"), string(tok))
	execTestSetup(t, w, "member-login2", "--source", "profile:login", "--account", memberAccount, "--session-name", "expired")
	cmd = execTestCmd(w, []string{"AWS_ENDPOINT_URL_SIGNIN=" + w.srv.URL}, "--profile", "member-login2")
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err = cmd.Run()
	lines := strings.Split(strings.TrimSpace(stderr.String()), "\n")
	if err == nil || stdout.Len() != 0 || len(lines) > 2 || !strings.HasPrefix(lines[0], "credproc: error: profile login: ") {
		t.Fatalf("expired login session: err %v, stdout %q, stderr:\n%s", err, stdout.String(), stderr.String())
	}
	noSecretIn(t, w, "stderr", stderr.String())
	if bad := w.leaks(filepath.Join(home, ".cache")); len(bad) > 0 {
		t.Errorf("secrets in %v", bad)
	}
}
