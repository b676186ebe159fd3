package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"maps"
	"path/filepath"
	"slices"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// loadProfileSettings reads the settings from profile name's
// credential_process line in the AWS config file.
func loadProfileSettings(name string) (*credproc.Settings, error) {
	path := awsconfig.ConfigPath()
	f, err := awsconfig.Load(path, awsconfig.Config)
	if err != nil {
		return nil, &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}
	p, ok := f.Profile(name)
	if !ok {
		return nil, &credproc.Error{
			Msg:  fmt.Sprintf("no profile %q in %s", name, path),
			Hint: "create it with `credproc setup " + awsconfig.QuoteWord(name) + " --source NAME --account ID`",
		}
	}
	return settingsFromLine(name, p.Keys["credential_process"])
}

// settingsFromLine parses a credential_process line that credproc wrote.
func settingsFromLine(profile, line string) (*credproc.Settings, error) {
	_, s, err := credproc.ParseLine(line)
	if line == "" || err != nil {
		return nil, &credproc.Error{
			Msg:  fmt.Sprintf("profile %q does not run credproc (its credential_process is not a credproc line)", profile),
			Hint: "write it with `credproc setup " + awsconfig.QuoteWord(profile) + " …`",
		}
	}
	return s, nil
}

// selfPath is the absolute path of this binary, for credential_process.
func selfPath() (string, error) {
	exe, err := executable()
	if err != nil {
		return "", fmt.Errorf("find credproc's own path: %w", err)
	}
	if exe, err = filepath.Abs(exe); err != nil {
		return "", err
	}
	return exe, checkBinaryPath(exe)
}

// processLine renders the credential_process line for s.
func processLine(s *credproc.Settings) (string, error) {
	exe, err := selfPath()
	if err != nil {
		return "", err
	}
	return s.Line(exe), nil
}

// profileNameOK rejects names that cannot be an AWS profile section.
func profileNameOK(name string) error {
	if err := credproc.CheckProfileName(name); err != nil {
		return usagef("invalid %v", err)
	}
	return nil
}

// cmdSetup writes one credproc profile.
func cmdSetup(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("setup")
	var s credproc.Settings
	s.RegisterFlags(fs)
	account := fs.String("account", "", "member account ID (12 digits)")
	roleName := fs.String("role-name", credproc.DefaultRoleName, "role name in the member account")
	org := fs.Bool("org", false, "write a profile for every member account of the organization")
	prefix := fs.String("prefix", "", "with --org: prefix of the profile names")
	dryRun := fs.Bool("dry-run", false, "with --org: print the change as a diff and write nothing")
	scale := registerOrgScaleFlags(fs)
	force := fs.Bool("force", false, "replace a profile that credproc did not write")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *org {
		if *force {
			return usagef("setup: --force goes with a profile name; --org never replaces a profile it did not write")
		}
		return cmdSetupOrg(ctx, u, orgSetup{settings: s, roleName: *roleName, prefix: *prefix, dryRun: *dryRun, flags: fs, positional: pos, scale: scale})
	}
	if *prefix != "" || *dryRun || scale.given() {
		return usagef("setup: --prefix, --dry-run, --prune, --roles, --ou and --name-template go with --org")
	}
	if len(pos) != 1 {
		return usagef("setup: give exactly one profile name")
	}
	name := pos[0]
	if err := profileNameOK(name); err != nil {
		return err
	}
	roleNameSet := false
	fs.Visit(func(f *flag.Flag) { roleNameSet = roleNameSet || f.Name == "role-name" })
	if s.Region != "" {
		if err := credproc.CheckKnownRegion(s.Region); err != nil {
			return err
		}
	}
	switch {
	case *account != "" && s.RoleARN != "":
		return usagef("setup: give --account or --role-arn, not both")
	case *account != "":
		arn, err := credproc.RoleARN(s.Region, *account, *roleName)
		if err != nil {
			return err
		}
		s.RoleARN = arn
	case s.RoleARN != "" && roleNameSet:
		return usagef("setup: --role-name goes with --account; --role-arn already names the role")
	case s.RoleARN == "":
		return usagef("setup: give --account ID (with optional --role-name) or --role-arn ARN")
	}
	if err := s.Validate(); err != nil {
		return err
	}
	if err := s.CheckPartition(); err != nil {
		return err
	}
	line, err := processLine(&s)
	if err != nil {
		return err
	}
	if err := checkOwnProfile(name, *force); err != nil {
		return err
	}
	if err := writeProfiles(u, []profileWrite{{name: name, settings: &s, line: line}}); err != nil {
		return err
	}
	if s.MFASerial != "" && !s.MFADirect && s.Duration > credproc.ChainedRoleLimit {
		u.warnf("role sessions assumed from an MFA session last at most 1h (AWS role chaining): %s will get 1h sessions; add --mfa-direct for %s", name, credproc.FormatDuration(s.Duration))
	}
	warnTempBinary(u)
	warnNoRegion(u, name)
	missing := warnSourceMissing(ctx, u, s.Source)
	u.infof("wrote profile %s to %s", name, awsconfig.ConfigPath())
	if !missing {
		u.infof("hint: try `aws sts get-caller-identity --profile %s`", awsconfig.QuoteWord(name))
	}
	return nil
}

