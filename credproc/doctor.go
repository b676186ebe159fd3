package credproc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/awsconfig"
)

// Check statuses, as `credproc doctor` prints them.
const (
	StatusOK   = "ok"   // the step works
	StatusWarn = "warn" // it works now, but will stop working (or may surprise)
	StatusFail = "FAIL" // it does not work; Fix says what to do
	StatusSkip = "skip" // not checked, because an earlier step failed
)

// Check is the outcome of one step of the doctor's walk along a profile's
// credential chain. No field ever holds a secret: only names, ARNs, times
// and AWS error codes and messages.
type Check struct {
	Step   string // "config", "keyring", "source", "identity", "mfa", "cache", "assume role"
	Status string // StatusOK, StatusWarn, StatusFail or StatusSkip
	Msg    string // one line: what was found
	Cause  string // optional: why the step fails, and on what evidence
	// Fix lists what to do, one entry per remedy. An entry's first line is
	// the instruction; further lines ("\n"-separated) are text to paste,
	// such as a policy document.
	Fix []string
	// Group, when set, is the failure's cause in words shared by every
	// profile that fails the same way, for a summary over many profiles.
	Group string
}

// Failed reports whether any of checks failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

// Policy decisions of iam:SimulatePrincipalPolicy (EvalDecision).
const (
	DecisionAllowed      = "allowed"
	DecisionImplicitDeny = "implicitDeny"
	DecisionExplicitDeny = "explicitDeny"
)

// SimulationQuery asks IAM whether a principal's own policies allow it to
// call sts:AssumeRole on a role (iam:SimulatePrincipalPolicy).
type SimulationQuery struct {
	Endpoint        awsapi.Endpoint
	Creds           cache.Credentials // signs the call; never shown
	PolicySourceARN string            // the IAM user or role whose policies are simulated
	RoleARN         string
	MFA             bool // the AssumeRole call is MFA-authenticated
}

// Doctor walks the credential chain of one profile step by step and says
// which step fails and how to fix it, for `credproc doctor`. It reads the
// same keyring, config files and environment as credential_process mode,
// assumes the role for real (caching the result as a normal call would) and
// never prints or returns credentials.
type Doctor struct {
	Resolver *Resolver
	// Simulate runs iam:SimulatePrincipalPolicy and returns the decision
	// (DecisionAllowed, …). Nil calls the IAM API.
	Simulate func(ctx context.Context, q SimulationQuery) (string, error)
	// MaxKeyAge is the stored key age that draws a warning (DefaultMaxKeyAge when 0).
	MaxKeyAge time.Duration
	// Bulk is set when Run checks many profiles (concurrently): the keyring,
	// each source and its identity are checked once and shared, new role
	// sessions go to the fastest cache tier only, and are not shown by a
	// GetCallerIdentity of their own.
	Bulk bool
	bulk bulkState
}

// walk is the state of one Doctor.Run.
type walk struct {
	d       *Doctor
	r       *Resolver
	profile string
	s       *Settings

	keyringOK bool
	sessionOK bool // some session tier answers (doctor_tiers.go)
	src       *loadedSource
	caller    string // identity ARN of the source keys, once known
	mfaOK     bool
	checks    []Check
}

// Run checks every step after the config file for profile (whose settings
// are s, already validated) and returns one Check per step, in chain order:
// keyring, source, identity, mfa, cache, assume role.
func (d *Doctor) Run(ctx context.Context, profile string, s *Settings) []Check {
	w := &walk{d: d, r: d.Resolver, profile: profile, s: s}
	if d.Bulk {
		w.bulkSteps(ctx)
	} else {
		w.keyring()
		w.source(ctx)
		w.keyAge()
		w.identity(ctx)
	}
	w.mfa(ctx)
	w.cache()
	w.assume(ctx)
	return w.checks
}

func (w *walk) add(c Check) { w.checks = append(w.checks, c) }

func (w *walk) skip(step, why string) {
	w.add(Check{Step: step, Status: StatusSkip, Msg: why})
}

// doctorProbe is a keyring item name that never exists: reading it proves
// the keyring answers without touching a real item.
const doctorProbe = "credproc-doctor-probe"

