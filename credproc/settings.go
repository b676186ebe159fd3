// Package credproc resolves the credentials of one credproc profile: it finds
// the source keys, gets an MFA session when one is configured, assumes the
// member-account role and keeps the results in the keyring cache.
package credproc

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Defaults and AWS limits that settings are checked against.
const (
	DefaultMFADuration   = 12 * time.Hour
	DefaultRefreshWindow = 15 * time.Minute
	// ChainedRoleLimit is the longest session AWS grants a role assumed
	// with temporary credentials (role chaining).
	ChainedRoleLimit = time.Hour
	minDuration      = 15 * time.Minute
	maxRoleDuration  = 12 * time.Hour
	maxMFADuration   = 36 * time.Hour
)

// Settings are everything that decides which credentials a profile gets.
// They travel as flags on the profile's credential_process line, so the
// cache-hit path never has to read the AWS config file.
type Settings struct {
	Source        string        // keyring entry or AWS profile holding the source keys
	RoleARN       string        // role to assume; empty returns the source (or MFA session) credentials
	SessionName   string        // RoleSessionName; default "credproc-" + source
	ExternalID    string        // sts:ExternalId the role's trust policy asks for
	Duration      time.Duration // role session length; 0 lets STS choose (1 h)
	Policy        string        // optional inline session policy (JSON)
	MFASerial     string        // MFA device ARN or serial
	MFAProcess    string        // command whose stdout is the current MFA code
	MFADuration   time.Duration // GetSessionToken length for the MFA session
	MFADirect     bool          // pass the MFA code to AssumeRole instead of using an MFA session
	Region        string        // STS region; default from the environment, else us-east-1
	EndpointURL   string        // STS endpoint override
	RefreshWindow time.Duration // refresh when less than this remains
	NoSession     bool          // hand out the source's long-lived key itself, no STS call
	MFAPrompt     string        // where to ask for MFA codes: "terminal", "dialog" or "auto" ("" is auto)
}

// RegisterFlags binds the settings to fs, with their defaults.
func (s *Settings) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&s.Source, "source", "", "keyring entry (see `credproc add`) or AWS profile with the source keys")
	fs.StringVar(&s.RoleARN, "role-arn", "", "ARN of the role to assume")
	fs.StringVar(&s.SessionName, "session-name", "", "role session name (default credproc-SOURCE)")
	fs.StringVar(&s.ExternalID, "external-id", "", "external ID the role's trust policy requires")
	fs.Var((*durationFlag)(&s.Duration), "duration", "role session duration, e.g. 1h or 3600 (default: STS default, 1h)")
	fs.StringVar(&s.Policy, "policy", "", "inline session policy (JSON) that narrows the role's permissions")
	fs.StringVar(&s.MFASerial, "mfa-serial", "", "ARN or serial number of the MFA device")
	fs.StringVar(&s.MFAProcess, "mfa-process", "", "command that prints the current MFA code")
	s.MFADuration = DefaultMFADuration
	fs.Var((*durationFlag)(&s.MFADuration), "mfa-duration", "MFA session duration (GetSessionToken)")
	fs.BoolVar(&s.MFADirect, "mfa-direct", false, "send the MFA code with AssumeRole (one code per role, longer role sessions)")
	fs.StringVar(&s.Region, "region", "", "AWS region for STS (default $AWS_REGION, $AWS_DEFAULT_REGION, us-east-1)")
	fs.StringVar(&s.EndpointURL, "endpoint-url", "", "STS endpoint URL (default $AWS_ENDPOINT_URL_STS, $AWS_ENDPOINT_URL)")
	s.RefreshWindow = DefaultRefreshWindow
	fs.Var((*durationFlag)(&s.RefreshWindow), "refresh-window", "refresh cached credentials when less than this remains")
	fs.StringVar(&s.MFAPrompt, "mfa-prompt", "", "where to ask for the MFA code: terminal, dialog (a desktop dialog) or auto (the terminal, else a dialog; default)")
	fs.BoolVar(&s.NoSession, "no-session", false, "hand out the source's long-lived key itself instead of an STS session (what `credproc import` writes)")
}

