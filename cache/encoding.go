package cache

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// Keyring items are compact versioned JSON, small enough for Windows'
// 2560-byte credential blobs:
//
//	source:  {"v":1,"k":"AKIA…","s":"…","c":"2026-01-02T03:04:05Z"}
//	session: {"v":1,"k":"ASIA…","s":"…","t":"…","x":"2026-01-02T03:04:05Z","y":"role","o":"work","r":"arn:…","m":"arn:…:mfa/me","l":"…"}
//
// "t" (token) and "x" (expiration, RFC 3339 in UTC) are optional for sources
// and required for sessions; the session metadata ("y" kind, "o" source, "r"
// role ARN, "m" MFA serial, "l" label) is omitted when empty and rejected in a
// source item. "c" (the key's creation time, for its age) is optional and
// only in source items; older items without it still decode. A bump of itemVersion makes old items undecodable, which for
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
	C string `json:"c,omitempty"`
}

// sessionItem is the JSON form of Session.
type sessionItem struct {
	credItem
	Kind      string `json:"y,omitempty"`
	Source    string `json:"o,omitempty"`
	RoleARN   string `json:"r,omitempty"`
	MFASerial string `json:"m,omitempty"`
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
	var it sessionItem
	if err := strictUnmarshal(data, &it, false); err != nil {
		return Credentials{}, err
	}
	return fromCredItem(it.credItem, false)
}

// encodeSession encodes cached temporary credentials and their metadata.
func encodeSession(s Session) ([]byte, error) {
	ci, err := toCredItem(s.Credentials, true)
	if err != nil {
		return nil, err
	}
	if !validUTF8(s.Kind, s.Source, s.RoleARN, s.MFASerial) {
		return nil, fmt.Errorf("%w: session metadata is not valid UTF-8", errBadItem)
	}
	return json.Marshal(sessionItem{
		credItem:  ci,
		Kind:      s.Kind,
		Source:    s.Source,
		RoleARN:   s.RoleARN,
		MFASerial: s.MFASerial,
	})
}

// decodeSession decodes what encodeSession wrote, rejecting anything else,
// including a session without a token or an expiration.
func decodeSession(data []byte) (Session, error) {
	var it sessionItem
	if err := strictUnmarshal(data, &it, true); err != nil {
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
	}, nil
}

// strictUnmarshal decodes exactly one item object into it: only the item
// keys (session keys only when session is set), each at most once, string
// values (an integer for "v"), and nothing after the object, so a session
// item never decodes as a source and garbage with a valid prefix is refused.
//
// It is hand-written because it runs on every cache hit, in a fresh
// process, where encoding/json's reflection is a visible share of the start
// (the commit that introduced it has the measurement). FuzzItemDecoderMatchesJSON holds it to encoding/json: what it
// accepts, encoding/json reads the same way.
func strictUnmarshal(data []byte, it *sessionItem, session bool) error {
	if len(data) > maxItemSize {
		return fmt.Errorf("%w: %d bytes", errBadItem, len(data))
	}
	d := itemDecoder{data: data}
	if err := d.object(it, session); err != nil {
		return fmt.Errorf("%w: %v", errBadItem, err)
	}
	return nil
}

// itemDecoder reads one flat JSON object of string values.
type itemDecoder struct {
	data []byte
	pos  int
}

