package credproc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/internal/awsapi"
	"github.com/credproc/credproc/internal/prompt"
)

// mfaSessionMargin is how long an MFA session must still be valid to sign
// one more AssumeRole: the role session outlives it, so reuse it to the end.
const mfaSessionMargin = time.Minute

// staleMargin is how long cached credentials must still be valid to be
// handed out when STS cannot be reached to refresh them.
const staleMargin = 2 * time.Minute

// maxCodeTries is how often a terminal user may retype a rejected MFA code.
const maxCodeTries = 3

// Resolver gets credentials for settings, from the cache when it can.
type Resolver struct {
	Store *cache.Store
	// Getenv reads the environment (os.Getenv when nil).
	Getenv func(string) string
	// Now is the clock (time.Now when nil).
	Now func() time.Time
	// Notices receives non-fatal messages; the AWS CLI hides it.
	Notices io.Writer
	// OpenTerminal opens the terminal for prompts (prompt.Open when nil).
	OpenTerminal func() (*prompt.Terminal, error)
	// LockWait bounds the wait for another credproc refreshing the same
	// credentials (default 90 s: long enough for the holder's MFA prompt).
	LockWait time.Duration
	// KeepSources keeps each source's keys once read, for the Resolver's
	// life: a run over many accounts then reads the keyring once, not once
	// per account. Only for runs that end (a key added meanwhile is not seen).
	KeepSources bool
	sources     sync.Map // source name -> *loadedSource
}

func (r *Resolver) getenv(k string) string {
	if r.Getenv != nil {
		return r.Getenv(k)
	}
	return os.Getenv(k)
}

func (r *Resolver) now() time.Time {
	if r.Now != nil {
		return r.Now()
	}
	return time.Now()
}

func (r *Resolver) notice(format string, a ...any) {
	if r.Notices != nil {
		fmt.Fprintf(r.Notices, "credproc: "+format+"\n", a...)
	}
}

// fresh reports whether cached credentials may still be handed out.
func (r *Resolver) fresh(c cache.Credentials, window time.Duration) bool {
	return c.Expiration.Sub(r.now()) > window
}

// Cached returns the cached credentials for s from any cache tier, without
// a network call, or false. (The hot path, Hit, asks only the fastest tier.)
func (r *Resolver) Cached(s *Settings) (cache.Credentials, bool) {
	sess, ok := r.Store.Session(r.CacheKeyFor(s))
	if !ok || !r.fresh(sess.Credentials, s.RefreshWindow) {
		return cache.Credentials{}, false
	}
	return sess.Credentials, true
}

// CacheKeyFor is the cache key of the credentials s hands out. The endpoint
// comes from settings and environment only, so the hot path reads no file.
func (r *Resolver) CacheKeyFor(s *Settings) string {
	ep := endpointFor(s, r.getenv, nil)
	if s.RoleARN == "" {
		return s.MFASessionKey(ep.URL)
	}
	return s.SessionKey(ep.URL)
}

// mfaKey is the cache key of the MFA session that s's roles are assumed with.
func (r *Resolver) mfaKey(s *Settings) string {
	return s.MFASessionKey(endpointFor(s, r.getenv, nil).URL)
}

// Hit returns s's session from the fastest tier while it has more than
// the refresh window left: the cache hit, without a lock, a file or STS.
// The slower tiers (the Secret Service) are asked only under the lock in
// Credentials, so a storm asks them once.
func (r *Resolver) Hit(s *Settings) (cache.Credentials, bool) {
	if s.NoSession {
		return cache.Credentials{}, false
	}
	if sess, ok := r.Store.FirstTierSession(r.CacheKeyFor(s)); ok && r.fresh(sess.Credentials, s.RefreshWindow) {
		return sess.Credentials, true
	}
	return cache.Credentials{}, false
}

