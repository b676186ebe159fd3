package credproc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awsconfig"
)

// Source name prefixes that pick where the source keys come from when a
// keyring entry and an AWS profile share a name (the keyring wins otherwise).
const (
	KeyringPrefix = "keyring:"
	ProfilePrefix = "profile:"
)

// depthOnce marks this process's depth in the environment the SDK starts
// a profile's credential_process with.
var depthOnce sync.Once

// depthEnv guards against a profile whose source runs credproc for itself.
const depthEnv = "CREDPROC_DEPTH"

// processTimeout bounds resolving a source profile (its credential_process
// or SSO portal call), and an mfa-process command.
const processTimeout = 2 * time.Minute

// loadSource finds the source keys for s: the keyring entry named by
// s.Source, else the AWS profile of that name.
func (r *Resolver) loadSource(ctx context.Context, s *Settings) (*loadedSource, error) {
	if !r.KeepSources {
		return r.readSource(ctx, s)
	}
	if src, ok := r.sources.Load(s.Source); ok {
		return src.(*loadedSource), nil
	}
	src, err := r.readSource(ctx, s)
	if err == nil && !src.temporary() {
		r.sources.Store(s.Source, src)
	}
	return src, err
}

// readSource reads the source's keys from the keyring or the AWS profile.
func (r *Resolver) readSource(ctx context.Context, s *Settings) (*loadedSource, error) {
	name, fromProfile, fromKeyring := s.Source, false, false
	switch {
	case strings.HasPrefix(name, KeyringPrefix):
		name, fromKeyring = strings.TrimPrefix(name, KeyringPrefix), true
	case strings.HasPrefix(name, ProfilePrefix):
		name, fromProfile = strings.TrimPrefix(name, ProfilePrefix), true
	}
	if !fromProfile {
		c, err := r.Store.Source(name)
		if err == nil {
			return &loadedSource{creds: c}, nil
		}
		if fromKeyring && errors.Is(err, cache.ErrNotFound) {
			return nil, noSource(name)
		}
		if errors.Is(err, cache.ErrLocked) {
			return nil, &Error{Msg: fmt.Sprintf("source %q is in the encrypted key file, which is locked, and there is no terminal to ask for its passphrase", name),
				Hint: "run `credproc unlock` in a terminal", Err: err}
		}
		if !errors.Is(err, cache.ErrNotFound) {
			var keyringErr error = &Error{Msg: fmt.Sprintf("read source %q from the keyring: %v", name, err), Err: err}
			var ke *cache.KeyringError
			if errors.As(err, &ke) {
				keyringErr = ke // already names the operation, source and keyring
			}
			// Without a Secret Service (SSH, containers) an AWS profile of
			// that name can still serve; say the keyring's error otherwise.
			if fromKeyring || !errors.Is(err, cache.ErrUnavailable) {
				return nil, keyringErr
			}
			src, perr := r.profileSource(ctx, name)
			if errors.Is(perr, errNoProfile) {
				return nil, keyringErr
			}
			return src, perr
		}
	}
	return r.profileSource(ctx, name)
}

// errNoProfile marks a source that is neither a keyring entry nor a profile.
var errNoProfile = errors.New("no such source")

func noSource(name string) error {
	return &Error{
		Msg:  fmt.Sprintf("no source named %q: neither a keyring entry nor an AWS profile", name),
		Hint: "store the IAM user's access key with `credproc add " + name + "`",
		Err:  errNoProfile,
	}
}

