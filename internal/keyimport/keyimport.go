// Package keyimport finds access keys kept in plaintext in the AWS shared
// config and credentials files and moves the long-lived ones into the
// keyring: it stores each as a source named after its profile, checks it
// with STS, and rewrites the profile to run credproc instead, touching no
// other byte of either file. doctor uses its scan to name such profiles.
package keyimport

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// Key lines a plaintext profile holds.
const (
	keyID     = "aws_access_key_id"
	keySecret = "aws_secret_access_key"
	keyToken  = "aws_session_token"
	keyLegacy = "aws_security_token" // boto2's name, still read by botocore
)

// Found is one profile section holding keys in plaintext.
type Found struct {
	Profile     string
	File        *awsconfig.File
	AccessKeyID string
	Temporary   bool // a session token is there: the keys expire
	secret      string
	token       string
}

// Path is the file the keys are in.
func (f Found) Path() string { return f.File.Path() }

// Scan lists the profiles of cfg and creds that hold an access key pair in
// plaintext, credentials file first, each file in its own order.
func Scan(cfg, creds *awsconfig.File) []Found {
	var out []Found
	for _, f := range []*awsconfig.File{creds, cfg} {
		if f == nil {
			continue
		}
		for _, name := range f.ProfileNames() {
			p, _ := f.Profile(name)
			id, secret := p.Get(keyID), p.Get(keySecret)
			if id == "" && secret == "" {
				continue
			}
			token := p.Get(keyToken)
			if token == "" {
				token = p.Get(keyLegacy)
			}
			out = append(out, Found{Profile: name, File: f, AccessKeyID: id, Temporary: token != "", secret: secret, token: token})
		}
	}
	return out
}

// Load reads both AWS files from their usual places.
func Load() (cfg, creds *awsconfig.File, err error) {
	if cfg, err = awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config); err != nil {
		return nil, nil, err
	}
	if creds, err = awsconfig.Load(awsconfig.CredentialsPath(), awsconfig.Credentials); err != nil {
		return nil, nil, err
	}
	return cfg, creds, nil
}

// Keys the AWS CLI would use instead of (or on top of) credential_process:
// a profile with one of them is not rewritten.
var otherKinds = []string{"credential_process", "role_arn", "source_profile", "credential_source",
	"web_identity_token_file", "sso_session", "sso_start_url", "sso_account_id", "sso_role_name"}

// Store is the part of the keyring cache Import uses.
type Store interface {
	Source(name string) (cache.Credentials, error)
	SetSource(name string, c cache.Credentials) error
	DeleteSource(name string) error
	DeleteSessionsFrom(name string) error
}