// keyring checks that the keyring answers. Store.Session reports every
// failure as a miss, so the backend is asked directly.
func (w *walk) keyring() {
	w.sessionOK = w.sessionTierWorks()
	b := w.r.Store.Backend()
	_, err := b.Get(doctorProbe)
	if err == nil || errors.Is(err, cache.ErrNotFound) {
		w.keyringOK = true
		w.add(Check{Step: "keyring", Status: StatusOK, Msg: b.Name() + " keyring reachable" + w.tierSummary()})
		return
	}
	if _, onlyProfile, _ := sourceName(w.s.Source); onlyProfile && w.sessionOK {
		// No source key is read from it: the session tier is all it takes.
		w.add(Check{Step: "keyring", Status: StatusOK, Msg: "source keys come from an AWS profile" + w.tierSummary()})
		return
	}
	c := Check{Step: "keyring", Status: StatusFail, Msg: fmt.Sprintf("the %s keyring is not reachable: %v", b.Name(), err) + w.tierSummary()}
	switch {
	case errors.Is(err, cache.ErrNoSessionBus):
		c.Fix = []string{"run credproc in a desktop session, or start a D-Bus session bus with an unlocked keyring (dbus-run-session, gnome-keyring-daemon --unlock)"}
	case errors.Is(err, cache.ErrTimeout):
		c.Fix = []string{"unlock the keyring (it may be waiting for an unlock prompt), then try again"}
	default:
		c.Fix = []string{"check that the OS keyring service runs and is unlocked"}
	}
	w.add(c)
}

// sourceName splits s.Source into the name and the explicit kind, if any.
func sourceName(source string) (name string, onlyProfile, onlyKeyring bool) {
	switch {
	case strings.HasPrefix(source, KeyringPrefix):
		return strings.TrimPrefix(source, KeyringPrefix), false, true
	case strings.HasPrefix(source, ProfilePrefix):
		return strings.TrimPrefix(source, ProfilePrefix), true, false
	}
	return source, false, false
}

// awsProfileExists reports whether an AWS profile name exists in the
// config or credentials file. Files that do not parse count as no profile;
// loading the source reports them.
func awsProfileExists(name string) bool {
	for _, f := range []struct {
		path string
		kind awsconfig.Kind
	}{{awsconfig.ConfigPath(), awsconfig.Config}, {awsconfig.CredentialsPath(), awsconfig.Credentials}} {
		if cf, err := awsconfig.Load(f.path, f.kind); err == nil {
			if _, ok := cf.Profile(name); ok {
				return true
			}
		}
	}
	return false
}

// source finds the source keys the way credential_process mode does, and
// says which of a keyring entry and an AWS profile of that name is used.
func (w *walk) source(ctx context.Context) {
	s := w.s
	name, onlyProfile, onlyKeyring := sourceName(s.Source)
	inKeyring := false
	if !onlyProfile && w.keyringOK {
		_, err := w.r.Store.Source(name)
		inKeyring = err == nil
	}
	inProfile := !onlyKeyring && awsProfileExists(name)
	src, err := w.r.loadSource(ctx, s)
	if err != nil {
		c := Check{Step: "source", Status: StatusFail, Msg: err.Error()}
		if h := Hint(err); h != "" {
			c.Fix = append(c.Fix, h)
		}
		if !onlyKeyring && !inProfile && !inKeyring {
			c.Fix = append(c.Fix, "or name an existing AWS profile with the keys: `credproc setup "+w.profileOr("PROFILE")+" --source profile:NAME …`")
		}
		w.add(c)
		return
	}
	w.src = src
	var msg string
	if src.profile == nil {
		msg = fmt.Sprintf("keyring entry %q in the %s keyring", name, w.r.Store.Backend().Name())
		if inProfile {
			msg += fmt.Sprintf("; an AWS profile %q exists too: the keyring entry wins (--source %s%s picks the profile)", name, ProfilePrefix, name)
		}
	} else {
		how := "static keys"
		switch {
		case src.profile["aws_access_key_id"] != "" && src.profile["aws_secret_access_key"] != "":
		case src.profile["credential_process"] != "":
			how = "its credential_process"
		default:
			how = "aws configure export-credentials"
		}
		msg = fmt.Sprintf("AWS profile %q (%s)", name, how)
		if !onlyProfile && w.keyringOK {
			msg += fmt.Sprintf("; no keyring entry %q, so the profile is used", name)
		}
	}
	if src.temporary() {
		msg += "; temporary keys"
		if !src.creds.Expiration.IsZero() {
			msg += " until " + until(src.creds.Expiration, w.r.now())
		}
	}
	w.add(Check{Step: "source", Status: StatusOK, Msg: msg})
}

func (w *walk) profileOr(def string) string {
	if w.profile != "" {
		return w.profile
	}
	return def
}

