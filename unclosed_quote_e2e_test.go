//go:build unix

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestUnclosedQuoteCredentialsFile: a credentials file with an unclosed `
// or """ before a last line "aws_secret_access_key = …" (no trailing
// newline) made gopkg.in/ini.v1 quote that line, and credproc printed it
// (setup, doctor, --profile, credential_process mode) for the AWS CLI to
// repeat. botocore reads such a file, so credproc now does too: every
// command works and no output holds the secret.
func TestUnclosedQuoteCredentialsFile(t *testing.T) {
	for _, q := range []string{"`", `"""`} {
		t.Run(q, func(t *testing.T) {
			w := e2e(t)
			requireReal(t, haveAWSCLIv2(), "the AWS CLI v2 at /usr/bin/aws (Debian package awscli)")
			w.addSource(t, "mgmt")
			secret := w.getenv("BOB_SECRET")
			creds := w.getenv("AWS_SHARED_CREDENTIALS_FILE")
			os.MkdirAll(filepath.Dir(creds), 0o700)
			text := "[bob]\naws_access_key_id = " + w.getenv("BOB_AKID") + "\nnote = " + q + "abc\naws_secret_access_key = " + secret
			if err := os.WriteFile(creds, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			var all strings.Builder
			for _, args := range [][]string{
				{"setup", "member", "--source", "mgmt", "--account", memberAccount},
				{"doctor", "--profile", "member"},
				{"--profile", "member"},
				{"aws", "sts", "get-caller-identity", "--profile", "member", "--endpoint-url", w.srv.URL},
			} {
				stdout, stderr, err := w.run(args...)
				all.WriteString(stdout + stderr)
				if err != nil {
					t.Errorf("%q: %v\n%s", args, err, stderr)
				}
			}
			if strings.Contains(all.String(), secret) {
				t.Errorf("the secret key is in the output:\n%s", all.String())
			}
			if got, _ := os.ReadFile(creds); string(got) != text {
				t.Error("the credentials file changed")
			}
		})
	}
}
