package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/prompt"
)

// Checked by hand rather than with regexp: package-level patterns are
// compiled at start-up, which every credential_process call would pay for.

// onlyChars reports whether s has min to max bytes, all from allowed.
func onlyChars(s string, min, max int, allowed func(byte) bool) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !allowed(s[i]) {
			return false
		}
	}
	return true
}

func isUpperAlnum(c byte) bool { return 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' }

func isSecretKeyChar(c byte) bool {
	return isUpperAlnum(c) || 'a' <= c && c <= 'z' || c == '/' || c == '+' || c == '='
}

func checkSourceName(name string) error {
	if err := credproc.CheckSourceName(name); err != nil {
		return usagef("%v", err)
	}
	return nil
}

// checkKeys validates an access key pair without ever quoting the secret.
func checkKeys(akid, secret string) error {
	switch {
	case strings.HasPrefix(akid, "ASIA"):
		return &credproc.Error{Msg: "that is a temporary access key (ASIA…): credproc stores an IAM user's long-lived key (AKIA…)",
			Hint: "for temporary credentials, name their AWS profile with --source instead"}
	case !strings.HasPrefix(akid, "AKIA") || !onlyChars(akid[4:], 12, 124, isUpperAlnum):
		return &credproc.Error{Msg: "that is not an access key ID: an IAM user's key ID looks like AKIAIOSFODNN7EXAMPLE"}
	case !onlyChars(secret, 16, 128, isSecretKeyChar):
		return &credproc.Error{Msg: "that is not a secret access key: it is 40 characters of letters, digits, / and +"}
	}
	return nil
}

// cmdAdd stores an IAM user's long-lived key pair under a source name.
func cmdAdd(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("add")
	fromEnv := fs.Bool("env", false, "read AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("add: give exactly one source name (secret keys are never taken as arguments)")
	}
	name := pos[0]
	if err := checkSourceName(name); err != nil {
		return err
	}
	var akid, secret string
	if *fromEnv {
		akid, secret = os.Getenv("AWS_ACCESS_KEY_ID"), os.Getenv("AWS_SECRET_ACCESS_KEY")
		if akid == "" || secret == "" {
			return &credproc.Error{Msg: "add --env: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must both be set"}
		}
	} else {
		t, err := prompt.Open()
		if err != nil {
			return &credproc.Error{Msg: "add: no terminal to ask for the key on", Hint: "run it in a terminal, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY and use --env", Err: err}
		}
		defer t.Close()
		if akid, err = t.ReadLine("Access key ID: "); err != nil {
			return err
		}
		if secret, err = t.ReadSecret("Secret access key: "); err != nil {
			return err
		}
	}
	if err := checkKeys(akid, secret); err != nil {
		return err
	}
	st := openStore()
	// The key's age counts from here: IAM's CreateDate would need a call
	// with the key, which add does not make.
	if err := st.SetSource(name, cache.Credentials{AccessKeyID: akid, SecretAccessKey: secret, Created: time.Now().UTC()}); err != nil {
		if errors.Is(err, cache.ErrLocked) {
			return &credproc.Error{Msg: fmt.Sprintf("store source %q: no Secret Service here, and the encrypted key file needs a passphrase: there is no terminal to ask on", name),
				Hint: "run `credproc add " + name + "` in a terminal", Err: err}
		}
		return err // names the source, the keyring and the cause
	}
	// Sessions made with the old key must not outlive it.
	if rep, err := st.ForgetSource(name); err != nil {
		u.warnf("could not drop the sessions cached from the old key: %v", err)
	} else {
		warnUnreached(u, rep)
	}
	u.infof("stored access key %s as source %q in the %s keyring", akid, name, st.Backend().Name())
	return nil
}

// cmdRemove deletes a stored source and the sessions made from it.
func cmdRemove(u *ui, args []string) error {
	pos, err := parseFlags(newFlagSet("remove"), args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("remove: give exactly one source name")
	}
	if err := checkSourceName(pos[0]); err != nil {
		return err
	}
	st := openStore()
	if _, err := st.Source(pos[0]); errors.Is(err, cache.ErrNotFound) {
		return &credproc.Error{Msg: fmt.Sprintf("no source named %q in the keyring", pos[0]), Hint: "`credproc list` shows the stored sources"}
	} else if err != nil {
		return err
	}
	rep, err := st.ForgetSource(pos[0])
	if err != nil {
		return err
	}
	if err := st.DeleteSource(pos[0]); err != nil {
		return err
	}
	warnUnreached(u, rep)
	u.infof("removed source %q and %s cached from it", pos[0], sessionCount(rep.Dropped))
	return nil
}

// warnUnreached says which keyrings a forget could not reach or list:
// sessions there were not dropped and stay until they expire.
func warnUnreached(u *ui, rep cache.Report) {
	for _, t := range rep.Unreached {
		u.warnf("not checked: %s; sessions cached there stay until they expire", t)
	}
}

// sessionCount is "1 session" or "N sessions".
func sessionCount(n int) string {
	if n == 1 {
		return "1 session"
	}
	return fmt.Sprintf("%d sessions", n)
}

// warnSourceMissing warns at setup time about a source that does not exist
// yet: setup may come before add, so it is not an error. It reports
// whether it warned.
func warnSourceMissing(ctx context.Context, u *ui, source string) bool {
	name := strings.TrimPrefix(strings.TrimPrefix(source, credproc.KeyringPrefix), credproc.ProfilePrefix)
	if !strings.HasPrefix(source, credproc.ProfilePrefix) {
		if _, err := openStore().Source(name); err == nil {
			return false
		}
	}
	if !strings.HasPrefix(source, credproc.KeyringPrefix) {
		for _, p := range []struct {
			path string
			kind awsconfig.Kind
		}{{awsconfig.ConfigPath(), awsconfig.Config}, {awsconfig.CredentialsPath(), awsconfig.Credentials}} {
			if f, err := awsconfig.Load(p.path, p.kind); err == nil {
				if _, ok := f.Profile(name); ok {
					return false
				}
			}
		}
	}
	u.warnf("no source named %q yet: store the IAM user's key with `credproc add %s`", name, name)
	return true
}

// cmdList prints stored sources and cached sessions, never a secret.
func cmdList(u *ui, args []string) error {
	fs := newFlagSet("list")
	maxAge := fs.String("max-key-age", "", "warn about stored keys at least this old, e.g. 90d (default: credproc_max_key_age in [default] of the AWS config, else 90d)")
	if pos, err := parseFlags(fs, args); err != nil {
		return err
	} else if len(pos) > 0 {
		return usagef("list takes no arguments")
	}
	max, err := maxKeyAge(*maxAge)
	if err != nil {
		return err
	}
	st := openStore()
	if f := st.FileStore(); f != nil {
		f.Passphrase = nil // list shows ages of unlocked keys only; it never asks
	}
	// The index is a cache of what the keyrings hold: rebuild it first if
	// it disagrees (say, after it was lost), so list shows what is handed out.
	rep, syncErr := st.SyncIndex()
	sources, err := st.Sources()
	if err != nil {
		return err
	}
	if syncErr != nil {
		u.warnf("could not check the session index against the keyrings: %v", syncErr)
	}
	for _, t := range rep.Unreached {
		u.warnf("not checked: %s; what it holds is listed as the index last recorded it", t)
	}
	entries, err := st.Entries()
	if err != nil {
		return err
	}
	users := profilesBySession(newResolver(u))
	w := tabwriter.NewWriter(u.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(w, "KIND\tSOURCE\tROLE / MFA DEVICE\tEXPIRES\tPROFILES")
	now := time.Now()
	var old []string
	for _, name := range sources {
		what := "never (long-lived key)"
		if c, err := st.Source(name); err == nil {
			if age, tooOld := credproc.KeyAge(c.Created, now, max); age != "" {
				what = "never (long-lived key, " + age + ")"
				if tooOld {
					old = append(old, name)
				}
			}
		}
		fmt.Fprintf(w, "source\t%s\t-\t%s\t-\n", name, what)
	}
	defer func() {
		for _, name := range old {
			u.warnf("the key of source %s is older than %s: rotate it with `credproc rotate %s`", name, formatAge(max), name)
		}
	}()
	for _, e := range entries {
		what := e.RoleARN
		if what == "" {
			what = e.MFASerial
		}
		if what == "" {
			what = "-"
		}
		profiles := strings.Join(users[e.Key], ",")
		if profiles == "" {
			profiles = "-"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", e.Kind, e.Source, what, expiry(e.Expiration, now), profiles)
	}
	return w.Flush()
}

func expiry(t, now time.Time) string {
	switch {
	case t.IsZero():
		return "never (long-lived key)"
	case !t.After(now):
		return "expired " + t.UTC().Format(time.RFC3339)
	}
	left := t.Sub(now).Round(time.Minute)
	return fmt.Sprintf("%s (in %dh%02dm)", t.UTC().Format(time.RFC3339), int(left.Hours()), int(left.Minutes())%60)
}

// cmdForget drops cached sessions: one profile's, or all of them.
func cmdForget(u *ui, args []string) error {
	fs := newFlagSet("forget")
	all := fs.Bool("all", false, "drop every cached session, MFA sessions included")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	st := openStore()
	switch {
	case *all && len(pos) == 0:
		rep, err := st.ForgetAll()
		if err != nil {
			return err
		}
		warnUnreached(u, rep)
		u.infof("dropped %s", strings.Replace(sessionCount(rep.Dropped), " ", " cached ", 1))
		return nil
	case !*all && len(pos) == 1:
		s, err := loadProfileSettings(pos[0])
		if err != nil {
			return err
		}
		r := newResolver(u)
		key := r.CacheKeyFor(s)
		_, _, cached := st.LookupSession(key)
		if entries, err := st.Entries(); err == nil {
			for _, e := range entries {
				cached = cached || e.Key == key
			}
		}
		if err := st.DeleteSession(key); err != nil {
			return err
		}
		switch {
		case !cached:
			u.infof("profile %s has no cached session: nothing to drop", pos[0])
		case s.RoleARN == "":
			u.infof("dropped the cached session of profile %s", pos[0])
		default:
			u.infof("dropped the cached role session of profile %s (%s)", pos[0], s.RoleARN)
		}
		return nil
	}
	return usagef("forget: give a profile name or --all")
}

// maxKeyAge is the age from which stored keys draw a warning: flag, else
// credproc_max_key_age in the config file's [default], else 90 days.
func maxKeyAge(flag string) (time.Duration, error) {
	if flag == "" {
		if f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config); err == nil {
			if p, ok := f.Profile("default"); ok {
				if v := p.Get("credproc_max_key_age"); v != "" {
					d, err := credproc.ParseKeyAge(v)
					if err != nil {
						return 0, &credproc.Error{Msg: "credproc_max_key_age in [default] of " + f.Path() + ": " + err.Error()}
					}
					return d, nil
				}
			}
		}
		return credproc.DefaultMaxKeyAge, nil
	}
	d, err := credproc.ParseKeyAge(flag)
	if err != nil {
		return 0, usagef("--max-key-age: %v", err)
	}
	return d, nil
}

func formatAge(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("%d days", d/(24*time.Hour))
	}
	return d.String()
}