// Args renders the settings as the flags RegisterFlags reads back, leaving
// defaults out so the credential_process line stays short.
func (s *Settings) Args() []string {
	var a []string
	add := func(name, v string) {
		if v != "" {
			a = append(a, "--"+name, v)
		}
	}
	add("source", s.Source)
	add("role-arn", s.RoleARN)
	add("session-name", s.SessionName)
	add("external-id", s.ExternalID)
	if s.Duration != 0 {
		add("duration", FormatDuration(s.Duration))
	}
	add("policy", s.Policy)
	add("mfa-serial", s.MFASerial)
	add("mfa-process", s.MFAProcess)
	if s.MFADuration != DefaultMFADuration && s.MFADuration != 0 {
		add("mfa-duration", FormatDuration(s.MFADuration))
	}
	if s.MFADirect {
		a = append(a, "--mfa-direct")
	}
	add("region", s.Region)
	add("endpoint-url", s.EndpointURL)
	if s.RefreshWindow != DefaultRefreshWindow {
		add("refresh-window", FormatDuration(s.RefreshWindow))
	}
	if s.MFAPrompt != "" && s.MFAPrompt != "auto" {
		add("mfa-prompt", s.MFAPrompt)
	}
	if s.NoSession {
		a = append(a, "--no-session")
	}
	return a
}

// Validate checks the settings without touching the network or keyring.
func (s *Settings) Validate() error {
	if s.Source == "" {
		return errors.New("no source: give --source NAME (a key stored with `credproc add NAME`, or an AWS profile)")
	}
	if err := CheckSourceName(sourceBase(s.Source)); err != nil {
		return err
	}
	if s.RoleARN != "" {
		if _, err := ParseRoleARN(s.RoleARN); err != nil {
			return err
		}
	}
	if s.SessionName != "" {
		if err := CheckSessionName(s.SessionName); err != nil {
			return err
		}
	}
	if s.ExternalID != "" && !validExternalID(s.ExternalID) {
		return fmt.Errorf("invalid external ID: use 2 to 1224 letters, digits and +=,.@:/_-")
	}
	if s.Duration != 0 && (s.Duration < minDuration || s.Duration > maxRoleDuration || s.Duration%time.Second != 0) {
		return fmt.Errorf("invalid duration %s: a role session lasts from 15m to 12h, in whole seconds", s.Duration)
	}
	if s.MFADuration < minDuration || s.MFADuration > maxMFADuration || s.MFADuration%time.Second != 0 {
		return fmt.Errorf("invalid MFA duration %s: an MFA session lasts from 15m to 36h, in whole seconds", s.MFADuration)
	}
	if s.MFASerial != "" && !validMFASerial(s.MFASerial) {
		return fmt.Errorf("invalid MFA serial %q: want arn:aws:iam::123456789012:mfa/DEVICE or a hardware serial number", s.MFASerial)
	}
	if s.MFAProcess != "" && s.MFASerial == "" {
		return errors.New("--mfa-process needs --mfa-serial: the device the code is for")
	}
	switch s.MFAPrompt {
	case "", "auto", "terminal", "dialog":
	default:
		return fmt.Errorf("invalid --mfa-prompt %q: want terminal, dialog or auto", s.MFAPrompt)
	}
	if s.NoSession && (s.RoleARN != "" || s.MFASerial != "") {
		return errors.New("--no-session hands out the source key itself: it takes no --role-arn or --mfa-serial")
	}
	if s.MFADirect && s.MFASerial == "" {
		return errors.New("--mfa-direct needs --mfa-serial")
	}
	if s.MFADirect && s.RoleARN == "" {
		return errors.New("--mfa-direct needs a role: it sends the MFA code with AssumeRole")
	}
	if s.Region != "" {
		if err := CheckRegion(s.Region); err != nil {
			return err
		}
	}
	if s.EndpointURL != "" && !strings.HasPrefix(s.EndpointURL, "https://") && !strings.HasPrefix(s.EndpointURL, "http://") {
		return fmt.Errorf("invalid endpoint URL %q: want https://…", s.EndpointURL)
	}
	if s.RefreshWindow < 0 || s.RefreshWindow > 6*time.Hour {
		return fmt.Errorf("invalid refresh window %s: want 0 to 6h", s.RefreshWindow)
	}
	if s.RoleARN != "" {
		// A window as long as the session would refresh on every call.
		life := s.roleDuration(s.usesMFASession())
		if life == 0 {
			life = time.Hour // STS's default
		}
		if s.RefreshWindow >= life {
			return fmt.Errorf("invalid refresh window %s: it must be shorter than the role session (%s)", FormatDuration(s.RefreshWindow), FormatDuration(life))
		}
	}
	return nil
}

