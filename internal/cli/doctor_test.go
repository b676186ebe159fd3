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