// Credentials returns credentials for s: cached ones while they have more
// than the refresh window left, else new ones from STS, cached before they
// are returned. Concurrent callers for the same settings make one STS call
// chain between them.
func (r *Resolver) Credentials(ctx context.Context, s *Settings) (cache.Credentials, error) {
	if s.NoSession {
		return r.longLived(ctx, s)
	}
	if c, ok := r.Hit(s); ok {
		return c, nil
	}
	key := r.CacheKeyFor(s)
	if s.RoleARN == "" {
		src, err := r.loadSource(ctx, s)
		if err != nil {
			return cache.Credentials{}, err
		}
		return r.baseSession(ctx, s, src, s.RefreshWindow)
	}
	// What the cache held when last looked at, fresh or not: the stale
	// fallback hands it out when STS cannot be reached.
	var old cache.Session
	var hasOld bool
	unlock, c, err := r.lockOrCached(ctx, key, func() (cache.Credentials, bool) {
		old, hasOld = r.Store.Session(key)
		return old.Credentials, hasOld && r.fresh(old.Credentials, s.RefreshWindow)
	})
	stale := hasOld && r.fresh(old.Credentials, staleMargin)
	if err != nil {
		if stale && unreachable(err) {
			r.notice("could not refresh (%v); using the cached credentials until %s", err, old.Expiration.UTC().Format(time.RFC3339))
			return old.Credentials, nil
		}
		return cache.Credentials{}, err
	}
	if unlock == nil {
		return c, nil
	}
	defer unlock()
	// While the cached credentials still work, an unreachable STS may cost
	// only a few seconds: every AWS command pays it until STS is back.
	budget := NetworkDeadline
	if stale {
		budget = StaleDeadline
	}
	ctx = withBudget(ctx, budget)
	c, err = r.refreshRole(ctx, s)
	if err != nil {
		r.recordFailure(key, err)
		if stale && unreachable(err) {
			// STS is out of reach but the cached credentials still work:
			// hand them out rather than fail every command until expiry.
			r.notice("could not refresh (%v); using the cached credentials until %s", err, old.Expiration.UTC().Format(time.RFC3339))
			return old.Credentials, nil
		}
		return cache.Credentials{}, err
	}
	r.Store.ClearFailure(key)
	err = r.Store.PutSession(key, cache.Session{Credentials: c, Kind: "role", Source: s.Source, RoleARN: s.RoleARN, MFASerial: s.MFASerial})
	if err != nil {
		// The credentials are good; the next call will just fetch again.
		r.notice("could not cache the role credentials: %v", err)
	}
	return c, nil
}

// longLived hands out the source's long-lived key as it is stored: nothing
// to cache, no STS call. A source that is temporary is refused, since the
// AWS CLI would keep credentials without an expiry forever.
func (r *Resolver) longLived(ctx context.Context, s *Settings) (cache.Credentials, error) {
	src, err := r.loadSource(ctx, s)
	if err != nil {
		return cache.Credentials{}, err
	}
	if src.temporary() {
		return cache.Credentials{}, &Error{Msg: fmt.Sprintf("source %q holds temporary keys; --no-session hands out only long-lived keys", s.Source),
			Hint: "drop --no-session from the profile's credential_process line"}
	}
	c := src.creds
	c.Expiration = time.Time{}
	return c, nil
}

// refreshRole loads the source and assumes s's role.
func (r *Resolver) refreshRole(ctx context.Context, s *Settings) (cache.Credentials, error) {
	if err := s.CheckPartition(); err != nil {
		return cache.Credentials{}, err
	}
	src, err := r.loadSource(ctx, s)
	if err != nil {
		return cache.Credentials{}, err
	}
	return r.assumeRole(ctx, s, src)
}

// lock takes key's lock, waiting (at most LockWait) while another credproc
// holds it.
func (r *Resolver) lock(ctx context.Context, key string) (func(), error) {
	unlock, _, err := r.lockOrCached(ctx, key, func() (cache.Credentials, bool) { return cache.Credentials{}, false })
	return unlock, err
}