// sourceFix is what to do about source keys that STS rejects.
func (w *walk) sourceFix(code string) []string {
	name, _, _ := sourceName(w.s.Source)
	switch {
	case w.src != nil && w.src.profile != nil && w.src.temporary():
		return []string{"refresh the temporary keys of AWS profile " + name + " (for IAM Identity Center: `aws sso login --profile " + name + "`)"}
	case w.src != nil && w.src.profile != nil:
		return []string{"put the IAM user's current access key into AWS profile " + name + " (`aws configure --profile " + name + "`)"}
	case code == "SignatureDoesNotMatch":
		return []string{"store the key pair again, key ID and its own secret: `credproc add " + name + "`"}
	}
	return []string{"create a new access key for the IAM user (IAM console: Users > the user > Security credentials) and store it: `credproc add " + name + "`"}
}

// identity asks STS who the source keys belong to (sts:GetCallerIdentity
// needs no permission, so a failure means the keys themselves are bad).
func (w *walk) identity(ctx context.Context) {
	if w.src == nil {
		w.skip("identity", "no source keys to check (see source)")
		return
	}
	out, err := w.r.callerIdentity(ctx, w.s, w.src, w.src.creds)
	if err != nil {
		code := ErrorCode(err)
		c := Check{Step: "identity", Status: StatusFail}
		switch {
		case code == "InvalidClientTokenId":
			c.Msg = fmt.Sprintf("STS does not accept the access key ID of source %q (InvalidClientTokenId): it is wrong, deleted or deactivated", w.s.Source)
			c.Fix = w.sourceFix(code)
		case code == "SignatureDoesNotMatch" && strings.Contains(strings.ToLower(errorMessage(err)), "expired"):
			c.Msg = fmt.Sprintf("STS rejected the request time (SignatureDoesNotMatch): %s", errorMessage(err))
			c.Fix = []string{"set this machine's clock right (e.g. enable NTP)"}
		case code == "SignatureDoesNotMatch":
			c.Msg = fmt.Sprintf("the secret access key of source %q does not match its key ID (SignatureDoesNotMatch)", w.s.Source)
			c.Fix = w.sourceFix(code)
		case code == "ExpiredToken":
			c.Msg = fmt.Sprintf("the temporary keys of source %q have expired (ExpiredToken)", w.s.Source)
			c.Fix = w.sourceFix(code)
		default:
			e := Explain(Call{Service: "sts", Op: "GetCallerIdentity", Source: w.s.Source, Endpoint: endpointFor(w.s, w.r.getenv, w.src.profile)}, err)
			c.Msg = e.Error()
			if h := Hint(e); h != "" {
				c.Fix = []string{h}
			}
		}
		w.add(c)
		return
	}
	w.caller = out.Arn
	if p := parsePrincipal(w.caller); p.kind == "root" && w.s.RoleARN != "" {
		w.add(Check{Step: "identity", Status: StatusFail,
			Msg: w.caller + ": these are the account root user's keys, and AWS does not let the root user assume roles",
			Fix: []string{"create an IAM user that may call sts:AssumeRole, store its access key with `credproc add NAME`, and delete the root user's access key"}})
		return
	}
	w.add(Check{Step: "identity", Status: StatusOK, Msg: w.caller + " (sts:GetCallerIdentity with the source keys)"})
}

// sessionMode reports whether roles are assumed with an MFA session (one
// code for many roles) rather than with a code each: a source that is
// already temporary cannot get one.
func (w *walk) sessionMode() bool {
	return w.s.usesMFASession() && (w.src == nil || !w.src.temporary())
}

// mfaSession returns the cached MFA session s's roles are assumed with, if
// it can still sign an AssumeRole.
func (w *walk) mfaSession() (cache.Credentials, bool) {
	if !w.keyringOK || !w.sessionMode() {
		return cache.Credentials{}, false
	}
	sess, ok := w.r.Store.Session(w.r.mfaKey(w.s))
	if !ok || !w.r.fresh(sess.Credentials, mfaSessionMargin) {
		return cache.Credentials{}, false
	}
	return sess.Credentials, true
}

