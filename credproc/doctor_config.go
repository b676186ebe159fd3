package credproc

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/credproc/credproc/internal/awsconfig"
)

// ConflictingKeys are the profile keys that make the AWS CLI ignore
// credential_process: setup removes them, doctor's config step reports them.
var ConflictingKeys = []string{
	"role_arn", "source_profile", "credential_source", "web_identity_token_file",
	"sso_session", "sso_start_url", "sso_region", "sso_account_id", "sso_role_name", "sso_registration_scopes",
	"aws_access_key_id", "aws_secret_access_key", "aws_session_token",
}

// afterConfig are the doctor's steps that need a working profile.
var afterConfig = []string{"keyring", "source", "identity", "mfa", "cache", "assume role"}

// SkippedAfterConfig are the steps a profile whose config step fails skips.
func SkippedAfterConfig() []Check {
	checks := make([]Check, 0, len(afterConfig))
	for _, step := range afterConfig {
		checks = append(checks, Check{Step: step, Status: StatusSkip, Msg: "needs a working profile (see config)"})
	}
	return checks
}

// CheckConfig is the doctor's first step: profile name exists in f, its
// credential_process is a credproc line whose settings are valid and whose
// binary can run, and nothing makes the AWS CLI ignore it. It returns the
// settings when the profile can be used. getenv reads the environment the
// AWS CLI will run in.
func CheckConfig(f *awsconfig.File, name string, getenv func(string) string) (Check, *Settings) {
	path := TildePath(f.Path())
	fail := func(msg string, fix ...string) (Check, *Settings) {
		return Check{Step: "config", Status: StatusFail, Msg: msg, Fix: fix}, nil
	}
	qname := awsconfig.QuoteWord(name)
	setupFix := "write it with `credproc setup " + qname + " --source NAME --account ID` (or --role-arn ARN)"
	p, ok := f.Profile(name)
	if !ok {
		return fail(fmt.Sprintf("no profile %q in %s", name, path), setupFix)
	}
	line := p.Keys["credential_process"]
	if line == "" {
		return fail(fmt.Sprintf("profile %s in %s has no credential_process", name, path), setupFix)
	}
	prog, s, err := ParseLine(line)
	switch {
	case errors.Is(err, ErrNotCredproc):
		return fail(fmt.Sprintf("profile %s runs %s, not credproc", name, prog), setupFix)
	case err != nil && prog == "":
		return fail(fmt.Sprintf("the credential_process of profile %s %v", name, err), setupFix)
	case err != nil:
		return fail(fmt.Sprintf("the credential_process line of profile %s: %v", name, err), "correct the line, or write it again with `credproc setup "+qname+" …`")
	}
	if err := s.Validate(); err != nil {
		return fail(fmt.Sprintf("the credential_process line of profile %s: %v", name, err), "correct the line, or write it again with `credproc setup "+qname+" …`")
	}

	// The rest may each be wrong at once: collect them all.
	var problems, fixes []string
	if err := checkExecutable(prog); err != nil {
		problems = append(problems, err.Error())
		fixes = append(fixes, "install credproc where the line says, or run `credproc setup "+qname+" …` again with the installed binary: it writes its own absolute path")
	}
	for _, k := range ConflictingKeys {
		if p.Keys[k] != "" {
			problems = append(problems, fmt.Sprintf("profile %s also has %s, so the AWS CLI ignores credential_process", name, k))
			fixes = append(fixes, fmt.Sprintf("remove %s from [profile %s] in %s (`credproc setup %s …` removes it)", k, name, path, qname))
		}
	}
	credsPath := awsconfig.CredentialsPath()
	if cf, err := awsconfig.Load(credsPath, awsconfig.Credentials); err != nil {
		problems = append(problems, err.Error())
		fixes = append(fixes, "fix the AWS credentials file: the AWS CLI reads it too")
	} else if cp, ok := cf.Profile(name); ok && cp.Keys["aws_access_key_id"] != "" {
		problems = append(problems, fmt.Sprintf("%s has keys for [%s], which the AWS CLI uses before credential_process", TildePath(credsPath), name))
		fixes = append(fixes, fmt.Sprintf("remove the keys of [%s] from %s", name, TildePath(credsPath)))
	}
	if len(problems) > 0 {
		c, _ := fail(strings.Join(problems, "; "), fixes...)
		return c, nil
	}
	c := Check{Step: "config", Status: StatusOK, Msg: fmt.Sprintf("profile %s in %s runs %s", name, path, prog)}
	if getenv("AWS_ACCESS_KEY_ID") != "" {
		// The AWS CLI lets environment keys win unless --profile is given
		// on its command line (AWS_PROFILE is not enough).
		c.Status = StatusWarn
		c.Msg += "; but AWS_ACCESS_KEY_ID is set, and AWS commands without --profile use those keys instead"
		c.Fix = []string{"unset AWS_ACCESS_KEY_ID AWS_SECRET_ACCESS_KEY AWS_SESSION_TOKEN"}
	}
	return c, s
}

// checkExecutable reports why prog, the command of a credential_process
// line, cannot be run. A bare name is looked up on PATH, as the AWS CLI
// does; a relative path would depend on the directory the AWS CLI runs in.
func checkExecutable(prog string) error {
	path := prog
	if !strings.ContainsAny(prog, `/\`) {
		p, err := exec.LookPath(prog)
		if err != nil {
			return fmt.Errorf("credential_process runs %s, which is not on PATH", prog)
		}
		path = p
	} else if !filepath.IsAbs(prog) {
		return fmt.Errorf("credential_process runs %s, a relative path that works only from one directory", prog)
	}
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return fmt.Errorf("credential_process runs %s, which does not exist", prog)
	case fi.IsDir():
		return fmt.Errorf("credential_process runs %s, which is a directory", prog)
	case runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0:
		return fmt.Errorf("credential_process runs %s, which is not executable", prog)
	}
	return nil
}

// TildePath shortens a path under the home directory to ~/… for messages.
func TildePath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
		return "~" + string(filepath.Separator) + rel
	}
	return p
}