// Importer moves plaintext keys into the keyring.
type Importer struct {
	Config, Credentials *awsconfig.File
	Store               Store
	// Verify checks a key with STS (GetCallerIdentity) and returns the ARN
	// it belongs to. profile is the merged profile the key came from (its
	// region and endpoint_url).
	Verify func(ctx context.Context, c cache.Credentials, profile map[string]string) (string, error)
	// Created tells when IAM made the key, best effort (zero when unknown).
	Created func(ctx context.Context, c cache.Credentials, profile map[string]string) time.Time
	// ProcessLine renders the credential_process line for settings s.
	ProcessLine func(s *credproc.Settings) (string, error)
	// Session writes profiles that hand out an STS session rather than the
	// long-lived key itself.
	Session bool
	// RemoveTemporary deletes temporary keys found in the files.
	RemoveTemporary bool
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Plan is what Import will do (or did).
type Plan struct {
	Imported []Found           // long-lived keys moved to the keyring
	Reused   []string          // sources that already held the same key
	Verified map[string]string // profile -> ARN the key belongs to
}

// refuse is a refusal that names the profile and says what to do.
func refuse(msg, hint string) error { return &credproc.Error{Msg: msg, Hint: hint} }

// Select picks the long-lived keys to import: every one when all is set,
// else the named profiles, each of which must hold a long-lived key.
func (im *Importer) Select(all bool, names []string) (longLived, temporary []Found, err error) {
	found := Scan(im.Config, im.Credentials)
	byName := map[string][]Found{}
	for _, f := range found {
		if f.Temporary {
			temporary = append(temporary, f)
			continue
		}
		byName[f.Profile] = append(byName[f.Profile], f)
	}
	var want []string
	if all {
		for _, f := range found {
			if !f.Temporary && !slices.Contains(want, f.Profile) {
				want = append(want, f.Profile)
			}
		}
	} else {
		for _, n := range names {
			if len(byName[n]) == 0 {
				if slices.ContainsFunc(temporary, func(f Found) bool { return f.Profile == n }) {
					return nil, nil, refuse(fmt.Sprintf("profile %s holds temporary keys (aws_session_token), not a long-lived key", n),
						"temporary keys expire: delete them with `credproc import --remove-temporary`")
				}
				return nil, nil, refuse(fmt.Sprintf("profile %s holds no access key in %s or %s", n, im.Credentials.Path(), im.Config.Path()), "")
			}
			if !slices.Contains(want, n) {
				want = append(want, n)
			}
		}
	}
	for _, n := range want {
		fs := byName[n]
		if len(fs) > 1 && (fs[0].AccessKeyID != fs[1].AccessKeyID || fs[0].secret != fs[1].secret) {
			return nil, nil, refuse(fmt.Sprintf("profile %s holds different keys in %s and %s", n, fs[0].Path(), fs[1].Path()),
				"delete the one you no longer use, then import again")
		}
		f := fs[0]
		if f.AccessKeyID == "" || f.secret == "" {
			return nil, nil, refuse(fmt.Sprintf("profile %s in %s has only half a key pair", n, f.Path()), "give it both aws_access_key_id and aws_secret_access_key, or delete the key line")
		}
		if err := checkSourceName(n); err != nil {
			return nil, nil, err
		}
		merged := im.merged(n)
		for _, k := range otherKinds {
			if merged[k] != "" {
				return nil, nil, refuse(fmt.Sprintf("profile %s has both an access key and %s; credproc does not rewrite it", n, k),
					"move the key to a profile of its own, then import that")
			}
		}
		longLived = append(longLived, fs...)
	}
	return longLived, temporary, nil
}

func checkSourceName(n string) error {
	if !credproc.NameChars(n, 1, 64, ".@+=-") {
		return refuse(fmt.Sprintf("profile name %q cannot be a source name (up to 64 letters, digits and _.@+=-)", n),
			"rename the profile, then import it")
	}
	return nil
}

// merged is profile name's keys from both files, the credentials file
// winning, as the AWS CLI reads them.
func (im *Importer) merged(name string) map[string]string {
	keys := map[string]string{}
	for _, f := range []*awsconfig.File{im.Config, im.Credentials} {
		if p, ok := f.Profile(name); ok {
			for k, v := range p.Keys {
				keys[k] = v
			}
		}
	}
	return keys
}

// Edit applies the rewrite to the loaded files (nothing is written): the
// key lines of every found profile go, and an imported profile gets a
// credential_process line in the config file.
func (im *Importer) Edit(longLived, temporary []Found) error {
	done := map[string]bool{}
	for _, f := range longLived {
		if err := f.File.SetProfile(f.Profile, nil, []string{keyID, keySecret}); err != nil {
			return err
		}
		if done[f.Profile] {
			continue
		}
		done[f.Profile] = true
		s := &credproc.Settings{Source: credproc.KeyringPrefix + f.Profile, NoSession: !im.Session,
			MFADuration: credproc.DefaultMFADuration, RefreshWindow: credproc.DefaultRefreshWindow}
		line, err := im.ProcessLine(s)
		if err != nil {
			return err
		}
		if err := im.Config.SetProfile(f.Profile, []awsconfig.KV{{Key: "credential_process", Value: line}}, nil); err != nil {
			return err
		}
	}
	if im.RemoveTemporary {
		for _, f := range temporary {
			if err := f.File.SetProfile(f.Profile, nil, []string{keyID, keySecret, keyToken, keyLegacy}); err != nil {
				return err
			}
		}
	}
	return nil
}

// Diff is the pending change of both files as unified diffs, every secret
// and token replaced by asterisks.
func (im *Importer) Diff(found []Found) string {
	var b strings.Builder
	for _, f := range []*awsconfig.File{im.Credentials, im.Config} {
		orig, _ := f.Original()
		b.Write(awsconfig.Diff(f.Path(), orig, f.Bytes()))
	}
	return Mask(b.String(), found)
}

// Mask replaces the secrets and tokens of found in s.
func Mask(s string, found []Found) string {
	for _, f := range found {
		for _, v := range []string{f.secret, f.token} {
			if v != "" {
				s = strings.ReplaceAll(s, v, "****")
			}
		}
	}
	return s
}

// Import does it all: checks each key with STS, stores it, rewrites and
// saves both files. On any failure the files are as they were and the
// keyring holds nothing new. The files must already carry Edit's changes.
func (im *Importer) Import(ctx context.Context, longLived []Found) (*Plan, error) {
	plan := &Plan{Verified: map[string]string{}}
	now := time.Now
	if im.Now != nil {
		now = im.Now
	}
	// Every check before anything is stored.
	type item struct {
		name  string
		creds cache.Credentials
		isNew bool
	}
	var items []item
	for _, f := range longLived {
		if slices.ContainsFunc(items, func(it item) bool { return it.name == f.Profile }) {
			continue
		}
		c := cache.Credentials{AccessKeyID: f.AccessKeyID, SecretAccessKey: f.secret}
		old, err := im.Store.Source(f.Profile)
		exists := err == nil
		switch {
		case err == nil && (old.AccessKeyID != c.AccessKeyID || old.SecretAccessKey != c.SecretAccessKey):
			return nil, refuse(fmt.Sprintf("source %q is already in the keyring with another key (%s); not importing profile %s", f.Profile, old.AccessKeyID, f.Profile),
				"`credproc remove "+f.Profile+"` first if the profile's key is the one to keep")
		case err != nil && !errors.Is(err, cache.ErrNotFound):
			return nil, &credproc.Error{Msg: fmt.Sprintf("read source %q: %v", f.Profile, err), Err: err}
		}
		arn, err := im.Verify(ctx, c, im.merged(f.Profile))
		if err != nil {
			return nil, &credproc.Error{Msg: fmt.Sprintf("profile %s: STS does not accept its key %s: %v; nothing was imported", f.Profile, f.AccessKeyID, err),
				Hint: "a deleted or deactivated key cannot be imported: delete its lines, or fix the key", Err: err}
		}
		plan.Verified[f.Profile] = arn
		if !exists {
			c.Created = now().UTC()
			if im.Created != nil {
				if t := im.Created(ctx, c, im.merged(f.Profile)); !t.IsZero() {
					c.Created = t.UTC()
				}
			}
			items = append(items, item{f.Profile, c, true})
		} else {
			items = append(items, item{name: f.Profile, isNew: false})
			plan.Reused = append(plan.Reused, f.Profile)
		}
	}
	var stored []string
	undo := func() {
		for _, n := range stored {
			_ = im.Store.DeleteSource(n)
		}
	}
	for _, it := range items {
		if !it.isNew {
			continue
		}
		if err := im.Store.SetSource(it.name, it.creds); err != nil {
			undo()
			return nil, &credproc.Error{Msg: fmt.Sprintf("store profile %s's key in the keyring: %v; nothing was imported", it.name, err), Err: err}
		}
		stored = append(stored, it.name)
	}
	cfgOrig, cfgExisted := im.Config.Original()
	if err := im.Config.Save(); err != nil {
		undo()
		return nil, &credproc.Error{Msg: fmt.Sprintf("%v; nothing was imported", err), Err: err}
	}
	if err := im.Credentials.Save(); err != nil {
		undo()
		if rerr := awsconfig.Restore(im.Config.Path(), cfgOrig, cfgExisted); rerr != nil {
			return nil, &credproc.Error{Msg: fmt.Sprintf("%v; and putting back %s failed: %v", err, im.Config.Path(), rerr), Err: err}
		}
		return nil, &credproc.Error{Msg: fmt.Sprintf("%v; nothing was imported", err), Err: err}
	}
	plan.Imported = longLived
	return plan, nil
}
