package cli

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
)

// awkward holds every character that is special to some shell.
const awkward = `a'b"c\d$e` + "`f!g*h?i[j]k{l}m(n)o;p&q|r<s>t~u#v%w^x y\tz\n‘’‚‛“”$(rm -rf /)'\\''"

func testSession() *profileSession {
	return &profileSession{
		name: "member",
		creds: cache.Credentials{
			AccessKeyID:     "ASIAEXAMPLE",
			SecretAccessKey: "se/cr+et",
			SessionToken:    awkward,
			Expiration:      time.Date(2030, 1, 2, 3, 4, 5, 0, time.FixedZone("X", 3600)),
		},
		region: "eu-west-1",
	}
}

func TestSessionEnv(t *testing.T) {
	got := sessionEnv(testSession())
	want := []envVar{
		{"AWS_ACCESS_KEY_ID", "ASIAEXAMPLE"},
		{"AWS_SECRET_ACCESS_KEY", "se/cr+et"},
		{"AWS_SESSION_TOKEN", awkward},
		{"AWS_CREDENTIAL_EXPIRATION", "2030-01-02T02:04:05Z"}, // UTC
		{"AWS_REGION", "eu-west-1"},
		{"AWS_DEFAULT_REGION", "eu-west-1"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("sessionEnv:\n got %q\nwant %q", got, want)
	}

	// No token, expiry or region: the variables are left out.
	s := &profileSession{creds: cache.Credentials{AccessKeyID: "A", SecretAccessKey: "S"}}
	if got := sessionEnv(s); len(got) != 2 {
		t.Errorf("sessionEnv without token, expiry and region: %q", got)
	}
}

func TestChildEnv(t *testing.T) {
	parent := []string{
		"PATH=/bin", "AWS_PROFILE=other", "AWS_DEFAULT_PROFILE=other", "AWS_SECURITY_TOKEN=old",
		"AWS_SESSION_TOKEN=old", "AWS_CREDENTIAL_EXPIRATION=old", "AWS_REGION=us-east-1",
		"AWS_CONFIG_FILE=/c", "CREDPROC_PROFILE=outer", "EMPTY=", "HOME=/h",
	}
	set := []envVar{{"AWS_ACCESS_KEY_ID", "A"}, {"AWS_SECRET_ACCESS_KEY", "S"}, {"AWS_REGION", "eu-west-1"}}
	got := childEnv(parent, set, "member")
	want := []string{
		"PATH=/bin", "AWS_CONFIG_FILE=/c", "EMPTY=", "HOME=/h",
		"AWS_ACCESS_KEY_ID=A", "AWS_SECRET_ACCESS_KEY=S", "AWS_REGION=eu-west-1",
		"CREDPROC_PROFILE=member",
	}
	if !slices.Equal(got, want) {
		t.Errorf("childEnv:\n got %q\nwant %q", got, want)
	}
}

// TestEnvFormatsParseBack feeds each format with awkward values to its
// shell (when installed) and checks that the shell sees the same values.
func TestEnvFormatsParseBack(t *testing.T) {
	vs := sessionEnv(testSession())
	shells := []struct {
		format, shell string
		args          []string
		print         string // a command printing VAR's value then a NUL
	}{
		{"sh", "sh", []string{"-c"}, `printf '%s\0' "$VAR"`},
		{"sh", "bash", []string{"-c"}, `printf '%s\0' "$VAR"`},
		{"sh", "dash", []string{"-c"}, `printf '%s\0' "$VAR"`},
		{"sh", "zsh", []string{"-c"}, `printf '%s\0' "$VAR"`},
		{"fish", "fish", []string{"-c"}, `printf '%s\0' "$VAR"`},
		{"powershell", "pwsh", []string{"-NoProfile", "-Command"}, `[Console]::Out.Write($Env:VAR + [char]0)`},
	}
	for _, sh := range shells {
		t.Run(sh.shell, func(t *testing.T) {
			path, err := exec.LookPath(sh.shell)
			switch {
			case err == nil:
			case os.Getenv("CI") == "true" && sh.shell != "pwsh":
				// .ci/setup installs every shell Debian packages;
				// PowerShell is not among them.
				t.Fatalf("CI must provide %s (.ci/setup installs it)", sh.shell)
			default:
				t.Skipf("%s not installed", sh.shell)
			}
			var script strings.Builder
			envFormats[sh.format](&script, vs)
			for _, v := range vs {
				script.WriteString(strings.ReplaceAll(sh.print, "VAR", v.name) + "\n")
			}
			cmd := exec.Command(path, append(sh.args, script.String())...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("%s: %v", sh.shell, err)
			}
			got := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
			if len(got) != len(vs) {
				t.Fatalf("%s printed %d values, want %d", sh.shell, len(got), len(vs))
			}
			for i, v := range vs {
				if got[i] != v.value {
					t.Errorf("%s: %s = %q, want %q", sh.shell, v.name, got[i], v.value)
				}
			}
		})
	}
}

func TestQuoting(t *testing.T) {
	for _, c := range []struct {
		quote    func(string) string
		in, want string
	}{
		{shQuote, "plain", "'plain'"},
		{shQuote, "it's", `'it'\''s'`},
		{shQuote, "", "''"},
		{fishQuote, `a\b'c`, `'a\\b\'c'`},
		{powershellQuote, "it's", "'it''s'"},
		{powershellQuote, "a’b", "'a’’b'"},
	} {
		if got := c.quote(c.in); got != c.want {
			t.Errorf("quote(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestExitStatus(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("needs sh")
	}
	for script, want := range map[string]int{
		"exit 0":        0,
		"exit 7":        7,
		"exit 255":      255,
		"kill -TERM $$": 143,
		"kill -KILL $$": 137,
	} {
		cmd := exec.Command("sh", "-c", script)
		cmd.Run()
		if got := exitStatus(cmd.ProcessState); got != want {
			t.Errorf("%s: exit status %d, want %d", script, got, want)
		}
	}
}

// TestExecBadInput covers what cmdExec rejects before any credentials are
// resolved: nothing reaches stdout, and the exit codes are a shell's.
func TestExecBadInput(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	for _, c := range []struct {
		args     []string
		wantCode int // exit code Main returns
		wantErr  string
	}{
		{[]string{"--profile", "p"}, 2, "no command"},
		{[]string{"--profile", "p", "--"}, 2, "no command"},
		{[]string{"--", "true"}, 2, "give --profile P"},
		{[]string{"--bogus", "--", "true"}, 2, "flag provided but not defined"},
		{[]string{"--profile", "p", "--", "credproc-no-such-command"}, exitNotFound, "command not found: credproc-no-such-command"},
		{[]string{"--profile", "p", "--", "./no/such/file"}, exitNotFound, "command not found: ./no/such/file"},
	} {
		var stdout, stderr bytes.Buffer
		u := &ui{stdout: &stdout, stderr: &stderr}
		err := cmdExec(context.Background(), u, c.args)
		if err == nil {
			t.Errorf("exec %q: no error", c.args)
			continue
		}
		code := u.fail(err)
		if code != c.wantCode || !strings.Contains(stderr.String(), c.wantErr) || stdout.Len() > 0 {
			t.Errorf("exec %q: exit %d, stdout %q, stderr %q; want exit %d and %q", c.args, code, stdout.String(), stderr.String(), c.wantCode, c.wantErr)
		}
	}
}

func TestEnvBadInput(t *testing.T) {
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(t.TempDir(), "none"))
	for _, c := range []struct {
		args    []string
		wantErr string
	}{
		{nil, "give --profile P"},
		{[]string{"--profile", "p", "--format", "csh"}, `unknown format "csh"`},
		{[]string{"--profile", "p", "extra"}, `unexpected argument "extra"`},
		{[]string{"--profile", "p", "--format"}, "flag needs an argument"},
	} {
		var stdout, stderr bytes.Buffer
		u := &ui{stdout: &stdout, stderr: &stderr}
		err := cmdEnv(context.Background(), u, c.args)
		var ue usageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.wantErr) || stdout.Len() > 0 {
			t.Errorf("env %q: error %v, stdout %q; want a usage error with %q", c.args, err, stdout.String(), c.wantErr)
		}
	}
}