// profileSource gets source keys from an AWS profile through the SDK's own
// credential chain, exactly as the AWS CLI and SDKs resolve that profile:
// static keys, credential_process, IAM Identity Center (sso_session and
// legacy), login_session, web identity, credential_source (Environment,
// Ec2InstanceMetadata, EcsContainer) and role_arn + source_profile chains.
// No other program is started, except a credential_process the profile
// names.
func (r *Resolver) profileSource(ctx context.Context, name string) (*loadedSource, error) {
	keys, ok, err := ProfileKeys(name)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, noSource(name)
	}
	// A profile whose credential_process runs credproc for itself would
	// start credproc again and again.
	depth, _ := strconv.Atoi(r.getenv(depthEnv))
	if depth >= 3 {
		return nil, &Error{Msg: "profile " + name + ": sources nest too deeply (does the profile's source run credproc for itself?)"}
	}
	depthOnce.Do(func() { os.Setenv(depthEnv, strconv.Itoa(depth+1)) })
	ctx, cancel := context.WithTimeout(ctx, processTimeout)
	defer cancel()
	cfg, err := awsapi.LoadConfig(ctx, awsapi.ConfigOptions{Profile: name})
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("profile %s: %v", name, err), Err: err, Hint: "fix the profile in the AWS config file; `aws configure list --profile " + name + "` shows what the AWS CLI reads"}
	}
	if directProcess(keys) {
		pp, err := newProcessProvider(name, keys["credential_process"])
		if err != nil {
			return nil, err
		}
		cfg.Credentials = pp
	}
	if cfg.Credentials == nil {
		return nil, &Error{Msg: fmt.Sprintf("profile %s has no credentials: no keys, credential_process, SSO, web identity, credential_source or role_arn", name)}
	}
	c, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("profile %s: cannot get its credentials: %v", name, oneLine(err)), Err: err, Hint: sourceHint(keys, name)}
	}
	src := &loadedSource{profile: keys, cfg: &cfg}
	src.creds = cache.Credentials{AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if c.CanExpire {
		src.creds.Expiration = c.Expires.UTC()
	}
	return src, nil
}

// sourceHint says what usually fixes a source profile of that kind.
func sourceHint(keys map[string]string, name string) string {
	switch {
	case keys["sso_session"] != "" || keys["sso_start_url"] != "":
		return "sign in again: `aws sso login --profile " + name + "`"
	case keys["login_session"] != "":
		return "sign in again: `aws login --profile " + name + "`"
	case keys["credential_process"] != "":
		return "run the profile's credential_process by hand to see why it fails"
	}
	return "`aws sts get-caller-identity --profile " + name + "` shows whether the profile works"
}

func oneLine(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// ProfileKeys returns AWS profile name's keys merged from the config and
// credentials files, and whether either file has the profile. The
// credentials file wins, as in the AWS CLI.
func ProfileKeys(name string) (map[string]string, bool, error) {
	cfg, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config)
	if err != nil {
		return nil, false, &Error{Msg: err.Error(), Hint: "fix the AWS config file; credproc changed nothing", Err: err}
	}
	creds, err := awsconfig.Load(awsconfig.CredentialsPath(), awsconfig.Credentials)
	if err != nil {
		return nil, false, &Error{Msg: err.Error(), Hint: "fix the AWS credentials file; credproc changed nothing", Err: err}
	}
	cp, inConfig := cfg.Profile(name)
	kp, inCreds := creds.Profile(name)
	keys := map[string]string{}
	for k, v := range cp.Keys {
		keys[k] = v
	}
	for k, v := range kp.Keys {
		keys[k] = v
	}
	return keys, inConfig || inCreds, nil
}

// SourceCredentials returns a source's keys as they are, with no STS call:
// a keyring entry's long-lived key, an AWS profile's static keys, or what
// the profile's credential_process (or the AWS CLI) hands out. Commands that
// must not go through a GetSessionToken session (IAM refuses those without
// MFA) use it.
func (r *Resolver) SourceCredentials(ctx context.Context, source string) (cache.Credentials, error) {
	src, err := r.loadSource(ctx, &Settings{Source: source})
	if err != nil {
		return cache.Credentials{}, err
	}
	return src.creds, nil
}

// ProcessOutput is the credential_process JSON document.
type ProcessOutput struct {
	Version         int    `json:"Version"`
	AccessKeyID     string `json:"AccessKeyId"`
	SecretAccessKey string `json:"SecretAccessKey"`
	SessionToken    string `json:"SessionToken,omitempty"`
	Expiration      string `json:"Expiration,omitempty"`
}

// NewProcessOutput renders c as credential_process JSON.
func NewProcessOutput(c cache.Credentials) ProcessOutput {
	o := ProcessOutput{Version: 1, AccessKeyID: c.AccessKeyID, SecretAccessKey: c.SecretAccessKey, SessionToken: c.SessionToken}
	if !c.Expiration.IsZero() {
		o.Expiration = c.Expiration.UTC().Format(time.RFC3339)
	}
	return o
}