func (d *itemDecoder) object(it *sessionItem, session bool) error {
	d.space()
	if !d.consume('{') {
		return errors.New("not a JSON object")
	}
	var seen [256]bool
	for first := true; ; first = false {
		d.space()
		if d.consume('}') {
			break
		}
		if !first {
			if !d.consume(',') {
				return errors.New(`expected "," or "}"`)
			}
			d.space()
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.space()
		if !d.consume(':') {
			return errors.New(`expected ":"`)
		}
		d.space()
		if len(key) != 1 || seen[key[0]] {
			return errors.New("unknown or repeated key")
		}
		seen[key[0]] = true
		if key == "v" {
			if it.V, err = d.version(); err != nil {
				return err
			}
			continue
		}
		var field *string
		for _, f := range [...]struct {
			key  string
			dst  *string
			meta bool // session metadata, unknown to a source item
			src  bool // source metadata, unknown to a session item
		}{
			{"k", &it.K, false, false}, {"s", &it.S, false, false}, {"t", &it.T, false, false}, {"x", &it.X, false, false},
			{"c", &it.C, false, true},
			{"y", &it.Kind, true, false}, {"o", &it.Source, true, false}, {"r", &it.RoleARN, true, false},
			{"m", &it.MFASerial, true, false},
		} {
			if f.key == key && (session || !f.meta) && (!session || !f.src) {
				field = f.dst
			}
		}
		if field == nil {
			return errors.New("unknown or repeated key")
		}
		if *field, err = d.str(); err != nil {
			return err
		}
	}
	d.space()
	if d.pos != len(d.data) {
		return errors.New("trailing data")
	}
	return nil
}

func (d *itemDecoder) space() {
	for d.pos < len(d.data) {
		switch d.data[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *itemDecoder) consume(c byte) bool {
	if d.pos < len(d.data) && d.data[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// version reads a small non-negative integer without a leading zero.
func (d *itemDecoder) version() (int, error) {
	start, n := d.pos, 0
	for d.pos < len(d.data) && '0' <= d.data[d.pos] && d.data[d.pos] <= '9' && d.pos-start < 6 {
		n = n*10 + int(d.data[d.pos]-'0')
		d.pos++
	}
	if d.pos == start || d.data[start] == '0' && d.pos-start > 1 {
		return 0, errors.New("bad version")
	}
	if d.pos < len(d.data) && strings.IndexByte("0123456789.eE", d.data[d.pos]) >= 0 {
		return 0, errors.New("bad version")
	}
	return n, nil
}

// str reads a JSON string. Invalid UTF-8 and lone surrogates, which
// encoding/json would silently replace, are refused: encodeSession never
// writes them.
func (d *itemDecoder) str() (string, error) {
	if !d.consume('"') {
		return "", errors.New("expected a string")
	}
	start := d.pos
	var b []byte // only when there are escapes
	for d.pos < len(d.data) {
		c := d.data[d.pos]
		switch {
		case c == '"':
			s := d.data[start:d.pos]
			d.pos++
			if b != nil {
				s = append(b, s...)
			}
			if !utf8.Valid(s) {
				return "", errors.New("string is not valid UTF-8")
			}
			return string(s), nil
		case c < 0x20:
			return "", errors.New("control character in string")
		case c == '\\':
			b = append(b, d.data[start:d.pos]...)
			var ok bool
			if b, ok = d.escape(b); !ok {
				return "", errors.New("bad escape in string")
			}
			start = d.pos
		default:
			d.pos++
		}
	}
	return "", errors.New("unterminated string")
}

// escape decodes the escape at d.pos onto b and moves past it.
func (d *itemDecoder) escape(b []byte) ([]byte, bool) {
	rest := d.data[d.pos:]
	if len(rest) < 2 {
		return b, false
	}
	if i := strings.IndexByte("\"\\/bfnrt", rest[1]); i >= 0 {
		d.pos += 2
		return append(b, "\"\\/\b\f\n\r\t"[i]), true
	}
	r, ok := hex4(rest, 'u')
	if !ok {
		return b, false
	}
	d.pos += 6
	if utf16.IsSurrogate(r) {
		r2, ok := hex4(rest[6:], 'u')
		if r = utf16.DecodeRune(r, r2); !ok || r == utf8.RuneError {
			return b, false
		}
		d.pos += 6
	}
	return utf8.AppendRune(b, r), true
}

// hex4 reads `\uXXXX` at the start of s.
func hex4(s []byte, u byte) (rune, bool) {
	if len(s) < 6 || s[0] != '\\' || s[1] != u {
		return 0, false
	}
	v, err := strconv.ParseUint(string(s[2:6]), 16, 16)
	return rune(v), err == nil
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
	if !session && !c.Created.IsZero() {
		it.C = c.Created.UTC().Format(time.RFC3339Nano)
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
	if it.C != "" {
		t, err := time.Parse(time.RFC3339Nano, it.C)
		if err != nil {
			return Credentials{}, fmt.Errorf("%w: creation time: %v", errBadItem, err)
		}
		c.Created = t.UTC()
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
	if !session && !c.Created.IsZero() {
		if y := c.Created.UTC().Year(); y < 0 || y > 9999 {
			return fmt.Errorf("%w: creation year %d out of range", errBadItem, y)
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
