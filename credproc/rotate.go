package credproc

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
)

// DefaultMaxKeyAge is when a stored key's age draws a warning: CIS AWS
// Foundations asks for rotation every 90 days.
const DefaultMaxKeyAge = 90 * 24 * time.Hour

// propagationWait bounds the wait for a new key to be accepted by STS.
const propagationWait = 2 * time.Minute

// MaskKeyID shows an access key ID the way the AWS console lists keys:
// the first four and last four characters.
func MaskKeyID(id string) string {
	if len(id) <= 8 {
		return strings.Repeat("*", len(id))
	}
	return id[:4] + strings.Repeat("*", len(id)-8) + id[len(id)-4:]
}

// Rotation is what Rotate did.
type Rotation struct {
	Old, New string // access key IDs
}

// Rotate replaces source name's access key the way IAM requires: it lists
// the user's keys (refusing when there are two already), creates a new key,
// waits until STS accepts it, stores it, deactivates and deletes the old
// key and drops every session cached from the old one. s carries the MFA
// device (and code source) when the user has one: the IAM calls then go
// through the source's MFA session, so no code is sent twice. progress
// receives one line per step.
//
// An interruption leaves a source that works: before the new key is
// stored the old one is untouched; after, the new one is in place and the
// error says which key is left to delete.
func (r *Resolver) Rotate(ctx context.Context, s *Settings, progress func(string)) (*Rotation, error) {
	name := strings.TrimPrefix(s.Source, KeyringPrefix)
	old, err := r.Store.Source(name)
	if errors.Is(err, cache.ErrNotFound) {
		return nil, &Error{Msg: fmt.Sprintf("no source named %q in the keyring", name), Hint: "`credproc list` shows the stored sources; `credproc import` moves keys from the AWS files"}
	}
	if err != nil {
		return nil, &Error{Msg: fmt.Sprintf("read source %q: %v", name, err), Err: err}
	}
	ep := endpointFor(s, r.getenv, nil)
	if !IAMReachable(r.getenv, s.EndpointURL) {
		return nil, &Error{Msg: "STS goes to a custom endpoint but IAM to AWS: not sending the key to IAM", Hint: "set AWS_ENDPOINT_URL_IAM too"}
	}
	// IAM refuses GetSessionToken sessions without MFA: sign with the key
	// itself, or with the MFA session when there is a device.
	signer := old
	if s.MFASerial != "" {
		ms := *s // the MFA session profiles of this source share
		ms.RoleARN = ""
		sess, err := r.baseSession(ctx, &ms, &loadedSource{creds: old}, 10*time.Minute)
		if err != nil {
			return nil, err
		}
		signer = sess
	}
	iam := NewIAMKeys(signer, ep.Region)
	keys, err := iam.List(ctx)
	if err != nil {
		return nil, iamError("ListAccessKeys", name, err)
	}
	mine := false
	for _, k := range keys {
		mine = mine || k.ID == old.AccessKeyID
	}
	if !mine {
		return nil, &Error{Msg: fmt.Sprintf("source %q holds key %s, which is not one of the IAM user's keys", name, MaskKeyID(old.AccessKeyID))}
	}
	if len(keys) >= 2 {
		var list []string
		for _, k := range keys {
			list = append(list, fmt.Sprintf("%s (%s, created %s)", MaskKeyID(k.ID), k.Status, k.Created.UTC().Format("2006-01-02")))
		}
		return nil, &Error{
			Msg:  fmt.Sprintf("the IAM user already has two access keys, the most IAM allows: %s; nothing was changed", strings.Join(list, ", ")),
			Hint: fmt.Sprintf("delete the one that is not %s (aws iam delete-access-key --access-key-id ID), then rotate again", MaskKeyID(old.AccessKeyID)),
		}
	}
	fresh, err := iam.Create(ctx)
	if err != nil {
		return nil, iamError("CreateAccessKey", name, err)
	}
	progress(fmt.Sprintf("created access key %s; waiting until STS accepts it", fresh.AccessKeyID))
	undoCreate := func(cause error) error {
		// Signed with the old key, which still works.
		dctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if derr := iam.Delete(dctx, fresh.AccessKeyID); derr != nil {
			return &Error{Msg: fmt.Sprintf("%v; source %q keeps its old key %s, which works, and the new key %s is left over in IAM",
				cause, name, old.AccessKeyID, fresh.AccessKeyID),
				Hint: "delete it: aws iam delete-access-key --access-key-id " + fresh.AccessKeyID, Err: cause}
		}
		return &Error{Msg: fmt.Sprintf("%v; source %q keeps its old key %s, which works; the new key was deleted", cause, name, old.AccessKeyID), Err: cause}
	}
	if err := r.waitAccepted(ctx, ep, fresh); err != nil {
		return nil, undoCreate(fmt.Errorf("the new key %s was not accepted by STS: %w", fresh.AccessKeyID, err))
	}
	if err := r.Store.SetSource(name, fresh); err != nil {
		return nil, undoCreate(fmt.Errorf("store the new key: %w", err))
	}
	progress(fmt.Sprintf("stored access key %s as source %q", fresh.AccessKeyID, name))
	leftOver := func(step string, err error) error {
		return &Error{
			Msg: fmt.Sprintf("source %q now holds the new key %s, which works, but %s the old key %s failed: %v",
				name, fresh.AccessKeyID, step, old.AccessKeyID, err),
			Hint: "delete the old key yourself: aws iam delete-access-key --access-key-id " + old.AccessKeyID,
			Err:  err,
		}
	}
	if s.MFASerial == "" {
		// The old key signs no more from here: deactivating it would end
		// its own calls.
		iam = NewIAMKeys(fresh, ep.Region)
	}
	if err := iam.Deactivate(ctx, old.AccessKeyID); err != nil {
		_ = r.dropSessions(name)
		return nil, leftOver("deactivating", err)
	}
	if err := iam.Delete(ctx, old.AccessKeyID); err != nil {
		_ = r.dropSessions(name)
		return nil, leftOver("deleting", err)
	}
	if err := r.dropSessions(name); err != nil {
		return nil, &Error{Msg: fmt.Sprintf("rotated source %q to key %s, but could not drop the sessions cached from the old key: %v", name, fresh.AccessKeyID, err), Err: err}
	}
	return &Rotation{Old: old.AccessKeyID, New: fresh.AccessKeyID}, nil
}

