package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// doctorHome makes a HOME with an AWS config file holding cfg and an
// executable ./bin/credproc, and returns the binary's path.
func doctorHome(t *testing.T, cfg string) string {
	t.Helper()
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(home, ".aws", "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(home, ".aws", "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_ACCESS_KEY_ID", "")
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

const goodLine = "BIN --source mgmt --role-arn arn:aws:iam::222222222222:role/OrganizationAccountAccessRole"

func TestDoctorCheckConfig(t *testing.T) {
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
		{name: "ok", cfg: "[profile p]\ncredential_process = " + goodLine + "\n", status: credproc.StatusOK, msg: "profile p in ~/.aws/config runs "},
		{name: "process word", cfg: "[profile p]\ncredential_process = BIN process --source mgmt\n", status: credproc.StatusOK},
		{name: "env keys", cfg: "[profile p]\ncredential_process = " + goodLine + "\n", env: "AKIAEXAMPLE", status: credproc.StatusWarn, msg: "AWS_ACCESS_KEY_ID is set", fix: "unset AWS_ACCESS_KEY_ID"},
		{name: "missing", cfg: "[profile q]\n", status: credproc.StatusFail, msg: `no profile "p" in ~/.aws/config`, fix: "credproc setup p --source NAME --account ID"},
		{name: "no process", cfg: "[profile p]\nregion = eu-west-1\n", status: credproc.StatusFail, msg: "has no credential_process", fix: "credproc setup p"},
		{name: "not credproc", cfg: "[profile p]\ncredential_process = /usr/bin/aws-vault export --format=json p\n", status: credproc.StatusFail, msg: "runs /usr/bin/aws-vault, not credproc"},
		{name: "bad flag", cfg: "[profile p]\ncredential_process = BIN --source mgmt --bogus\n", status: credproc.StatusFail, msg: "flag provided but not defined: --bogus"},
		{name: "stray argument", cfg: "[profile p]\ncredential_process = BIN --source mgmt extra\n", status: credproc.StatusFail, msg: `unexpected argument "extra"`},
		{name: "invalid settings", cfg: "[profile p]\ncredential_process = BIN --source mgmt --role-arn arn:aws:iam::1:role/x\n", status: credproc.StatusFail, msg: "invalid role ARN"},
		{name: "no binary", cfg: "[profile p]\ncredential_process = /nonexistent/credproc --source mgmt\n", status: credproc.StatusFail, msg: "/nonexistent/credproc, which does not exist", fix: "it writes its own absolute path"},
		{name: "not executable", cfg: "[profile p]\ncredential_process = " + goodLine + "\n", noPerms: true, status: credproc.StatusFail, msg: "which is not executable"},
		{name: "relative", cfg: "[profile p]\ncredential_process = ./credproc --source mgmt\n", status: credproc.StatusFail, msg: "a relative path"},
		{name: "not on PATH", cfg: "[profile p]\ncredential_process = credproc-nowhere --source mgmt\n", status: credproc.StatusFail, msg: "credproc-nowhere, which is not on PATH"},
		{name: "role_arn", cfg: "[profile p]\ncredential_process = " + goodLine + "\nrole_arn = arn:aws:iam::1:role/x\nsso_session = s\n", status: credproc.StatusFail,
			msg: "profile p also has role_arn, so the AWS CLI ignores credential_process; profile p also has sso_session", fix: "remove role_arn from [profile p] in ~/.aws/config"},
		{name: "credentials keys", cfg: "[profile p]\ncredential_process = " + goodLine + "\n", creds: "[p]\naws_access_key_id = AKIAX\naws_secret_access_key = y\n", status: credproc.StatusFail,
			msg: "~/.aws/credentials has keys for [p], which the AWS CLI uses before credential_process", fix: "remove the keys of [p]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := doctorHome(t, tc.cfg)
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
			c, s := checkConfig(f, "p", func(k string) string { return env[k] })
			if c.Step != "config" || c.Status != tc.status || !strings.Contains(c.Msg, tc.msg) {
				t.Errorf("got %s %q, want %s %q", c.Status, c.Msg, tc.status, tc.msg)
			}
			if tc.fix != "" && !strings.Contains(strings.Join(c.Fix, "\n"), tc.fix) {
				t.Errorf("fixes %q lack %q", c.Fix, tc.fix)
			}
			if (s != nil) != (tc.status != credproc.StatusFail) {
				t.Errorf("settings %v with status %s", s, c.Status)
			}
			if s != nil && s.Source != "mgmt" {
				t.Errorf("source %q", s.Source)
			}
		})
	}
}