// mfa checks the MFA device and that a code can be had without using one:
// the mfa-process is run and its output checked, but the code is not sent
// to STS (the assume-role step does that only when no MFA session is
// cached).
func (w *walk) mfa(ctx context.Context) {
	s := w.s
	if s.MFASerial == "" {
		w.mfaOK = true
		w.add(Check{Step: "mfa", Status: StatusOK, Msg: "no MFA device configured (--mfa-serial)"})
		return
	}
	// A virtual device's ARN names its account; it must be the user's own.
	if dev := parsePrincipal(s.MFASerial); dev.kind == "mfa" && w.caller != "" {
		if p := parsePrincipal(w.caller); p.kind == "user" && p.account != dev.account {
			w.add(Check{Step: "mfa", Status: StatusFail,
				Msg: fmt.Sprintf("MFA device %s is in account %s, but the source identity %s is in account %s", s.MFASerial, dev.account, w.caller, p.account),
				Fix: []string{"give the source user's own device: `credproc setup " + w.profileOr("PROFILE") + " … --mfa-serial arn:" + p.partition + ":iam::" + p.account + ":mfa/DEVICE`"}})
			return
		}
	}
	var parts []string
	parts = append(parts, "device "+s.MFASerial)
	sess, cached := w.mfaSession()
	if cached {
		parts = append(parts, "cached MFA session until "+until(sess.Expiration, w.r.now())+": no code needed now")
	}
	path, pathErr := w.codePath(ctx)
	if pathErr == nil {
		parts = append(parts, path)
		if !cached {
			if w.sessionMode() {
				parts = append(parts, "no cached MFA session: the next call needs a code")
			} else {
				parts = append(parts, "each new role session needs a code")
			}
		}
		w.mfaOK = true
		w.add(Check{Step: "mfa", Status: StatusOK, Msg: strings.Join(parts, "; ")})
		return
	}
	prof := w.profileOr("PROFILE")
	var fix []string
	switch {
	case s.MFAProcess != "":
		// The command itself is broken: its own hint says how.
		fix = nonEmptyList(Hint(pathErr))
	case cached:
		fix = []string{"to get a new MFA session after that, run `credproc --profile " + prof + "` in a terminal"}
	case w.sessionMode():
		fix = []string{"run `credproc --profile " + prof + "` once in a terminal and enter the code (the MFA session it caches serves every profile of this source and device for " + FormatDuration(s.MFADuration) + ")"}
	default:
		fix = []string{"run credproc in a terminal, or drop --mfa-direct so that one code serves for " + FormatDuration(s.MFADuration)}
	}
	if s.MFAProcess == "" {
		fix = append(fix, "or give the profile a code source: `credproc setup "+prof+" … --mfa-process 'ykman oath accounts code -s NAME'`")
	}
	if cached {
		// The cached session keeps things working for now.
		parts = append(parts, pathErr.Error()+": works until the MFA session expires")
		w.mfaOK = true
		w.add(Check{Step: "mfa", Status: StatusWarn, Msg: strings.Join(parts, "; "), Fix: fix})
		return
	}
	parts = append(parts, pathErr.Error())
	if w.sessionMode() {
		parts = append(parts, "no MFA session is cached")
	} else {
		why := "the source keys are temporary, so the code goes with AssumeRole"
		if s.MFADirect {
			why = "--mfa-direct"
		}
		parts = append(parts, "every new role session needs a code ("+why+")")
	}
	w.add(Check{Step: "mfa", Status: StatusFail, Msg: strings.Join(parts, "; "), Fix: fix})
}

// codePath says how an MFA code would be had now, or why it cannot be.
func (w *walk) codePath(ctx context.Context) (string, error) {
	if w.s.MFAProcess != "" {
		if _, err := runMFAProcess(ctx, w.s.MFAProcess); err != nil {
			return "", err
		}
		return "mfa-process prints a 6-digit code", nil
	}
	t, err := w.r.openTerminal()
	if err != nil {
		return "", errors.New("no terminal to ask for a code on and no --mfa-process")
	}
	t.Close()
	return "a terminal is available to ask for the code", nil
}

// cache reports the cached credentials of the profile.
func (w *walk) cache() {
	if !w.keyringOK && !w.sessionOK {
		w.skip("cache", "the keyring is not reachable (see keyring)")
		return
	}
	if w.s.NoSession {
		w.add(Check{Step: "cache", Status: StatusOK, Msg: "nothing to cache: --no-session hands out the key from the keyring"})
		return
	}
	what := "role session"
	if w.s.RoleARN == "" {
		what = "session"
	}
	now := w.r.now()
	var msg string
	sess, ok := w.r.Store.Session(w.r.CacheKeyFor(w.s))
	switch {
	case !ok:
		msg = "no cached " + what + ": the next AWS command gets a new one"
	case !w.r.fresh(sess.Credentials, w.s.RefreshWindow):
		msg = fmt.Sprintf("cached %s expires %s, inside the refresh window (%s): the next AWS command gets a new one", what, until(sess.Expiration, now), FormatDuration(w.s.RefreshWindow))
	default:
		msg = fmt.Sprintf("cached %s until %s", what, until(sess.Expiration, now))
	}
	if w.sessionMode() && w.s.RoleARN != "" {
		if m, ok := w.mfaSession(); ok {
			msg += "; MFA session until " + until(m.Expiration, now)
		} else {
			msg += "; no MFA session"
		}
	}
	w.add(Check{Step: "cache", Status: StatusOK, Msg: msg})
}