type profileWrite struct {
	name     string
	settings *credproc.Settings
	line     string
	extra    []awsconfig.KV
}

// writeProfiles writes profiles to the AWS config file in one atomic write,
// under the file's edit lock from the read to the rename.
func writeProfiles(u *ui, ps []profileWrite) error {
	path := awsconfig.ConfigPath()
	var parseErr error
	err := awsconfig.Edit(path, awsconfig.Config, func(f *awsconfig.File) (bool, error) {
		creds, _ := awsconfig.Load(awsconfig.CredentialsPath(), awsconfig.Credentials)
		if _, err := applyProfiles(u, f, creds, ps); err != nil {
			parseErr = err
			return false, err
		}
		return f.Changed(), nil
	})
	var pe *awsconfig.ParseError
	switch {
	case err == nil:
		return nil
	case parseErr != nil:
		return err
	case errors.As(err, &pe) && pe.Path == path:
		return &credproc.Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}
	return fmt.Errorf("write %s: %w", path, err)
}

// applyCounts says what applying the profiles did.
type applyCounts struct{ added, updated, unchanged int }

// applyProfiles edits f in memory: the credential_process line, region and
// extra keys of each profile, removing keys that would override
// credential_process (with a warning), and counts the outcome. It does not
// save, so --dry-run can show the very edit a real run makes. A profile
// whose old line set --region but whose new one does not loses the region
// key too: credproc wrote it.
func applyProfiles(u *ui, f, creds *awsconfig.File, ps []profileWrite) (applyCounts, error) {
	var c applyCounts
	for _, p := range ps {
		kv := []awsconfig.KV{{Key: "credential_process", Value: p.line}}
		if p.settings.Region != "" {
			kv = append(kv, awsconfig.KV{Key: "region", Value: p.settings.Region})
		}
		kv = append(kv, p.extra...)
		remove := credproc.ConflictingKeys
		old, existed := f.Profile(p.name)
		if existed {
			for _, k := range credproc.ConflictingKeys {
				if old.Keys[k] != "" {
					u.warnf("removed %s from profile %s: the AWS CLI would use it instead of credential_process", k, p.name)
				}
			}
			if r := lineRegion(old.Keys["credential_process"]); p.settings.Region == "" && r != "" && old.Keys["region"] == r {
				remove = append(slices.Clone(credproc.ConflictingKeys), "region")
			}
		}
		if err := f.SetProfile(p.name, kv, remove); err != nil {
			return c, fmt.Errorf("profile %s: %w", p.name, err)
		}
		switch now, _ := f.Profile(p.name); {
		case !existed:
			c.added++
		case maps.Equal(old.Keys, now.Keys):
			c.unchanged++
		default:
			c.updated++
		}
		if creds != nil {
			if cp, ok := creds.Profile(p.name); ok && cp.Keys["aws_access_key_id"] != "" {
				u.warnf("%s has keys for [%s], which the AWS CLI uses before credential_process; remove them", awsconfig.CredentialsPath(), p.name)
			}
		}
	}
	return c, nil
}

// lineRegion returns the --region of a credential_process line that
// credproc wrote, or "". Unlike settingsFromLine it does not insist on the
// binary's name: the profile's marker already says credproc wrote it.
func lineRegion(line string) string {
	argv, err := awsconfig.SplitCommand(line)
	if err != nil || len(argv) < 2 {
		return ""
	}
	s, err := credproc.ParseArgs(argv[1:])
	if err != nil {
		return ""
	}
	return s.Region
}
