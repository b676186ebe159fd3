package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// cmdDoctor walks the credential chain of a profile (--profile, else
// $AWS_PROFILE, else every credproc profile in the config file) step by
// step and prints one line per step on stdout, each failure followed by
// what to fix. It exits 0 only when every step works.
func cmdDoctor(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("doctor")
	profile := fs.String("profile", "", "profile to check (default $AWS_PROFILE, else every credproc profile)")
	maxAge := fs.String("max-key-age", "", "warn about stored keys at least this old, e.g. 90d (default: credproc_max_key_age in [default] of the AWS config, else 90d)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	max, err := maxKeyAge(*maxAge)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("doctor: unexpected argument %q (name the profile with --profile)", pos[0])
	}
	name := *profile
	if name == "" {
		name = os.Getenv("AWS_PROFILE")
	}
	path := awsconfig.ConfigPath()
	f, err := awsconfig.Load(path, awsconfig.Config)
	if err != nil {
		printCheck(u.stdout, credproc.Check{Step: "config", Status: credproc.StatusFail, Msg: err.Error(),
			Fix: []string{"fix the AWS config file: the AWS CLI cannot read it either"}})
		return &credproc.Error{Msg: "doctor: the AWS config file does not parse"}
	}
	names := []string{name}
	if name == "" {
		names = credprocProfiles(f)
		if len(names) == 0 {
			printCheck(u.stdout, credproc.Check{Step: "config", Status: credproc.StatusFail,
				Msg: "no credproc profile in " + tildePath(path),
				Fix: []string{"write one: `credproc setup PROFILE --source NAME --account ID`"}})
			return &credproc.Error{Msg: "doctor: no credproc profile to check"}
		}
	}
	d := &credproc.Doctor{Resolver: newResolver(u), MaxKeyAge: max}
	results := make([][]credproc.Check, len(names))
	if len(names) == 1 {
		results[0] = diagnoseProfile(ctx, d, f, names[0])
	} else {
		results = diagnoseMany(ctx, u, d, f, names)
	}
	var failed []string
	for i, n := range names {
		if i > 0 {
			fmt.Fprintln(u.stdout)
		}
		checks := results[i]
		for _, c := range checks {
			printCheck(u.stdout, c)
		}
		for _, c := range checks {
			if c.Status == credproc.StatusFail {
				failed = append(failed, fmt.Sprintf("%s (%s)", n, c.Step))
				break
			}
		}
	}
	if c := plaintextCheck(); c != nil {
		fmt.Fprintln(u.stdout)
		printCheck(u.stdout, *c)
	}
	if len(names) > 1 {
		for _, line := range doctorGroups(names, results) {
			u.infof("%s", line)
		}
	}
	if len(failed) > 0 {
		return &credproc.Error{
			Msg:  fmt.Sprintf("doctor: %d of %d profiles fail: %s", len(failed), len(names), orgListed(failed)),
			Hint: "the FAIL lines on stdout say what to fix",
		}
	}
	return nil
}

// diagnoseProfile checks the config step of profile name, then, when that
// works, every later step.
func diagnoseProfile(ctx context.Context, d *credproc.Doctor, f *awsconfig.File, name string) []credproc.Check {
	c, s := checkConfig(f, name, os.Getenv)
	checks := []credproc.Check{c}
	if s == nil {
		for _, step := range []string{"keyring", "source", "identity", "mfa", "cache", "assume role"} {
			checks = append(checks, credproc.Check{Step: step, Status: credproc.StatusSkip, Msg: "needs a working profile (see config)"})
		}
		return checks
	}
	return append(checks, d.Run(ctx, name, s)...)
}

// credprocProfiles lists the profiles of f whose credential_process runs
// credproc, in file order.
func credprocProfiles(f *awsconfig.File) []string {
	var names []string
	for _, n := range f.ProfileNames() {
		p, _ := f.Profile(n)
		if prog, _, err := credproc.ParseLine(p.Keys["credential_process"]); prog != "" && !errors.Is(err, credproc.ErrNotCredproc) {
			names = append(names, n)
		}
	}
	return names
}

// checkConfig is the doctor's first step: profile name exists in f, its
// credential_process is a credproc line whose settings are valid and whose
// binary can run, and nothing makes the AWS CLI ignore it. It returns the
// settings when the profile can be used.
func checkConfig(f *awsconfig.File, name string, getenv func(string) string) (credproc.Check, *credproc.Settings) {
	path := tildePath(f.Path())
	fail := func(msg string, fix ...string) (credproc.Check, *credproc.Settings) {
		return credproc.Check{Step: "config", Status: credproc.StatusFail, Msg: msg, Fix: fix}, nil
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
	prog, s, err := credproc.ParseLine(line)
	switch {
	case errors.Is(err, credproc.ErrNotCredproc):
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
	for _, k := range conflictingKeys {
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
		problems = append(problems, fmt.Sprintf("%s has keys for [%s], which the AWS CLI uses before credential_process", tildePath(credsPath), name))
		fixes = append(fixes, fmt.Sprintf("remove the keys of [%s] from %s", name, tildePath(credsPath)))
	}
	if len(problems) > 0 {
		c, _ := fail(strings.Join(problems, "; "), fixes...)
		return c, nil
	}
	c := credproc.Check{Step: "config", Status: credproc.StatusOK, Msg: fmt.Sprintf("profile %s in %s runs %s", name, path, prog)}
	if getenv("AWS_ACCESS_KEY_ID") != "" {
		// The AWS CLI lets environment keys win unless --profile is given
		// on its command line (AWS_PROFILE is not enough).
		c.Status = credproc.StatusWarn
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

// tildePath shortens a path under the home directory to ~/….
func tildePath(p string) string {
	home, err := os.UserHomeDir()
	if err != nil || home == "" {
		return p
	}
	if rel, err := filepath.Rel(home, p); err == nil && !strings.HasPrefix(rel, "..") && rel != "." {
		return "~" + string(filepath.Separator) + rel
	}
	return p
}

// printCheck writes one step: "ok   config: …", then indented cause and
// fix lines; a fix's further lines (a policy to paste) are indented more.
func printCheck(w io.Writer, c credproc.Check) {
	fmt.Fprintf(w, "%-4s %s: %s\n", c.Status, c.Step, oneLine(c.Msg))
	if c.Cause != "" {
		fmt.Fprintf(w, "     cause: %s\n", oneLine(c.Cause))
	}
	for _, f := range c.Fix {
		lines := strings.Split(f, "\n")
		fmt.Fprintf(w, "     fix: %s\n", oneLine(lines[0]))
		for _, l := range lines[1:] {
			fmt.Fprintf(w, "          %s\n", oneLine(l))
		}
	}
}