// lockOrCached takes key's lock for a refresh, unless cached finds
// credentials first: then it returns them and a nil unlock. While another
// credproc holds the lock, it waits (at most LockWait) for that one to let
// go and looks again, so a storm of cold starts makes one refresh and the
// rest wake together to read its result. A holder that failed left nothing
// cached; then the next waiter to get the lock tries itself.
func (r *Resolver) lockOrCached(ctx context.Context, key string, cached func() (cache.Credentials, bool)) (func(), cache.Credentials, error) {
	wait := cmp.Or(r.LockWait, 90*time.Second)
	lctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	var c cache.Credentials
	var failed *HolderFailed
	since := processStart
	unlock, err := r.Store.Lock(lctx, key, func() (hit bool) {
		if c, hit = cached(); hit {
			return true
		}
		// The holder failed: its answer is ours too, without another retry
		// chain against the same endpoint.
		if f, ok := r.Store.LastFailure(key, since); ok {
			failed = &HolderFailed{Msg: f.Message, Network: f.Network}
			return true
		}
		return false
	})
	switch {
	case failed != nil:
		return nil, cache.Credentials{}, failed.explained()
	case err != nil && (ctx.Err() != nil || lctx.Err() == nil):
		return nil, cache.Credentials{}, err // interrupted, or not a wait that ran out
	case err != nil:
		return nil, cache.Credentials{}, &Error{
			Msg:  fmt.Sprintf("waited %s for another credproc refreshing the same credentials: %v", wait, err),
			Hint: "if a credproc is stuck at an MFA prompt in another terminal, answer or stop it",
			Err:  err,
		}
	case unlock == nil:
		return nil, c, nil
	}
	// The fast check before the lock saw only the first tier, and another
	// credproc may have refreshed since.
	if c, hit := cached(); hit {
		unlock()
		return nil, c, nil
	}
	// A storm's stragglers reach the lock after the holder let go, some
	// started only after it failed: a refresh that failed since this
	// process started, or (STS down, throttling, 5xx) within the last 2 s,
	// is not run again by each of them. A later call, or one after a
	// refusal the user may just have fixed, asks STS itself.
	if f, ok := r.Store.LastFailure(key, earlier(processStart, time.Now().Add(-failureWindow))); ok && (f.Transient || !f.Time.Before(processStart)) {
		unlock()
		return nil, cache.Credentials{}, (&HolderFailed{Msg: f.Message, Network: f.Network}).explained()
	}
	return unlock, cache.Credentials{}, nil
}

// HolderFailed is the failure of another credproc's refresh of the same
// credentials, since this one started.
type HolderFailed struct {
	Msg     string
	Network bool // STS could not be reached
}

func (e *HolderFailed) Error() string {
	return "refreshing these credentials failed a moment ago: " + e.Msg
}

// explained wraps the failure with what to do.
func (e *HolderFailed) explained() error {
	hint := "the next call asks STS again"
	if e.Network {
		hint = "check the network, the region and any endpoint URL (AWS_ENDPOINT_URL_STS, --endpoint-url)"
	}
	return &Error{Msg: e.Error(), Hint: hint, Err: e}
}

// failureWindow is how long a failed refresh answers for calls that start
// right after it: the tail of a storm, not a user trying again.
const failureWindow = 2 * time.Second

// processStart is when this credproc started: a failure recorded after it
// is the answer of the refresh this process was part of.
var processStart = time.Now()

// loadedSource is the source credentials plus the profile they came from.
type loadedSource struct {
	creds   cache.Credentials
	profile map[string]string // AWS profile keys when the source is a profile
	cfg     *aws.Config       // the AWS configuration, once loaded
}

// awsConfig is the configuration STS calls for s run on: the source
// profile's (its CA bundle, proxy, retry and FIPS settings), else that of
// AWS_PROFILE or the default profile, with the source's keys.
func (r *Resolver) awsConfig(ctx context.Context, s *Settings, src *loadedSource) (aws.Config, error) {
	if src.cfg != nil {
		return *src.cfg, nil
	}
	ctx, cancel := netCtx(ctx)
	defer cancel()
	creds := src.creds
	cfg, err := awsapi.LoadConfig(ctx, awsapi.ConfigOptions{Region: endpointFor(s, r.getenv, src.profile).Region, Credentials: &creds})
	if err != nil {
		return aws.Config{}, &Error{Msg: err.Error(), Err: err, Hint: "fix the setting it names in the environment or the AWS config file"}
	}
	src.cfg = &cfg
	return cfg, nil
}

