package credproc

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credproc/credproc/internal/awsconfig"
)

// configHome makes a HOME with an AWS config file holding cfg, where BIN
// stands for an executable ./bin/credproc, and returns the binary's path.
func configHome(t *testing.T, cfg string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	bin := filepath.Join(home, "bin", "credproc")
	for path, data := range map[string]string{bin: "#!/bin/sh\n", filepath.Join(home, ".aws", "config"): strings.ReplaceAll(cfg, "BIN", bin)} {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(data), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	return bin
}

const goodConfigLine = "BIN --source mgmt --role-arn arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"

func TestCheckConfig(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     string
		creds   string
		env     string // AWS_ACCESS_KEY_ID
		status  string
		msg     string // substring of Msg
		fix     string // substring of a fix
		noPerms bool   // make the binary non-executable
	}{
		{name: "ok", cfg: "[profile p]\ncredential_process = " + goodConfigLine + "\n", status: StatusOK, msg: "profile p in ~/.aws/config runs "},
		{name: "process word", cfg: "[profile p]\ncredential_process = BIN process --source mgmt\n", status: StatusOK},
		{name: "env keys", cfg: "[profile p]\ncredential_process = " + goodConfigLine + "\n", env: "AKIAEXAMPLE", status: StatusWarn, msg: "AWS_ACCESS_KEY_ID is set", fix: "unset AWS_ACCESS_KEY_ID"},
		{name: "missing", cfg: "[profile q]\n", status: StatusFail, msg: `no profile "p" in ~/.aws/config`, fix: "credproc setup p --source NAME --account ID"},
		{name: "no process", cfg: "[profile p]\nregion = eu-west-1\n", status: StatusFail, msg: "has no credential_process", fix: "credproc setup p"},
		{name: "not credproc", cfg: "[profile p]\ncredential_process = /usr/bin/aws-vault export --format=json p\n", status: StatusFail, msg: "runs /usr/bin/aws-vault, not credproc"},
		{name: "bad flag", cfg: "[profile p]\ncredential_process = BIN --source mgmt --bogus\n", status: StatusFail, msg: "flag provided but not defined: --bogus"},
		{name: "stray argument", cfg: "[profile p]\ncredential_process = BIN --source mgmt extra\n", status: StatusFail, msg: `unexpected argument "extra"`},
		{name: "invalid settings", cfg: "[profile p]\ncredential_process = BIN --source mgmt --role-arn arn:aws:iam::1:role/x\n", status: StatusFail, msg: "invalid role ARN"},
		{name: "no binary", cfg: "[profile p]\ncredential_process = /nonexistent/credproc --source mgmt\n", status: StatusFail, msg: "/nonexistent/credproc, which does not exist", fix: "it writes its own absolute path"},
		{name: "not executable", cfg: "[profile p]\ncredential_process = " + goodConfigLine + "\n", noPerms: true, status: StatusFail, msg: "which is not executable"},
		{name: "relative", cfg: "[profile p]\ncredential_process = ./credproc --source mgmt\n", status: StatusFail, msg: "a relative path"},
		{name: "not on PATH", cfg: "[profile p]\ncredential_process = credproc-nowhere --source mgmt\n", status: StatusFail, msg: "credproc-nowhere, which is not on PATH"},
		{name: "role_arn", cfg: "[profile p]\ncredential_process = " + goodConfigLine + "\nrole_arn = arn:aws:iam::1:role/x\nsso_session = s\n", status: StatusFail,
			msg: "profile p also has role_arn, so the AWS CLI ignores credential_process; profile p also has sso_session", fix: "remove role_arn from [profile p] in ~/.aws/config"},
		{name: "credentials keys", cfg: "[profile p]\ncredential_process = " + goodConfigLine + "\n", creds: "[p]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n", status: StatusFail,
			msg: "~/.aws/credentials has keys for [p], which the AWS CLI uses before credential_process", fix: "remove the keys of [p]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := configHome(t, tc.cfg)
			if tc.noPerms {
				os.Chmod(bin, 0o600)
			}
			if tc.creds != "" {
				os.WriteFile(awsconfig.CredentialsPath(), []byte(tc.creds), 0o600)
			}
			f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
			if err != nil {
				t.Fatal(err)
			}
			env := map[string]string{"AWS_ACCESS_KEY_ID": tc.env}
			c, s := CheckConfig(f, "p", func(k string) string { return env[k] })
			if c.Step != "config" || c.Status != tc.status || !strings.Contains(c.Msg, tc.msg) {
				t.Errorf("got %s %q, want %s %q", c.Status, c.Msg, tc.status, tc.msg)
			}
			if tc.fix != "" && !strings.Contains(strings.Join(c.Fix, "\n"), tc.fix) {
				t.Errorf("fixes %q lack %q", c.Fix, tc.fix)
			}
			if (s != nil) != (tc.status != StatusFail) {
				t.Errorf("settings %v with status %s", s, c.Status)
			}
			if s != nil && s.Source != "mgmt" {
				t.Errorf("source %q", s.Source)
			}
		})
	}
}

func TestCheckConfigBinaryOnPath(t *testing.T) {
	bin := configHome(t, "[profile p]\ncredential_process = credproc --source mgmt\n")
	t.Setenv("PATH", filepath.Dir(bin))
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := CheckConfig(f, "p", func(string) string { return "" }); c.Status != StatusOK {
		t.Errorf("got %s %q", c.Status, c.Msg)
	}
}

func TestSkippedAfterConfig(t *testing.T) {
	var steps []string
	for _, c := range SkippedAfterConfig() {
		if c.Status != StatusSkip || c.Msg != "needs a working profile (see config)" {
			t.Errorf("%s: %s %q", c.Step, c.Status, c.Msg)
		}
		steps = append(steps, c.Step)
	}
	if got := strings.Join(steps, ","); got != "keyring,source,identity,mfa,cache,assume role" {
		t.Errorf("steps %s", got)
	}
}

func TestTildePath(t *testing.T) {
	home := t.TempDir()
	t.Setenv("HOME", home)
	for in, want := range map[string]string{
		filepath.Join(home, ".aws", "config"): filepath.Join("~", ".aws", "config"),
		home:                                  home,
		"/elsewhere/config":                   "/elsewhere/config",
		filepath.Join(home+"x", "config"):     filepath.Join(home+"x", "config"),
	} {
		if got := TildePath(in); got != want {
			t.Errorf("TildePath(%q) = %q, want %q", in, got, want)
		}
	}
}
