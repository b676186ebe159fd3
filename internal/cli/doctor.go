package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
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
				Msg: "no credproc profile in " + credproc.TildePath(path),
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
	c, s := credproc.CheckConfig(f, name, os.Getenv)
	checks := []credproc.Check{c}
	if s == nil {
		return append(checks, credproc.SkippedAfterConfig()...)
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
