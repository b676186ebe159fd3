package cli

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/keyimport"
)

// cmdImport moves long-lived keys from the AWS files into the keyring.
func cmdImport(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("import")
	all := fs.Bool("all", false, "import every profile that holds a long-lived key")
	dryRun := fs.Bool("dry-run", false, "print the change as a diff (secrets masked) and change nothing")
	removeTemp := fs.Bool("remove-temporary", false, "also delete temporary keys (with aws_session_token) from the files")
	session := fs.Bool("session", false, "rewrite profiles to hand out an STS session of the key instead of the key itself")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *all && len(pos) > 0 {
		return usagef("import: give profile names or --all, not both")
	}
	cfg, creds, err := keyimport.Load()
	if err != nil {
		return &credproc.Error{Msg: err.Error(), Hint: "fix the AWS file; credproc changed nothing", Err: err}
	}
	st := openStore()
	im := &keyimport.Importer{
		Config: cfg, Credentials: creds, Store: st,
		Verify: verifyKey,
		Created: func(ctx context.Context, c cache.Credentials, p map[string]string) time.Time {
			// The key goes to IAM only where STS goes to AWS too, or an
			// IAM endpoint is configured: never from an emulator's or a
			// private endpoint's set-up to the real IAM.
			if !credproc.IAMReachable(os.Getenv, p["endpoint_url"]) {
				return time.Time{}
			}
			return credproc.KeyCreated(ctx, c, regionOf(p))
		},
		ProcessLine:     processLine,
		Session:         *session,
		RemoveTemporary: *removeTemp,
	}
	longLived, temporary, err := im.Select(*all, pos)
	if err != nil {
		return err
	}
	if !*all && len(pos) == 0 && !*removeTemp {
		for _, f := range temporary {
			u.infof("temporary keys %s in profile %s of %s", f.AccessKeyID, f.Profile, f.Path())
		}
		found, _, _ := im.Select(true, nil)
		names := ""
		for _, f := range found {
			names += " " + f.Profile
		}
		if names == "" {
			return &credproc.Error{Msg: "import: give the profiles to import, or --all", Hint: "no profile holds a long-lived key in plaintext"}
		}
		return usagef("import: give the profiles to import, or --all (long-lived keys in:%s)", names)
	}
	for _, f := range temporary {
		if *removeTemp {
			continue
		}
		u.infof("temporary keys %s in profile %s of %s (delete them with --remove-temporary)", f.AccessKeyID, f.Profile, f.Path())
	}
	if len(longLived) == 0 && (!*removeTemp || len(temporary) == 0) {
		u.infof("no long-lived keys to import")
		return nil
	}
	if err := im.Edit(longLived, temporary); err != nil {
		return &credproc.Error{Msg: err.Error(), Hint: "credproc changed nothing", Err: err}
	}
	if *dryRun {
		fmt.Fprint(u.stdout, im.Diff(append(longLived, temporary...)))
		u.infof("dry run: nothing changed")
		return nil
	}
	plan, err := im.Import(ctx, longLived)
	if err != nil {
		return err
	}
	for _, name := range uniqueProfiles(longLived) {
		how := "hands out the key from the keyring"
		if *session {
			how = "hands out STS sessions of the key from the keyring"
		}
		u.infof("imported profile %s (%s) as source %q in the %s keyring; the profile %s", name, plan.Verified[name], name, st.Backend().Name(), how)
	}
	if *removeTemp {
		for _, f := range temporary {
			u.infof("removed temporary keys %s from profile %s of %s", f.AccessKeyID, f.Profile, f.Path())
		}
	}
	return nil
}

func uniqueProfiles(fs []keyimport.Found) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range fs {
		if !seen[f.Profile] {
			seen[f.Profile] = true
			out = append(out, f.Profile)
		}
	}
	return out
}

// regionOf is the region a profile's calls go to.
func regionOf(p map[string]string) string {
	for _, v := range []string{os.Getenv("AWS_REGION"), os.Getenv("AWS_DEFAULT_REGION"), p["region"]} {
		if v != "" {
			return v
		}
	}
	return "us-east-1"
}

// verifyKey asks STS whose key c is.
func verifyKey(ctx context.Context, c cache.Credentials, p map[string]string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	url := credproc.STSEndpointURL(os.Getenv, p)
	id, err := credproc.STSClient(c, regionOf(p), url).GetCallerIdentity(ctx)
	if err != nil {
		return "", err
	}
	return id.Arn, nil
}