// assume gets new credentials the way credential_process mode does when
// the cache misses, under the same lock, and caches them. For a profile
// without a role that is the source's (MFA) session.
func (w *walk) assume(ctx context.Context) {
	step := "assume role"
	if w.s.RoleARN == "" {
		step = "session"
	}
	switch {
	case w.caller == "":
		w.skip(step, "needs working source keys (see source and identity)")
		return
	case !w.mfaOK:
		w.skip(step, "needs a working MFA set-up (see mfa)")
		return
	}
	if w.s.NoSession {
		w.add(Check{Step: step, Status: StatusOK, Msg: "--no-session: the profile hands out the source's long-lived key itself, no STS session"})
		return
	}
	if w.s.RoleARN == "" {
		c, err := w.r.baseSession(ctx, w.s, w.src, w.s.RefreshWindow)
		if err != nil {
			w.add(Check{Step: step, Status: StatusFail, Msg: err.Error(), Fix: nonEmptyList(Hint(err))})
			return
		}
		w.add(Check{Step: step, Status: StatusOK, Msg: "no --role-arn: the profile hands out the source's own STS session, valid until " + until(c.Expiration, w.r.now())})
		return
	}
	key := w.r.CacheKeyFor(w.s)
	unlock, err := w.r.lock(ctx, key)
	if err != nil {
		w.add(Check{Step: step, Status: StatusFail, Msg: err.Error(), Fix: nonEmptyList(Hint(err))})
		return
	}
	defer unlock()
	c, err := w.r.assumeRole(ctx, w.s, w.src)
	if err != nil {
		w.add(w.assumeFailed(ctx, err))
		return
	}
	cached := "cached"
	store := w.r.Store
	if w.d.Bulk {
		store = w.d.bulk.fastStore(w.r.Store)
	}
	if err := store.PutSession(key, cache.Session{Credentials: c, Kind: cache.KindRole, Source: w.s.Source, RoleARN: w.s.RoleARN, MFASerial: w.s.MFASerial}); err != nil {
		cached = "not cached (" + err.Error() + ")"
	}
	who := w.s.RoleARN
	// Show the session's own ARN: proof that the new keys work.
	if !w.d.Bulk {
		if out, err := w.r.callerIdentity(ctx, w.s, w.src, c); err == nil {
			who = out.Arn
		}
	}
	w.add(Check{Step: step, Status: StatusOK, Msg: fmt.Sprintf("%s, new session %s until %s", who, cached, until(c.Expiration, w.r.now()))})
}