func (l *loadedSource) temporary() bool { return l.creds.SessionToken != "" }

// assumeRole gets new role credentials for s, through an MFA session when
// configured. It runs under the role's cache lock.
func (r *Resolver) assumeRole(ctx context.Context, s *Settings, src *loadedSource) (cache.Credentials, error) {
	ep := endpointFor(s, r.getenv, src.profile)
	call := Call{Service: "sts", Op: "AssumeRole", Role: s.RoleARN, Source: s.Source, MFASerial: s.MFASerial, Endpoint: ep}
	in := &sts.AssumeRoleInput{
		RoleArn:         aws.String(s.RoleARN),
		RoleSessionName: aws.String(s.sessionName()),
		ExternalId:      optional(s.ExternalID),
		Policy:          optional(s.Policy),
	}
	signer := src.creds
	switch {
	case s.usesMFASession() && !src.temporary():
		sess, err := r.baseSession(ctx, s, src, mfaSessionMargin)
		if err != nil {
			return cache.Credentials{}, err
		}
		signer, call.Chained, call.MFAUsed = sess, true, true
	case s.MFASerial != "":
		// Direct mode, or a source that already holds temporary keys and so
		// cannot get an MFA session: the code goes with AssumeRole.
		call.MFAUsed = true
		in.SerialNumber = aws.String(s.MFASerial)
	}
	call.Chained = call.Chained || src.temporary()
	// A clamp is said once on the terminal when the MFA code is entered, and by setup.
	d := s.roleDuration(call.Chained)
	if d != 0 {
		in.DurationSeconds = aws.Int32(int32(d / time.Second))
	}
	cfg, err := r.awsConfig(ctx, s, src)
	if err != nil {
		return cache.Credentials{}, err
	}
	out, err := withMFACode(ctx, r, s, in.SerialNumber != nil, func(code string) (*sts.AssumeRoleOutput, error) {
		if code != "" {
			in.TokenCode = aws.String(code)
		}
		ctx, cancel := netCtx(ctx)
		defer cancel()
		return newSTS(cfg, ep, signer).AssumeRole(ctx, in)
	})
	if err != nil {
		if call.Chained && s.usesMFASession() && isStaleSession(err) {
			// The cached MFA session was revoked or expired early: drop it so
			// the next call asks for a new code instead of failing forever.
			_ = r.Store.DeleteSession(r.mfaKey(s))
		}
		return cache.Credentials{}, Explain(call, err)
	}
	if out.Credentials == nil {
		return cache.Credentials{}, &Error{Msg: "AssumeRole " + s.RoleARN + ": STS returned no credentials"}
	}
	c := toCache(out.Credentials)
	if err := checkIssued(c); err != nil {
		return cache.Credentials{}, fmt.Errorf("AssumeRole %s: %w", s.RoleARN, err)
	}
	return c, nil
}

func isStaleSession(err error) bool {
	switch ErrorCode(err) {
	case "ExpiredToken", "InvalidClientTokenId":
		return true
	}
	return false
}

// checkIssued rejects an STS reply that cannot be used or cached.
func checkIssued(c cache.Credentials) error {
	if c.AccessKeyID == "" || c.SecretAccessKey == "" || c.SessionToken == "" || c.Expiration.IsZero() {
		return errors.New("STS returned incomplete credentials")
	}
	return nil
}

