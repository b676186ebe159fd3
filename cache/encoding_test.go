package cache

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var (
	testExp  = time.Date(2026, 3, 4, 5, 6, 7, 890, time.FixedZone("X", 3600))
	testSess = Session{
		Credentials: Credentials{
			AccessKeyID:     "ASIAEXAMPLEEXAMPLE01",
			SecretAccessKey: "sEcReT/sEcReT+sEcReT",
			SessionToken:    "ToKeN//ToKeN==",
			Expiration:      testExp,
		},
		Kind:      KindRole,
		Source:    "work",
		RoleARN:   "arn:aws:iam::123456789012:role/Admin",
		MFASerial: "arn:aws:iam::123456789012:mfa/me",
	}
	testSource = Credentials{AccessKeyID: "AKIAEXAMPLEEXAMPLE01", SecretAccessKey: "long/lived+secret"}
)

func sameSession(a, b Session) bool {
	ea, eb := a.Expiration, b.Expiration
	a.Expiration, b.Expiration = time.Time{}, time.Time{}
	return a == b && ea.Equal(eb)
}

func TestEncodeRoundTrip(t *testing.T) {
	t.Parallel()
	sessions := []Session{
		testSess,
		{Credentials: Credentials{AccessKeyID: "a", SecretAccessKey: "b", SessionToken: "c", Expiration: time.Now()}}, // monotonic, local zone
		{Credentials: Credentials{AccessKeyID: "é", SecretAccessKey: "\x00\u2028", SessionToken: `"\`, Expiration: time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for _, want := range sessions {
		data, err := encodeSession(want)
		if err != nil {
			t.Fatalf("encodeSession(%+v): %v", want, err)
		}
		got, err := decodeSession(data)
		if err != nil {
			t.Fatalf("decodeSession(%s): %v", data, err)
		}
		if !sameSession(got, want) {
			t.Errorf("round trip:\n got %+v\nwant %+v", got, want)
		}
		if got.Expiration.Location() != time.UTC {
			t.Errorf("decoded expiration in %v, want UTC", got.Expiration.Location())
		}
	}
	for _, want := range []Credentials{testSource, {AccessKeyID: "k", SecretAccessKey: "s", SessionToken: "t", Expiration: testExp}} {
		data, err := encodeSource(want)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeSource(data)
		if err != nil {
			t.Fatalf("decodeSource(%s): %v", data, err)
		}
		if !sameSession(Session{Credentials: got}, Session{Credentials: want}) {
			t.Errorf("round trip: got %+v, want %+v", got, want)
		}
	}
}

func TestEncodeCompact(t *testing.T) {
	t.Parallel()
	data, err := encodeSource(testSource)
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"v":1,"k":"AKIAEXAMPLEEXAMPLE01","s":"long/lived+secret"}`; string(data) != want {
		t.Errorf("encodeSource = %s, want %s", data, want)
	}
	data, err = encodeSession(testSess)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(data), `"x":"2026-03-04T04:06:07.00000089Z"`) {
		t.Errorf("encodeSession = %s, want UTC RFC 3339 expiration", data)
	}
}

func TestEncodeRejects(t *testing.T) {
	t.Parallel()
	bad := map[string]Session{
		"no key id":     {Credentials: Credentials{SecretAccessKey: "s", SessionToken: "t", Expiration: testExp}},
		"no secret":     {Credentials: Credentials{AccessKeyID: "k", SessionToken: "t", Expiration: testExp}},
		"no token":      {Credentials: Credentials{AccessKeyID: "k", SecretAccessKey: "s", Expiration: testExp}},
		"no expiration": {Credentials: Credentials{AccessKeyID: "k", SecretAccessKey: "s", SessionToken: "t"}},
		"bad utf-8":     {Credentials: Credentials{AccessKeyID: "k", SecretAccessKey: "s\xff", SessionToken: "t", Expiration: testExp}},
		"bad meta":      {Credentials: testSess.Credentials, Source: "\xc3"},
		"year 10000":    {Credentials: Credentials{AccessKeyID: "k", SecretAccessKey: "s", SessionToken: "t", Expiration: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}},
	}
	for name, s := range bad {
		if data, err := encodeSession(s); err == nil {
			t.Errorf("%s: encodeSession = %s, want error", name, data)
		}
	}
	if _, err := encodeSource(Credentials{AccessKeyID: "k"}); err == nil {
		t.Error("encodeSource without secret: want error")
	}
}

// badItems are rejected by decodeSession (and decodeSource).
var badItems = []string{
	``,
	`garbage`,
	`null`,
	`[]`,
	`{}`,
	`{"v":2,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z"}`,
	`{"v":"1","k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z"}`,
	`{"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z"}`,
	`{"v":1,"s":"s","t":"t","x":"2026-01-01T00:00:00Z"}`,
	`{"v":1,"k":"k","t":"t","x":"2026-01-01T00:00:00Z"}`,
	`{"v":1,"k":"k","s":"s","x":"2026-01-01T00:00:00Z","t":""}`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"tomorrow"}`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"9999-12-31T23:59:59-23:00"}`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z"} {}`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z","extra":1}`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z"`,
	`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z","y":"` + strings.Repeat("a", maxItemSize) + `"}`,
}