// AppendJSON appends o as JSON, byte for byte as json.Marshal writes it.
// It is the cache hit's output, in a fresh process each time, where
// encoding/json's reflection would cost more than writing five fields.
func (o ProcessOutput) AppendJSON(b []byte) []byte {
	b = strconv.AppendInt(append(b, `{"Version":`...), int64(o.Version), 10)
	b = appendJSONString(append(b, `,"AccessKeyId":`...), o.AccessKeyID)
	b = appendJSONString(append(b, `,"SecretAccessKey":`...), o.SecretAccessKey)
	if o.SessionToken != "" {
		b = appendJSONString(append(b, `,"SessionToken":`...), o.SessionToken)
	}
	if o.Expiration != "" {
		b = appendJSONString(append(b, `,"Expiration":`...), o.Expiration)
	}
	return append(b, '}')
}

// appendJSONString appends s as a JSON string with encoding/json's escapes:
// HTML-safe, U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c == '\b':
				b = append(b, '\\', 'b')
			case c == '\f':
				b = append(b, '\\', 'f')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xf])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}

// ParseProcessOutput reads credential_process JSON as the AWS SDKs do:
// Version must be the number 1, keys non-empty, Expiration RFC 3339.
// Its errors never quote the input, which holds secrets.
func ParseProcessOutput(b []byte) (cache.Credentials, error) {
	var o ProcessOutput
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&o); err != nil {
		return cache.Credentials{}, errors.New("output is not credential_process JSON")
	}
	if o.Version != 1 {
		return cache.Credentials{}, fmt.Errorf("output has Version %d, want 1", o.Version)
	}
	if o.AccessKeyID == "" || o.SecretAccessKey == "" {
		return cache.Credentials{}, errors.New("output lacks AccessKeyId or SecretAccessKey")
	}
	c := cache.Credentials{AccessKeyID: o.AccessKeyID, SecretAccessKey: o.SecretAccessKey, SessionToken: o.SessionToken}
	if o.Expiration != "" {
		t, err := time.Parse(time.RFC3339, o.Expiration)
		if err != nil {
			return cache.Credentials{}, errors.New("output has an Expiration that is not RFC 3339")
		}
		c.Expiration = t.UTC()
	}
	return c, nil
}

// runMFAProcess runs the profile's mfa-process command (no shell, split as
// the AWS CLI splits credential_process) and returns the code it printed.
func runMFAProcess(ctx context.Context, command string) (string, error) {
	argv, err := awsconfig.SplitCommand(command)
	if err != nil || len(argv) == 0 {
		return "", &Error{Msg: fmt.Sprintf("mfa-process %q: cannot split the command: %v", command, err)}
	}
	ctx, cancel := context.WithTimeout(ctx, processTimeout)
	defer cancel()
	cmd := commandContext(ctx, argv)
	cmd.Stderr = os.Stderr
	var stdout bytes.Buffer
	cmd.Stdout = &stdout
	if err := finish(cmd, cmd.Run()); err != nil {
		return "", &Error{Msg: fmt.Sprintf("mfa-process %s: %v", argv[0], err), Hint: "run the command by hand to see why it fails", Err: err}
	}
	code := strings.TrimSpace(stdout.String())
	if !validCode(code) {
		return "", &Error{Msg: fmt.Sprintf("mfa-process %s printed no 6-digit MFA code", argv[0]), Hint: "the command must print only the current code"}
	}
	return code, nil
}

// nextMFACode waits for mfa-process to print a code other than used: TOTP
// codes change every 30 seconds. A command whose code does not change by
// the next step is not a TOTP source, and the caller gives up.
func nextMFACode(ctx context.Context, command, used string) (string, error) {
	const step = 30 * time.Second
	wait := time.Until(time.Now().Truncate(step).Add(step + time.Second))
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case <-time.After(wait):
	}
	code, err := runMFAProcess(ctx, command)
	if err != nil {
		return "", err
	}
	if code == used {
		return "", errors.New("mfa-process printed the same code again")
	}
	return code, nil
}