// baseSession returns the source's session credentials from GetSessionToken
// (MFA-authenticated when s has an MFA serial), cached under their own key
// so one MFA code serves every profile of that source and device. A source
// that is already temporary is returned as it is.
func (r *Resolver) baseSession(ctx context.Context, s *Settings, src *loadedSource, window time.Duration) (cache.Credentials, error) {
	if src.temporary() {
		if s.RoleARN == "" && src.creds.Expiration.IsZero() {
			// Without an expiry the AWS CLI would never ask again.
			return cache.Credentials{}, &Error{Msg: fmt.Sprintf("source %q holds temporary keys without an expiry", s.Source)}
		}
		return src.creds, nil
	}
	ep := endpointFor(s, r.getenv, src.profile)
	key := r.mfaKey(s)
	if sess, ok := r.Store.FirstTierSession(key); ok && r.fresh(sess.Credentials, window) {
		return sess.Credentials, nil
	}
	unlock, c, err := r.lockOrCached(ctx, key, func() (cache.Credentials, bool) {
		sess, ok := r.Store.Session(key)
		return sess.Credentials, ok && r.fresh(sess.Credentials, window)
	})
	if err != nil || unlock == nil {
		return c, err
	}
	defer unlock()
	cfg, err := r.awsConfig(ctx, s, src)
	if err != nil {
		return cache.Credentials{}, err
	}
	in := &sts.GetSessionTokenInput{DurationSeconds: aws.Int32(int32(s.MFADuration / time.Second)), SerialNumber: optional(s.MFASerial)}
	out, err := withMFACode(ctx, r, s, s.MFASerial != "", func(code string) (*sts.GetSessionTokenOutput, error) {
		if code != "" {
			in.TokenCode = aws.String(code)
		}
		ctx, cancel := netCtx(ctx)
		defer cancel()
		return newSTS(cfg, ep, src.creds).GetSessionToken(ctx, in)
	})
	if err != nil {
		err = Explain(Call{Service: "sts", Op: "GetSessionToken", Source: s.Source, MFASerial: s.MFASerial, Endpoint: ep}, err)
		r.recordFailure(key, err)
		return cache.Credentials{}, err
	}
	if out.Credentials == nil {
		return cache.Credentials{}, &Error{Msg: "GetSessionToken: STS returned no credentials"}
	}
	r.Store.ClearFailure(key)
	c = toCache(out.Credentials)
	if err := checkIssued(c); err != nil {
		return cache.Credentials{}, fmt.Errorf("GetSessionToken: %w", err)
	}
	kind := "session"
	if s.MFASerial != "" {
		kind = "mfa"
	}
	if err := r.Store.PutSession(key, cache.Session{Credentials: c, Kind: kind, Source: s.Source, MFASerial: s.MFASerial}); err != nil {
		r.notice("could not cache the MFA session: %v", err)
	}
	return c, nil
}

// withMFACode runs call with a fresh MFA code when needed. On a terminal a
// rejected code is asked for again; an mfa-process code is tried once.
func withMFACode[T any](ctx context.Context, r *Resolver, s *Settings, needed bool, call func(code string) (T, error)) (T, error) {
	var zero T
	if !needed {
		return call("")
	}
	if s.MFAProcess != "" {
		// Time spent getting a code (a YubiKey touch, the wait for the next
		// TOTP step) is not the network's.
		asked := time.Now()
		code, err := runMFAProcess(ctx, s.MFAProcess)
		extendBudget(ctx, time.Since(asked))
		if err != nil {
			return zero, err
		}
		out, err := call(code)
		if err == nil || !isBadMFACode(err) {
			return out, err
		}
		// AWS takes each code once: another profile may have just used this
		// one. Try once more with the next code, if the command gives one.
		asked = time.Now()
		next, err2 := nextMFACode(ctx, s.MFAProcess, code)
		extendBudget(ctx, time.Since(asked))
		if err2 != nil {
			return out, err
		}
		return call(next)
	}
	t, err := r.openTerminal()
	if s.MFAPrompt == "dialog" && err == nil {
		t.Close()
		err = errors.New("--mfa-prompt dialog")
	}
	if err != nil {
		if s.MFAPrompt != "terminal" {
			if d, derr := r.findDialog(s); derr == nil {
				return withDialogCode(ctx, r, s, d, call)
			}
		}
		return zero, &Error{
			Msg:  fmt.Sprintf("an MFA code for %s is needed, but there is no terminal to ask on", s.MFASerial),
			Hint: "run the same aws command once in a terminal, or give the profile a code source with `credproc setup … --mfa-process CMD`",
			Err:  err,
		}
	}
	defer t.Close()
	for try := 1; ; try++ {
		asked := time.Now()
		code, err := t.ReadLine(fmt.Sprintf("credproc: MFA code for %s: ", s.MFASerial))
		extendBudget(ctx, time.Since(asked)) // the user's typing is not the network's time
		if errors.Is(err, prompt.ErrTimeout) {
			return zero, &Error{
				Msg:  fmt.Sprintf("no MFA code for %s was entered: %v", s.MFASerial, err),
				Hint: "run the command again and enter the code, or give the profile a code source with `credproc setup … --mfa-process CMD` (" + prompt.TimeoutEnv + " sets the wait)",
				Err:  err,
			}
		}
		if err != nil {
			return zero, err
		}
		if !validCode(code) {
			t.Printf("credproc: an MFA code is 6 digits\n")
			if try < maxCodeTries {
				continue
			}
			return zero, &Error{Msg: fmt.Sprintf("no valid MFA code for %s after %d tries", s.MFASerial, try)}
		}
		out, err := call(code)
		if err == nil || !isBadMFACode(err) || try >= maxCodeTries {
			if err == nil && s.usesMFASession() && s.RoleARN != "" && s.Duration > ChainedRoleLimit {
				t.Printf("credproc: role sessions from this MFA session last 1h (AWS role chaining limit); use --mfa-direct for %s\n", FormatDuration(s.Duration))
			}
			return out, err
		}
		t.Printf("credproc: that MFA code was not accepted; try the next one\n")
	}
}