func TestDecodeRejects(t *testing.T) {
	t.Parallel()
	for _, in := range badItems {
		if s, err := decodeSession([]byte(in)); err == nil {
			t.Errorf("decodeSession(%.80q) = %+v, want error", in, s)
		}
	}
	// Sessions need a token and an expiration.
	if _, err := decodeSession([]byte(`{"v":1,"k":"k","s":"s"}`)); err == nil {
		t.Error("decodeSession accepted a source item")
	}
	// Session metadata is unknown to a source item.
	data, _ := encodeSession(testSess)
	if _, err := decodeSource(data); err == nil {
		t.Error("decodeSource accepted a session item")
	}
	if _, err := decodeSource([]byte(`{"v":1,"k":"k"}`)); err == nil {
		t.Error("decodeSource accepted an item without a secret")
	}
}

func fuzzSeeds(f *testing.F) {
	for _, in := range badItems {
		f.Add([]byte(in))
	}
	s, _ := encodeSession(testSess)
	c, _ := encodeSource(testSource)
	f.Add(s)
	f.Add(c)
	f.Add([]byte(`{"v":1,"k":"k","s":"s","t":"t","x":"0000-01-01T00:00:00.123456789+01:00"}`))
	f.Add([]byte(`{"v":1,"k":"k","s":"s","c":"2026-01-01T00:00:00.5+01:00"}`))
	f.Add([]byte(`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z","c":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{"V":1,"K":"\ud800","s":"\u0000","t":"t","x":"2026-01-01T00:00:00.1234567891Z","y":null}`))
}

// FuzzDecodeSession checks that decodeSession never panics and that every
// session it accepts survives encode and decode unchanged.
func FuzzDecodeSession(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := decodeSession(data)
		if err != nil {
			return
		}
		enc, err := encodeSession(s)
		if err != nil {
			t.Fatalf("decoded %+v from %q but cannot encode it: %v", s, data, err)
		}
		s2, err := decodeSession(enc)
		if err != nil {
			t.Fatalf("cannot decode %q (encoded %+v): %v", enc, s, err)
		}
		if s2 != s {
			t.Fatalf("round trip changed %+v to %+v", s, s2)
		}
	})
}

// FuzzDecodeSource is FuzzDecodeSession for source items.
func FuzzDecodeSource(f *testing.F) {
	fuzzSeeds(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := decodeSource(data)
		if err != nil {
			return
		}
		enc, err := encodeSource(c)
		if err != nil {
			t.Fatalf("decoded %+v from %q but cannot encode it: %v", c, data, err)
		}
		c2, err := decodeSource(enc)
		if err != nil {
			t.Fatalf("cannot decode %q (encoded %+v): %v", enc, c, err)
		}
		if c2 != c {
			t.Fatalf("round trip changed %+v to %+v", c, c2)
		}
	})
}

// FuzzItemDecoderMatchesJSON holds the hand-written item decoder to
// encoding/json: an item it accepts, encoding/json (refusing unknown
// fields) reads to the same values; and what encodeSession writes from
// arbitrary strings, it reads back.
func FuzzItemDecoderMatchesJSON(f *testing.F) {
	fuzzSeeds(f)
	f.Add([]byte(` { "v" : 1 , "k":"a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00" ,"s":"s"} `))
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, session := range []bool{false, true} {
			var mine sessionItem
			if strictUnmarshal(data, &mine, session) != nil {
				continue
			}
			var theirs sessionItem
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&theirs); err != nil {
				t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
			}
			if _, err := dec.Token(); err != io.EOF {
				t.Fatalf("accepted %q, which has trailing data for encoding/json", data)
			}
			if mine != theirs {
				t.Fatalf("%q: read %+v, encoding/json %+v", data, mine, theirs)
			}
		}
		// The same bytes as metadata strings must survive encoding.
		str := string(data)
		if !utf8.ValidString(str) || len(str) > 1024 {
			return
		}
		want := Session{Credentials: Credentials{AccessKeyID: "k" + str, SecretAccessKey: str + "s", SessionToken: "t" + str, Expiration: testExp.UTC()},
			Kind: str, Source: str, RoleARN: str, MFASerial: str}
		enc, err := encodeSession(want)
		if err != nil {
			t.Fatalf("encodeSession: %v", err)
		}
		got, err := decodeSession(enc)
		if err != nil {
			t.Fatalf("cannot read back %.300q: %v", enc, err)
		}
		if !sameSession(got, want) {
			t.Fatalf("round trip changed %+v to %+v", want, got)
		}
	})
}

// TestSourceCreated: a source item keeps its key's creation time, an item
// written before there was one still decodes, and a session item refuses it.
func TestSourceCreated(t *testing.T) {
	created := time.Date(2025, 9, 1, 12, 0, 0, 0, time.UTC)
	enc, err := encodeSource(Credentials{AccessKeyID: "AKIAEXAMPLE", SecretAccessKey: "secret", Created: created})
	if err != nil {
		t.Fatal(err)
	}
	c, err := decodeSource(enc)
	if err != nil || !c.Created.Equal(created) {
		t.Fatalf("decodeSource(%s) = %v, %v; want created %v", enc, c.Created, err, created)
	}
	old, err := decodeSource([]byte(`{"v":1,"k":"AKIAEXAMPLE","s":"secret"}`))
	if err != nil || !old.Created.IsZero() {
		t.Fatalf("old item: %v, %v", old.Created, err)
	}
	if _, err := decodeSession([]byte(`{"v":1,"k":"k","s":"s","t":"t","x":"2026-01-01T00:00:00Z","c":"2026-01-01T00:00:00Z"}`)); err == nil {
		t.Fatal("a session item with a creation time decoded")
	}
	if _, err := decodeSource([]byte(`{"v":1,"k":"k","s":"s","c":"yesterday"}`)); err == nil {
		t.Fatal("a bad creation time decoded")
	}
}
