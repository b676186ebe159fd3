// Package totp implements RFC 6238 time-based one-time passwords as used by
// AWS virtual MFA devices: HMAC-SHA1, 6 digits and a 30 second time step,
// with the shared secret written in base32.
//
// Secrets are accepted in the form authenticator apps show them: base32
// without padding, in any letter case, with spaces allowed between groups.
// Trailing '=' padding is tolerated.
package totp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base32"
	"encoding/binary"
	"errors"
	"strings"
	"time"
)

const (
	// Digits is the length of a code.
	Digits = 6
	// Step is the time step: a code changes every Step.
	Step = 30 * time.Second
)

// encoding is the RFC 4648 base32 alphabet without padding, as used in
// otpauth:// URIs and by AWS when it shows a virtual MFA seed.
var encoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// ErrInvalidSecret reports a secret that is not usable base32.
var ErrInvalidSecret = errors.New("totp: invalid base32 secret")

// ErrInvalidTime reports a time before the Unix epoch, which has no
// TOTP counter.
var ErrInvalidTime = errors.New("totp: time before the Unix epoch")

// decodeSecret returns the key bytes of a base32 secret. Spaces are
// ignored, letter case does not matter and trailing padding is tolerated.
func decodeSecret(secret string) ([]byte, error) {
	s := strings.ToUpper(strings.Join(strings.Fields(secret), ""))
	s = strings.TrimRight(s, "=")
	if s == "" {
		return nil, ErrInvalidSecret
	}
	key, err := encoding.DecodeString(s)
	if err != nil || len(key) == 0 {
		return nil, ErrInvalidSecret
	}
	return key, nil
}

// counter returns the RFC 6238 time-step counter for t.
func counter(t time.Time) (int64, error) {
	u := t.Unix()
	if u < 0 {
		return 0, ErrInvalidTime
	}
	return u / int64(Step/time.Second), nil
}

// pow10 holds 10^n for the digit counts RFC 4226 allows.
var pow10 = [...]uint32{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000}

// codeDigits is the RFC 4226 HOTP value of key at counter, zero-padded to
// digits characters (1..9). It is separate from Code so that the 8-digit
// RFC 6238 test vectors can be checked.
func codeDigits(key []byte, counter uint64, digits int) string {
	var msg [8]byte
	binary.BigEndian.PutUint64(msg[:], counter)
	mac := hmac.New(sha1.New, key)
	mac.Write(msg[:])
	sum := mac.Sum(nil)
	// Dynamic truncation (RFC 4226 section 5.3).
	off := sum[len(sum)-1] & 0x0f
	bin := binary.BigEndian.Uint32(sum[off:off+4]) & 0x7fffffff
	v := bin % pow10[digits]
	b := make([]byte, digits)
	for i := digits - 1; i >= 0; i-- {
		b[i] = byte('0' + v%10)
		v /= 10
	}
	return string(b)
}

// Code returns the 6-digit code for secret at time t.
func Code(secret string, t time.Time) (string, error) {
	key, err := decodeSecret(secret)
	if err != nil {
		return "", err
	}
	c, err := counter(t)
	if err != nil {
		return "", err
	}
	return codeDigits(key, uint64(c), Digits), nil
}

// Validate reports whether code is valid for secret at time t, accepting
// the codes of the skew time steps before and after t (a negative skew is
// treated as 0). On success it returns the matched time-step counter, so
// that the caller can refuse a code whose step was already used.
//
// The current step is tried first, then steps at growing distance, so a
// code that happens to repeat within the window resolves to the nearest step.
func Validate(secret, code string, t time.Time, skew int) (step int64, ok bool) {
	if len(code) != Digits || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	key, err := decodeSecret(secret)
	if err != nil {
		return 0, false
	}
	c, err := counter(t)
	if err != nil {
		return 0, false
	}
	if skew < 0 {
		skew = 0
	}
	match := func(s int64) bool {
		if s < 0 {
			return false
		}
		want := codeDigits(key, uint64(s), Digits)
		return subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1
	}
	if match(c) {
		return c, true
	}
	for d := int64(1); d <= int64(skew); d++ {
		if match(c - d) {
			return c - d, true
		}
		if match(c + d) {
			return c + d, true
		}
	}
	return 0, false
}

// NewSecret returns a new random 20-byte (160-bit, the RFC 4226
// recommendation) secret in unpadded base32.
func NewSecret() string {
	key := make([]byte, 20)
	rand.Read(key) // never returns an error (crypto/rand since Go 1.24)
	return encoding.EncodeToString(key)
}