func (r *Resolver) openTerminal() (*prompt.Terminal, error) {
	if r.OpenTerminal != nil {
		return r.OpenTerminal()
	}
	return prompt.Open()
}

func validCode(c string) bool {
	if len(c) != 6 {
		return false
	}
	return strings.Trim(c, "0123456789") == ""
}

func optional(v string) *string {
	if v == "" {
		return nil
	}
	return aws.String(v)
}

// netBudget is the time left for the network part of one run: a deadline
// that MFA prompts push back by the time the user took.
type netBudget struct {
	mu       sync.Mutex
	deadline time.Time
}

type budgetKey struct{}

// withBudget gives ctx's AWS calls d in all, from now.
func withBudget(ctx context.Context, d time.Duration) context.Context {
	return context.WithValue(ctx, budgetKey{}, &netBudget{deadline: time.Now().Add(d)})
}

// netCtx is ctx bounded by its budget, or by NetworkDeadline without one.
func netCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if b, ok := ctx.Value(budgetKey{}).(*netBudget); ok {
		b.mu.Lock()
		defer b.mu.Unlock()
		return context.WithDeadline(ctx, b.deadline)
	}
	return context.WithTimeout(ctx, NetworkDeadline)
}

func extendBudget(ctx context.Context, d time.Duration) {
	if b, ok := ctx.Value(budgetKey{}).(*netBudget); ok {
		b.mu.Lock()
		b.deadline = b.deadline.Add(d)
		b.mu.Unlock()
	}
}

// fromSTS reports a failure STS answered, or that STS could not be asked:
// one the other processes waiting for the same refresh would meet too. (A
// missing terminal for an MFA prompt is not: another may have one.)
func fromSTS(err error) bool {
	var held *HolderFailed
	return !errors.As(err, &held) && (ErrorCode(err) != "" || unreachable(err))
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// recordFailure notes a failed refresh of key for the processes waiting on
// it (see lockOrCached), if STS answered it or could not be asked.
func (r *Resolver) recordFailure(key string, err error) {
	if !fromSTS(err) {
		return
	}
	_ = r.Store.RecordFailure(key, cache.Failure{Message: err.Error(), Network: unreachable(err), Transient: transient(err)})
}

// transient reports a failure a retry a moment later would meet again:
// STS unreachable, throttling, or a server error.
func transient(err error) bool {
	if unreachable(err) {
		return true
	}
	switch ErrorCode(err) {
	case "Throttling", "ThrottlingException", "RequestLimitExceeded", "TooManyRequestsException", "InternalFailure", "InternalError", "ServiceUnavailable":
		return true
	}
	var status interface{ HTTPStatusCode() int }
	return errors.As(err, &status) && status.HTTPStatusCode() >= 500
}