func nonEmptyList(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// assumeFailed explains a failed AssumeRole (or the GetSessionToken before
// it).
func (w *walk) assumeFailed(ctx context.Context, err error) Check {
	c := Check{Step: "assume role", Status: StatusFail, Msg: err.Error(), Fix: nonEmptyList(Hint(err))}
	if ErrorCode(err) != "AccessDenied" || isBadMFACode(err) || operationOf(err) != "AssumeRole" {
		return c
	}
	c.Msg = fmt.Sprintf("AccessDenied: %s", errorMessage(err))
	c.Cause, c.Fix, c.Group = w.deniedCause(ctx, errorMessage(err))
	return c
}

// Sides of a denied AssumeRole.
const (
	sideUnknown  = iota
	sideIdentity // the caller's own permissions (identity policy, boundary, SCP)
	sideTrust    // the role's trust policy (or the role does not exist)
)

// deniedCause finds out why AssumeRole was denied and what to fix.
//
// AWS evaluates two policies for a cross-account AssumeRole: the caller's
// identity policies must allow sts:AssumeRole on the role (cause a) and the
// role's trust policy must admit the caller (cause b). Its classic message,
// "User: X is not authorized to perform: sts:AssumeRole on resource: Y",
// is the same for both (and for a role that does not exist), so the
// message alone proves nothing. Evidence, strongest first:
//
//  1. AWS's newer wording names the policy type that denied ("because no
//     identity-based policy allows …", "… resource-based policy …",
//     "… service control policy …"); when present it settles the question.
//  2. iam:SimulatePrincipalPolicy for the caller on sts:AssumeRole and the
//     role evaluates exactly side (a) from the caller's account, where
//     credproc's keys live (the trust policy is in the member account and
//     cannot be read from there): "allowed" leaves (b), a deny is (a). It
//     needs iam:SimulatePrincipalPolicy, which the caller may lack; it is
//     only called where IAM is the partition's real endpoint or one that
//     is configured, so keys never go to an endpoint the user did not pick.
//
// Retrying AssumeRole with MFA or an external ID would need a code and the
// right ID, so those conditions are inferred from the profile: without
// --mfa-serial "MFA may be required", without --external-id "an external ID
// may be required". When neither 1 nor 2 gives evidence, both causes are
// named: "could not tell which of the two; check both".
func (w *walk) deniedCause(ctx context.Context, message string) (cause string, fixes []string, group string) {
	s := w.s
	role, _ := ParseRoleARN(s.RoleARN)
	caller := parsePrincipal(w.caller)
	identityFix := w.identityFix(caller)
	trustFix := w.trustFixes(caller, role)

	if side, clause := deniedBy(message); side != sideUnknown {
		if side == sideIdentity {
			return "AWS says the caller's own policies deny it (" + clause + ")", append([]string{identityFix}, w.afterIdentityFix()), groupIdentity(caller)
		}
		return "AWS says the role's policy does not admit the caller (" + clause + ")", trustFix, groupTrust(caller)
	}

	decision, why := w.simulate(ctx, caller)
	switch decision {
	case DecisionAllowed:
		return fmt.Sprintf("the caller's own policies allow sts:AssumeRole on the role (iam:SimulatePrincipalPolicy: %s), so the trust policy of the role in account %s does not admit %s: it does not trust the caller's account or user, or it has a condition (MFA, external ID) this profile does not meet; or the role does not exist", decision, role.Account, w.caller), trustFix, groupTrust(caller)
	case DecisionImplicitDeny:
		return fmt.Sprintf("the caller %s lacks sts:AssumeRole on the role (iam:SimulatePrincipalPolicy: %s): no identity policy allows it", w.caller, decision), []string{identityFix, w.afterIdentityFix()}, groupIdentity(caller)
	case DecisionExplicitDeny:
		return fmt.Sprintf("an explicit Deny in the caller's policies (identity policy, permissions boundary or service control policy) blocks sts:AssumeRole on the role (iam:SimulatePrincipalPolicy: %s)", decision),
			[]string{"remove or narrow the Deny statement for sts:AssumeRole that applies to " + w.caller + " (an Allow does not override it)", w.afterIdentityFix()},
			"an explicit Deny in the policies of " + w.caller + " blocks sts:AssumeRole — remove or narrow it"
	}
	cause = fmt.Sprintf("could not tell which of the two; check both: (a) %s lacks sts:AssumeRole on the role, or (b) the role's trust policy in account %s does not admit it (%s)", w.caller, role.Account, why)
	fixes = append([]string{"(a) " + identityFix}, trustFix...)
	fixes[1] = "(b) " + fixes[1]
	return cause, fixes, fmt.Sprintf("AssumeRole denied: %s lacks sts:AssumeRole, or the role's trust policy does not trust %s (could not tell which) — check both (`credproc doctor --profile P` shows the fixes)", caller.name, caller.account)
}

// afterIdentityFix reminds that AWS reports one failure at a time.
func (w *walk) afterIdentityFix() string {
	return "then run `credproc doctor --profile " + w.profileOr("PROFILE") + "` again: the role's trust policy is only evaluated once the caller may call sts:AssumeRole"
}

// identityFix says how to grant the caller sts:AssumeRole on the role.
func (w *walk) identityFix(caller principal) string {
	stmt, _ := json.Marshal(policyStatement{Effect: "Allow", Action: "sts:AssumeRole", Resource: w.s.RoleARN})
	where := "an identity policy of " + w.caller
	switch caller.kind {
	case "user":
		where = fmt.Sprintf("a policy of IAM user %s (or of one of its groups) in account %s", caller.name, caller.account)
	case "assumed-role":
		where = fmt.Sprintf("a policy of role %s in account %s", caller.name, caller.account)
	}
	return "allow the caller to assume the role: add this statement to " + where + "\n" + string(stmt)
}

// trustFixes says how to make the role trust the caller's account, and
// which trust conditions the profile may be missing.
func (w *walk) trustFixes(caller principal, role ParsedRoleARN) []string {
	s := w.s
	mgmt := caller.account
	st := policyStatement{Effect: "Allow", Principal: map[string]string{"AWS": "arn:" + role.Partition + ":iam::" + mgmt + ":root"}, Action: "sts:AssumeRole"}
	initRole := "credproc init-role --profile ADMIN --management-account " + mgmt
	if role.Name != DefaultRoleName {
		initRole += " --role-name " + role.Name
	}
	if s.MFASerial != "" {
		st.Condition = map[string]map[string]string{"Bool": {"aws:MultiFactorAuthPresent": "true"}}
		initRole += " --require-mfa"
	}
	if s.ExternalID != "" {
		// The ID itself is the user's to choose; show where it goes.
		if st.Condition == nil {
			st.Condition = map[string]map[string]string{}
		}
		st.Condition["StringEquals"] = map[string]string{"sts:ExternalId": "EXTERNAL-ID"}
	}
	doc, _ := json.Marshal(policyDocument{Version: "2012-10-17", Statement: []policyStatement{st}})
	fixes := []string{fmt.Sprintf("make role %s in account %s trust account %s: run `%s` (ADMIN: an administrator profile of account %s), or set its trust policy (IAM console: Roles > %s > Trust relationships) to\n%s",
		role.Name, role.Account, mgmt, initRole, role.Account, role.Name, doc)}
	if s.MFASerial == "" {
		fixes = append(fixes, "MFA may be required: this profile has no --mfa-serial; if the trust policy has the condition aws:MultiFactorAuthPresent, add the device: `credproc setup "+w.profileOr("PROFILE")+" … --mfa-serial arn:"+role.Partition+":iam::"+mgmt+":mfa/DEVICE`")
	}
	if s.ExternalID == "" {
		fixes = append(fixes, "an external ID may be required: this profile has no --external-id; if the trust policy has the condition sts:ExternalId, add it: `credproc setup "+w.profileOr("PROFILE")+" … --external-id ID`")
	} else {
		fixes = append(fixes, "check that --external-id matches the sts:ExternalId in the trust policy")
	}
	return fixes
}

// policyStatement is an IAM policy statement, fields in the order the AWS
// documentation writes them.
type policyStatement struct {
	Effect    string                       `json:"Effect"`
	Principal map[string]string            `json:"Principal,omitempty"`
	Action    string                       `json:"Action"`
	Resource  string                       `json:"Resource,omitempty"`
	Condition map[string]map[string]string `json:"Condition,omitempty"`
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

// deniedBy reads the policy type out of AWS's newer AccessDenied wording:
// "… because no identity-based policy allows the sts:AssumeRole action",
// "… with an explicit deny in a service control policy", and so on.
func deniedBy(message string) (side int, clause string) {
	m := strings.ToLower(message)
	i := strings.Index(m, " because ")
	if j := strings.Index(m, " with an explicit deny"); j >= 0 && (i < 0 || j < i) {
		i = j
	}
	if i < 0 {
		return sideUnknown, ""
	}
	clause = strings.TrimSpace(message[i:])
	rest := m[i:]
	switch {
	case strings.Contains(rest, "identity-based policy"), strings.Contains(rest, "permissions boundary"),
		strings.Contains(rest, "service control policy"), strings.Contains(rest, "session policy"):
		return sideIdentity, clause
	case strings.Contains(rest, "resource-based policy"), strings.Contains(rest, "resource control policy"):
		return sideTrust, clause
	}
	return sideUnknown, ""
}

// simulate asks IAM about the caller's side. It returns the decision, or
// "" and why there is none.
func (w *walk) simulate(ctx context.Context, caller principal) (string, string) {
	var source string
	switch caller.kind {
	case "user":
		source = w.caller
	case "assumed-role":
		// The session's role; its path is not in the session ARN, so a role
		// under a path is not found and the answer is "could not tell".
		source = "arn:" + caller.partition + ":iam::" + caller.account + ":role/" + caller.name
	default:
		return "", "no policy simulation for a caller of this kind"
	}
	ep, err := w.iamEndpoint(ctx, caller.partition)
	if err != nil {
		return "", err.Error()
	}
	sim := w.d.Simulate
	if sim == nil {
		sim = SimulatePrincipalPolicy
	}
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	decision, err := sim(ctx, SimulationQuery{
		Endpoint:        ep,
		Creds:           w.src.creds,
		PolicySourceARN: source,
		RoleARN:         w.s.RoleARN,
		MFA:             w.s.MFASerial != "",
	})
	if err != nil {
		return "", "iam:SimulatePrincipalPolicy failed: " + oneLineErr(err)
	}
	switch decision {
	case DecisionAllowed, DecisionImplicitDeny, DecisionExplicitDeny:
		return decision, ""
	}
	return "", "iam:SimulatePrincipalPolicy gave no decision"
}

func oneLineErr(err error) string { return strings.Join(strings.Fields(err.Error()), " ") }

// iamEndpoint picks where the policy simulation goes: an endpoint the user
// configured (AWS_ENDPOINT_URL_IAM, AWS_ENDPOINT_URL, the source profile's
// endpoint_url), else the partition's IAM endpoint, but only when STS too
// goes to AWS itself. With a custom STS endpoint (a private endpoint or an
// emulator) and no IAM endpoint, the source keys are not sent anywhere.
func (w *walk) iamEndpoint(ctx context.Context, partition string) (awsapi.Endpoint, error) {
	ep := awsapi.IAM.DefaultEndpoint(partition)
	cfg, err := w.r.awsConfig(ctx, w.s, w.src)
	if err != nil {
		return awsapi.Endpoint{}, err
	}
	u := w.r.getenv("AWS_ENDPOINT_URL_IAM") // the resolver's environment, which tests replace
	if u == "" || strings.EqualFold(w.r.getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") {
		u = awsapi.ConfiguredURL(ctx, cfg, "IAM")
	}
	if u != "" {
		ep.URL = u
		return ep, nil
	}
	if sts := endpointFor(w.s, w.r.getenv, w.src.profile); sts.URL != "" {
		return awsapi.Endpoint{}, fmt.Errorf("STS goes to %s and no IAM endpoint is configured (AWS_ENDPOINT_URL_IAM), so no policy simulation", sts.URL)
	}
	return ep, nil
}

// principal is an IAM or STS ARN split for messages.
type principal struct {
	partition, account string
	kind               string // "user", "assumed-role", "root", "mfa", "federated-user", "role" or ""
	name               string // user, role or device name (without path)
}

// parsePrincipal splits arn:PARTITION:iam|sts::ACCOUNT:KIND/…/NAME.
func parsePrincipal(arn string) principal {
	parts := strings.SplitN(arn, ":", 6)
	if len(parts) != 6 || parts[0] != "arn" {
		return principal{}
	}
	p := principal{partition: parts[1], account: parts[4]}
	res := parts[5]
	if res == "root" {
		p.kind = "root"
		return p
	}
	kind, rest, ok := strings.Cut(res, "/")
	if !ok {
		return p
	}
	p.kind = kind
	segs := strings.Split(rest, "/")
	p.name = segs[len(segs)-1]
	if kind == "assumed-role" && len(segs) >= 2 {
		p.name = segs[0] // assumed-role/ROLE/SESSION
	}
	return p
}

// until formats an expiry with the time left: "2026-01-02T15:04:05Z (in 0h59m)".
func until(t, now time.Time) string {
	if !t.After(now) {
		return t.UTC().Format(time.RFC3339) + " (expired)"
	}
	left := t.Sub(now).Round(time.Minute)
	return fmt.Sprintf("%s (in %dh%02dm)", t.UTC().Format(time.RFC3339), int(left.Hours()), int(left.Minutes())%60)
}

// SimulatePrincipalPolicy calls iam:SimulatePrincipalPolicy for
// q.PolicySourceARN on sts:AssumeRole and q.RoleARN and returns the
// decision. Its errors from IAM are *awsapi.APIError.
func SimulatePrincipalPolicy(ctx context.Context, q SimulationQuery) (string, error) {
	params := url.Values{
		"PolicySourceArn":       {q.PolicySourceARN},
		"ActionNames.member.1":  {"sts:AssumeRole"},
		"ResourceArns.member.1": {q.RoleARN},
	}
	if q.MFA {
		// Identity policies may allow AssumeRole only with MFA.
		params.Set("ContextEntries.member.1.ContextKeyName", "aws:MultiFactorAuthPresent")
		params.Set("ContextEntries.member.1.ContextKeyType", "boolean")
		params.Set("ContextEntries.member.1.ContextKeyValues.member.1", "true")
	}
	var out struct {
		Results []struct {
			Action   string `xml:"EvalActionName"`
			Decision string `xml:"EvalDecision"`
			// Since 2024 AWS reports an ARN template as EvalResourceName and
			// the decision for the real ARN here.
			Specific []struct {
				Resource string `xml:"EvalResourceName"`
				Decision string `xml:"EvalResourceDecision"`
			} `xml:"ResourceSpecificResults>member"`
		} `xml:"EvaluationResults>member"`
	}
	if err := awsapi.NewWithEndpoint(awsapi.IAM, q.Creds, q.Endpoint).Query(ctx, "SimulatePrincipalPolicy", params, &out); err != nil {
		return "", err
	}
	// One action on one resource was asked about: its result is the answer.
	for _, r := range out.Results {
		if !strings.EqualFold(r.Action, "sts:AssumeRole") {
			continue
		}
		for _, sp := range r.Specific {
			if sp.Resource == q.RoleARN && sp.Decision != "" {
				return sp.Decision, nil
			}
		}
		return r.Decision, nil
	}
	return "", errors.New("SimulatePrincipalPolicy returned no result for sts:AssumeRole")
}