// sessionName is the RoleSessionName sent to STS.
func (s *Settings) sessionName() string {
	if s.SessionName != "" {
		return s.SessionName
	}
	n := "credproc-" + strings.Map(func(r rune) rune {
		if strings.ContainsRune("+=,.@_-", r) || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, s.Source)
	if len(n) > 64 {
		n = n[:64]
	}
	return n
}

// usesMFASession reports whether role credentials come from an MFA session
// (GetSessionToken) rather than straight from the source keys.
func (s *Settings) usesMFASession() bool {
	return s.MFASerial != "" && !s.MFADirect
}

// roleDuration is the DurationSeconds to ask for: role chaining caps it.
func (s *Settings) roleDuration(chained bool) time.Duration {
	if chained && s.Duration > ChainedRoleLimit {
		return ChainedRoleLimit
	}
	return s.Duration
}

// SessionKey identifies the cached credentials these settings produce. It
// covers everything that changes them; endpoint is the STS endpoint in use,
// so an emulator's keys are never handed to real AWS.
func (s *Settings) SessionKey(endpoint string) string {
	return hashKey("role", s.Source, s.RoleARN, s.sessionName(), s.ExternalID,
		strconv.FormatInt(int64(s.Duration/time.Second), 10), s.Policy,
		s.MFASerial, strconv.FormatBool(s.MFADirect), endpoint)
}

// MFASessionKey identifies the cached MFA session for the source and device,
// shared by every profile that uses them.
func (s *Settings) MFASessionKey(endpoint string) string {
	return hashKey("mfa", s.Source, s.MFASerial,
		strconv.FormatInt(int64(s.MFADuration/time.Second), 10), endpoint)
}

func hashKey(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return parts[0] + "-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// ParseDuration reads "1h30m" style durations and plain seconds ("3600").
func ParseDuration(v string) (time.Duration, error) {
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 || n > 1<<31 {
			return 0, fmt.Errorf("invalid duration %q", v)
		}
		return time.Duration(n) * time.Second, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d < 0 {
		return 0, fmt.Errorf("invalid duration %q: use e.g. 1h, 90m or 3600", v)
	}
	return d, nil
}

// FormatDuration writes d the way a person would type it: 1h, 1h30m, 45m,
// or plain seconds when it is not whole minutes.
func FormatDuration(d time.Duration) string {
	if d%time.Minute != 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	s := strings.TrimSuffix(d.String(), "0s")
	if strings.HasSuffix(s, "h0m") {
		s = strings.TrimSuffix(s, "0m")
	}
	return s
}

type durationFlag time.Duration

func (d *durationFlag) String() string { return FormatDuration(time.Duration(*d)) }
func (d *durationFlag) Set(v string) error {
	x, err := ParseDuration(v)
	*d = durationFlag(x)
	return err
}
