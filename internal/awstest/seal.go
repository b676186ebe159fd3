package awstest

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// This file makes the opaque pagination tokens (Organizations NextToken,
// IAM Marker). A token carries a cursor authenticated with a per-server
// key, so that clients cannot forge, edit or carry tokens between servers
// or between APIs, as with AWS's.

// newSealKey returns a fresh random key for sealing tokens.
func newSealKey() (k [32]byte) {
	rand.Read(k[:])
	return k
}

// seal returns an opaque token carrying cursor for the API kind.
func (m *model) seal(kind, cursor string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursor)) + "." + m.sealMAC(kind, cursor)
}

// unseal returns the cursor of a token made by seal for kind.
func (m *model) unseal(kind, token string) (cursor string, ok bool) {
	enc, mac, found := strings.Cut(token, ".")
	if !found {
		return "", false
	}
	raw, err := base64.RawURLEncoding.DecodeString(enc)
	if err != nil {
		return "", false
	}
	cursor = string(raw)
	if !hmac.Equal([]byte(mac), []byte(m.sealMAC(kind, cursor))) {
		return "", false
	}
	return cursor, true
}

func (m *model) sealMAC(kind, cursor string) string {
	h := hmac.New(sha256.New, m.sealKey[:])
	h.Write([]byte(kind))
	h.Write([]byte{0})
	h.Write([]byte(cursor))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}