// dropSessions deletes the sessions cached from source name, whichever way
// profiles spell it.
func (r *Resolver) dropSessions(name string) error {
	return errors.Join(r.Store.DeleteSessionsFrom(name), r.Store.DeleteSessionsFrom(KeyringPrefix+name))
}

// waitAccepted polls STS GetCallerIdentity with c until it succeeds: a new
// key takes seconds to reach every STS endpoint.
func (r *Resolver) waitAccepted(ctx context.Context, ep Endpoint, c cache.Credentials) error {
	wait := propagationWait
	if d, err := time.ParseDuration(r.getenv("CREDPROC_PROPAGATION_WAIT")); err == nil && d > 0 {
		wait = d // tests
	}
	ctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()
	for {
		_, err := STSClient(c, ep.Region, ep.URL).GetCallerIdentity(ctx)
		if err == nil {
			return nil
		}
		if code := ErrorCode(err); code != "InvalidClientTokenId" && code != "SignatureDoesNotMatch" && !unreachable(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("gave up after %s: %w", wait, err)
		case <-time.After(time.Second):
		}
	}
}

// iamError explains a failed IAM access-key call.
func iamError(action, source string, err error) error {
	var done *Error
	if errors.As(err, &done) {
		return err
	}
	e := &Error{Msg: fmt.Sprintf("iam:%s for source %q: %v; nothing was changed", action, source, err), Err: err}
	switch ErrorCode(err) {
	case "AccessDenied":
		e.Hint = "the IAM user needs iam:ListAccessKeys, iam:CreateAccessKey, iam:UpdateAccessKey and iam:DeleteAccessKey on itself (arn:aws:iam::ACCOUNT:user/${aws:username})"
	case "InvalidClientTokenId":
		e.Hint = "IAM refuses sessions without MFA: give the MFA device with --mfa-serial"
	}
	return e
}

// ParseKeyAge reads a maximum key age: days ("90d") or a duration ("2160h").
func ParseKeyAge(v string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(v, "d"); ok {
		var days int
		if _, err := fmt.Sscanf(n, "%d", &days); err == nil && fmt.Sprint(days) == n && days > 0 && days <= 3650 {
			return time.Duration(days) * 24 * time.Hour, nil
		}
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("invalid key age %q: use days, e.g. 90d", v)
	}
	return d, nil
}

// KeyAge says how old a stored key is, and whether that is past max.
func KeyAge(created, now time.Time, max time.Duration) (msg string, old bool) {
	if created.IsZero() {
		return "", false
	}
	days := int(now.Sub(created) / (24 * time.Hour))
	msg = fmt.Sprintf("%d days old, created %s", days, created.UTC().Format("2006-01-02"))
	if days == 1 {
		msg = fmt.Sprintf("1 day old, created %s", created.UTC().Format("2006-01-02"))
	}
	return msg, now.Sub(created) >= max
}

// IAMReachable reports whether keys may be sent to IAM: not when STS goes
// to a custom endpoint (an emulator, a proxy) and IAM to the real one.
func IAMReachable(getenv func(string) string, profileURL string) bool {
	if STSEndpointURL(getenv, map[string]string{"endpoint_url": profileURL}) == "" {
		return true
	}
	return !strings.EqualFold(getenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"), "true") &&
		cmp.Or(getenv("AWS_ENDPOINT_URL_IAM"), getenv("AWS_ENDPOINT_URL")) != ""
}
