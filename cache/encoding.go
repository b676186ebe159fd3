package cache

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"
	"unicode/utf8"
)

// Keyring items are compact versioned JSON, small enough for Windows'
// 2560-byte credential blobs:
//
//	source:  {"v":1,"k":"AKIA…","s":"…"}
//	session: {"v":1,"k":"ASIA…","s":"…","t":"…","x":"2026-01-02T03:04:05Z","y":"role","o":"work","r":"arn:…","m":"arn:…:mfa/me","l":"…"}
//
// "t" (token) and "x" (expiration, RFC 3339 in UTC) are optional for sources
// and required for sessions; the session metadata ("y" kind, "o" source, "r"
// role ARN, "m" MFA serial, "l" label) is omitted when empty and rejected in a
// source item. A bump of itemVersion makes old items undecodable, which for
// sessions is just a cache miss.

const (
	itemVersion = 1
	// maxItemSize bounds what decode will parse; real items are ~1-2 KiB.
	maxItemSize = 64 << 10
)

// credItem is the JSON form of Credentials.
type credItem struct {
	V int    `json:"v"`
	K string `json:"k"`
	S string `json:"s"`
	T string `json:"t,omitempty"`
	X string `json:"x,omitempty"`
}

// sessionItem is the JSON form of Session.
type sessionItem struct {
	credItem
	Kind      string `json:"y,omitempty"`
	Source    string `json:"o,omitempty"`
	RoleARN   string `json:"r,omitempty"`
	MFASerial string `json:"m,omitempty"`
	Label     string `json:"l,omitempty"`
}

var errBadItem = errors.New("cache: malformed keyring item")

// encodeSource encodes long-lived source keys.
func encodeSource(c Credentials) ([]byte, error) {
	it, err := toCredItem(c, false)
	if err != nil {
		return nil, err
	}
	return json.Marshal(it)
}

// decodeSource decodes what encodeSource wrote, rejecting anything else.
func decodeSource(data []byte) (Credentials, error) {
	var it credItem
	if err := strictUnmarshal(data, &it); err != nil {
		return Credentials{}, err
	}
	return fromCredItem(it, false)
}

// encodeSession encodes cached temporary credentials and their metadata.
func encodeSession(s Session) ([]byte, error) {
	ci, err := toCredItem(s.Credentials, true)
	if err != nil {
		return nil, err
	}
	if !validUTF8(s.Kind, s.Source, s.RoleARN, s.MFASerial, s.Label) {
		return nil, fmt.Errorf("%w: session metadata is not valid UTF-8", errBadItem)
	}
	return json.Marshal(sessionItem{
		credItem:  ci,
		Kind:      s.Kind,
		Source:    s.Source,
		RoleARN:   s.RoleARN,
		MFASerial: s.MFASerial,
		Label:     s.Label,
	})
}

// decodeSession decodes what encodeSession wrote, rejecting anything else,
// including a session without a token or an expiration.
func decodeSession(data []byte) (Session, error) {
	var it sessionItem
	if err := strictUnmarshal(data, &it); err != nil {
		return Session{}, err
	}
	c, err := fromCredItem(it.credItem, true)
	if err != nil {
		return Session{}, err
	}
	return Session{
		Credentials: c,
		Kind:        it.Kind,
		Source:      it.Source,
		RoleARN:     it.RoleARN,
		MFASerial:   it.MFASerial,
		Label:       it.Label,
	}, nil
}

// strictUnmarshal decodes exactly one JSON object with no unknown fields and
// nothing after it, so a session item never decodes as a source and garbage
// with a valid prefix is refused.
func strictUnmarshal(data []byte, v any) error {
	if len(data) > maxItemSize {
		return fmt.Errorf("%w: %d bytes", errBadItem, len(data))
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %v", errBadItem, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("%w: trailing data", errBadItem)
	}
	return nil
}

func toCredItem(c Credentials, session bool) (credItem, error) {
	if err := checkCreds(c, session); err != nil {
		return credItem{}, err
	}
	if !validUTF8(c.AccessKeyID, c.SecretAccessKey, c.SessionToken) {
		// JSON would silently replace the bad bytes and corrupt the secret.
		return credItem{}, fmt.Errorf("%w: credentials are not valid UTF-8", errBadItem)
	}
	it := credItem{V: itemVersion, K: c.AccessKeyID, S: c.SecretAccessKey, T: c.SessionToken}
	if !c.Expiration.IsZero() {
		it.X = c.Expiration.UTC().Format(time.RFC3339Nano)
	}
	return it, nil
}

func fromCredItem(it credItem, session bool) (Credentials, error) {
	if it.V != itemVersion {
		return Credentials{}, fmt.Errorf("%w: version %d, want %d", errBadItem, it.V, itemVersion)
	}
	c := Credentials{AccessKeyID: it.K, SecretAccessKey: it.S, SessionToken: it.T}
	if it.X != "" {
		t, err := time.Parse(time.RFC3339Nano, it.X)
		if err != nil {
			return Credentials{}, fmt.Errorf("%w: expiration: %v", errBadItem, err)
		}
		c.Expiration = t.UTC()
	}
	if err := checkCreds(c, session); err != nil {
		return Credentials{}, err
	}
	return c, nil
}

// checkCreds holds the rules shared by encode and decode, so that everything
// encode accepts decodes back to the same value.
func checkCreds(c Credentials, session bool) error {
	switch {
	case c.AccessKeyID == "":
		return fmt.Errorf("%w: no access key ID", errBadItem)
	case c.SecretAccessKey == "":
		return fmt.Errorf("%w: no secret access key", errBadItem)
	case session && c.SessionToken == "":
		return fmt.Errorf("%w: session without a session token", errBadItem)
	case session && c.Expiration.IsZero():
		return fmt.Errorf("%w: session without an expiration", errBadItem)
	}
	// RFC 3339 has four-digit years; an offset can push a parsed time out of
	// range once converted to UTC.
	if !c.Expiration.IsZero() {
		if y := c.Expiration.UTC().Year(); y < 0 || y > 9999 {
			return fmt.Errorf("%w: expiration year %d out of range", errBadItem, y)
		}
	}
	return nil
}

func validUTF8(ss ...string) bool {
	for _, s := range ss {
		if !utf8.ValidString(s) {
			return false
		}
	}
	return true
}