func TestDoctorBinaryOnPath(t *testing.T) {
	bin := doctorHome(t, "[profile p]\ncredential_process = credproc --source mgmt\n")
	t.Setenv("PATH", filepath.Dir(bin))
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	if c, _ := checkConfig(f, "p", func(string) string { return "" }); c.Status != credproc.StatusOK {
		t.Errorf("got %s %q", c.Status, c.Msg)
	}
}

func TestDoctorCredprocProfiles(t *testing.T) {
	doctorHome(t, "[default]\nregion = us-east-1\n[profile a]\ncredential_process = "+goodLine+
		"\n[profile other]\ncredential_process = /usr/bin/other\n[profile b]\ncredential_process = '/opt/my tools/credproc.exe' --source x\n")
	f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(credprocProfiles(f), ","); got != "a,b" {
		t.Errorf("credproc profiles %q, want a,b", got)
	}
}

func TestDoctorPrintCheck(t *testing.T) {
	var b bytes.Buffer
	printCheck(&b, credproc.Check{Step: "config", Status: credproc.StatusOK, Msg: "profile member in ~/.aws/config"})
	printCheck(&b, credproc.Check{Step: "assume role", Status: credproc.StatusFail, Msg: "AccessDenied:\n two lines", Cause: "because", Fix: []string{"add this\n{\"Effect\":\"Allow\"}", "then that"}})
	printCheck(&b, credproc.Check{Step: "mfa", Status: credproc.StatusWarn, Msg: "soon"})
	want := `ok   config: profile member in ~/.aws/config
FAIL assume role: AccessDenied: two lines
     cause: because
     fix: add this
          {"Effect":"Allow"}
     fix: then that
warn mfa: soon
`
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}

func TestDoctorCommandConfigFailures(t *testing.T) {
	run := func(args ...string) (string, error) {
		var out, errOut bytes.Buffer
		err := cmdDoctor(context.Background(), &ui{stdout: &out, stderr: &errOut}, args)
		if errOut.Len() > 0 {
			t.Errorf("stderr: %q", errOut.String())
		}
		return out.String(), err
	}

	doctorHome(t, "[profile other]\nregion = eu-west-1\n")
	out, err := run()
	if err == nil || !strings.HasPrefix(out, "FAIL config: no credproc profile in ~/.aws/config\n     fix: write one: `credproc setup") {
		t.Errorf("no profiles: %v\n%s", err, out)
	}

	// A profile that is not credproc's: the later steps are skipped.
	out, err = run("--profile", "other")
	if err == nil || !strings.Contains(err.Error(), "1 of 1 profiles fail: other (config)") {
		t.Errorf("err = %v", err)
	}
	for _, line := range []string{"FAIL config: profile other in ~/.aws/config has no credential_process", "skip keyring: ", "skip assume role: needs a working profile (see config)"} {
		if !strings.Contains(out, line) {
			t.Errorf("stdout lacks %q:\n%s", line, out)
		}
	}

	// $AWS_PROFILE is the default.
	t.Setenv("AWS_PROFILE", "nope")
	if out, _ = run(); !strings.Contains(out, `FAIL config: no profile "nope" in ~/.aws/config`) {
		t.Errorf("AWS_PROFILE ignored:\n%s", out)
	}

	_, err = run("other")
	var ue usageError
	if !errors.As(err, &ue) {
		t.Errorf("positional argument: %v, want a usage error", err)
	}

	os.WriteFile(awsconfig.ConfigPath(), []byte("[profile broken\n"), 0o600)
	if out, err = run(); err == nil || !strings.HasPrefix(out, "FAIL config: ") {
		t.Errorf("corrupt config: %v\n%s", err, out)
	}
}
