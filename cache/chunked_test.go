package cache

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// memKeys lists what a memory backend holds, sorted.
func memKeys(b Backend) []string {
	m := b.(*memory)
	m.mu.Lock()
	defer m.mu.Unlock()
	return sortedKeys(m.m)
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	rand.Read(b)
	return b
}

func TestChunkedRoundTrip(t *testing.T) {
	t.Parallel()
	inner := NewMemory()
	c := Chunked(inner, 2560)
	if c.Name() != "memory" {
		t.Errorf("Name = %q", c.Name())
	}
	big := randomBytes(10 << 10)
	if err := c.Set("k", big); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memKeys(inner)); got != "[k k#1 k#2 k#3 k#4]" {
		t.Fatalf("items = %s, want a head and 4 parts", got)
	}
	for _, k := range memKeys(inner) {
		if v, _ := inner.Get(k); len(v) > 2560 {
			t.Errorf("item %s holds %d bytes, over the limit", k, len(v))
		}
	}
	head, _ := inner.Get("k")
	if !bytes.HasPrefix(head, []byte("credproc-chunks:v1:4:10240:")) {
		t.Errorf("head = %q", head)
	}
	got, err := c.Get("k")
	if err != nil || !bytes.Equal(got, big) {
		t.Fatalf("Get = %d bytes, %v; want the 10 KiB value", len(got), err)
	}

	// A shorter value drops the parts it no longer needs.
	mid := randomBytes(3000)
	if err := c.Set("k", mid); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memKeys(inner)); got != "[k k#1 k#2]" {
		t.Fatalf("items after a shorter Set = %s", got)
	}
	if got, err := c.Get("k"); err != nil || !bytes.Equal(got, mid) {
		t.Fatalf("Get = %d bytes, %v", len(got), err)
	}

	// A small value replaces a chunked one as a single plain item.
	if err := c.Set("k", []byte("small")); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memKeys(inner)); got != "[k]" {
		t.Fatalf("items after a small Set = %s", got)
	}
	if raw, _ := inner.Get("k"); string(raw) != "small" {
		t.Fatalf("small value stored as %q", raw)
	}

	if err := c.Set("k", big); err != nil {
		t.Fatal(err)
	}
	if err := c.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if got := memKeys(inner); len(got) != 0 {
		t.Fatalf("items after Delete = %v", got)
	}
	if _, err := c.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after Delete = %v", err)
	}
	if err := c.Delete("k"); err != nil {
		t.Fatalf("Delete of absent = %v", err)
	}
}

func TestChunkedSmallUnchanged(t *testing.T) {
	t.Parallel()
	inner := NewMemory()
	c := Chunked(inner, 2560)
	for _, v := range []string{"", "x", `{"v":1,"k":"AKIA","s":"s"}`, strings.Repeat("y", 2560)} {
		if err := c.Set("k", []byte(v)); err != nil {
			t.Fatal(err)
		}
		if raw, err := inner.Get("k"); err != nil || string(raw) != v {
			t.Fatalf("stored %.20q as %.20q, %v", v, raw, err)
		}
		if got := fmt.Sprint(memKeys(inner)); got != "[k]" {
			t.Fatalf("items = %s", got)
		}
		if got, err := c.Get("k"); err != nil || string(got) != v {
			t.Fatalf("Get = %.20q, %v", got, err)
		}
	}
	// Items written before the wrapper was used read as they are.
	inner.Set("old", []byte("plain"))
	if got, err := c.Get("old"); err != nil || string(got) != "plain" {
		t.Fatalf("Get of a plain item = %q, %v", got, err)
	}
	// A small value that looks like a head is chunked, so it cannot be
	// taken for one.
	fake := []byte(manifestV1 + "1:3:" + strings.Repeat("0", 64))
	if err := c.Set("k", fake); err != nil {
		t.Fatal(err)
	}
	if got := fmt.Sprint(memKeys(inner)); got != "[k k#1 old]" {
		t.Fatalf("items = %s, want a head and one part", got)
	}
	if got, err := c.Get("k"); err != nil || !bytes.Equal(got, fake) {
		t.Fatalf("Get = %q, %v", got, err)
	}
}

func TestChunkedTornIsMiss(t *testing.T) {
	t.Parallel()
	const limit = 2560
	setup := func(t *testing.T) (Backend, Backend, []byte) {
		inner := NewMemory()
		c := Chunked(inner, limit)
		v := randomBytes(4 * limit)
		if err := c.Set("k", v); err != nil {
			t.Fatal(err)
		}
		return inner, c, v
	}
	cases := map[string]func(t *testing.T, inner Backend, v []byte){
		"part missing": func(t *testing.T, inner Backend, v []byte) {
			inner.Delete("k#3")
		},
		"last part missing": func(t *testing.T, inner Backend, v []byte) {
			inner.Delete("k#4")
		},
		"part of another write": func(t *testing.T, inner Backend, v []byte) {
			other := NewMemory()
			Chunked(other, limit).Set("k", randomBytes(len(v)))
			p, _ := other.Get("k#2")
			inner.Set("k#2", p)
		},
		"part truncated": func(t *testing.T, inner Backend, v []byte) {
			p, _ := inner.Get("k#2")
			inner.Set("k#2", p[:len(p)-1])
		},
		"part too long": func(t *testing.T, inner Backend, v []byte) {
			p, _ := inner.Get("k#1")
			inner.Set("k#1", append(p, 'x'))
		},
		"head with wrong hash": func(t *testing.T, inner Backend, v []byte) {
			m := manifest{n: 4, len: len(v), sum: sha256.Sum256([]byte("other"))}
			inner.Set("k", m.encode())
		},
		"head with wrong length": func(t *testing.T, inner Backend, v []byte) {
			m := manifest{n: 4, len: len(v) - 1, sum: sha256.Sum256(v)}
			inner.Set("k", m.encode())
		},
		"head with wrong count": func(t *testing.T, inner Backend, v []byte) {
			m := manifest{n: 3, len: len(v), sum: sha256.Sum256(v)}
			inner.Set("k", m.encode())
		},
		"garbage head": func(t *testing.T, inner Backend, v []byte) {
			inner.Set("k", []byte(manifestPrefix+"v9:what"))
		},
		// A Set that died after writing the new parts, before the head.
		"new parts, old head": func(t *testing.T, inner Backend, v []byte) {
			Chunked(&failKey{Backend: inner, key: "k"}, limit).Set("k", randomBytes(len(v)))
		},
	}
	for name, tear := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			inner, c, v := setup(t)
			if got, err := c.Get("k"); err != nil || !bytes.Equal(got, v) {
				t.Fatalf("intact Get = %v", err)
			}
			tear(t, inner, v)
			if got, err := c.Get("k"); !errors.Is(err, ErrNotFound) {
				t.Fatalf("Get = %d bytes, %v; want ErrNotFound", len(got), err)
			}
		})
	}
}

// failKey fails every Set of one key.
type failKey struct {
	Backend
	key string
}

func (f *failKey) Set(k string, v []byte) error {
	if k == f.key {
		return errors.New("crashed")
	}
	return f.Backend.Set(k, v)
}

func TestChunkedDeleteOrphans(t *testing.T) {
	t.Parallel()
	inner := NewMemory()
	c := Chunked(inner, 200)
	// A first Set that died before its head left parts behind.
	if err := Chunked(&failKey{Backend: inner, key: "k"}, 200).Set("k", randomBytes(1000)); err == nil {
		t.Fatal("torn Set succeeded")
	}
	if got := fmt.Sprint(memKeys(inner)); got != "[k#1 k#2 k#3 k#4 k#5]" {
		t.Fatalf("items = %s", got)
	}
	if _, err := c.Get("k"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get = %v", err)
	}
	if err := c.Delete("k"); err != nil {
		t.Fatal(err)
	}
	if got := memKeys(inner); len(got) != 0 {
		t.Fatalf("Delete left %v", got)
	}
	// And after a small value over such leftovers.
	Chunked(&failKey{Backend: inner, key: "k"}, 200).Set("k", randomBytes(500))
	c.Set("k", []byte("small"))
	c.Delete("k")
	if got := memKeys(inner); len(got) != 0 {
		t.Fatalf("Delete left %v", got)
	}
}

func TestChunkedLimits(t *testing.T) {
	t.Parallel()
	c := Chunked(NewMemory(), 2560)
	if err := c.Set("k", make([]byte, 64*2560+1)); err == nil {
		t.Error("Set of a value needing 65 parts succeeded")
	}
	if err := c.Set("k", make([]byte, 64*2560)); err != nil {
		t.Errorf("Set of a value needing 64 parts: %v", err)
	}
	if c := Chunked(NewMemory(), 1).(*chunked); c.limit != minChunkLimit {
		t.Errorf("limit 1 became %d, want %d", c.limit, minChunkLimit)
	}
}

// TestChunkedStore caches a session whose token is too large for one
// Windows credential.
func TestChunkedStore(t *testing.T) {
	t.Parallel()
	inner := NewMemory()
	s := openSingle(Chunked(inner, 2560), t.TempDir())
	sess := testSess
	sess.SessionToken = strings.Repeat("T", 6000)
	if err := s.PutSession("abc", sess); err != nil {
		t.Fatal(err)
	}
	if got, ok := s.Session("abc"); !ok || !sameSession(got, sess) {
		t.Fatalf("Session = %v", ok)
	}
	inner.Delete("session:abc#2")
	if _, ok := s.Session("abc"); ok {
		t.Fatal("hit on a torn entry")
	}
	if err := s.DeleteSession("abc"); err != nil {
		t.Fatal(err)
	}
	if got := memKeys(inner); len(got) != 0 {
		t.Fatalf("items left: %v", got)
	}
}

func TestManifestDecode(t *testing.T) {
	t.Parallel()
	m := manifest{n: 3, len: 6000, sum: sha256.Sum256([]byte("x"))}
	got, err := decodeManifest(m.encode())
	if err != nil || got != m {
		t.Fatalf("decode(encode) = %+v, %v", got, err)
	}
	h := strings.Repeat("ab", 32)
	for _, bad := range []string{
		"",
		manifestV1,
		"credproc-chunks:v2:3:6000:" + h,
		manifestV1 + "0:0:" + h,
		manifestV1 + "65:6000:" + h,
		manifestV1 + "3:2:" + h,
		manifestV1 + "03:6000:" + h,
		manifestV1 + "+3:6000:" + h,
		manifestV1 + "3:6000:" + strings.ToUpper(h),
		manifestV1 + "3:6000:" + h[2:],
		manifestV1 + "3:6000:" + h + ":",
		manifestV1 + "3:6000:" + h + "\n",
		manifestV1 + "3:99999999:" + h,
		manifestV1 + "3:1048577:" + h,
		manifestV1 + "3:6000:" + strings.Repeat("zz", 32),
	} {
		if m, err := decodeManifest([]byte(bad)); err == nil {
			t.Errorf("decodeManifest(%q) = %+v", bad, m)
		}
	}
}

// FuzzChunkManifest checks that decodeManifest never panics, accepts only
// the canonical form (so one head has one meaning), and that Get over any
// head and part never returns data that fails the head's checks.
func FuzzChunkManifest(f *testing.F) {
	v := []byte("hello, chunks")
	good := manifest{n: 1, len: len(v), sum: sha256.Sum256(v)}
	f.Add(good.encode(), v)
	f.Add([]byte(manifestV1+"1:5:"+strings.Repeat("0", 64)), []byte("abcde"))
	f.Add([]byte(manifestV1+"2:4:"+strings.Repeat("f", 64)), []byte("ab"))
	f.Add([]byte("plain value"), []byte(nil))
	f.Add([]byte(manifestPrefix), []byte("x"))
	f.Fuzz(func(t *testing.T, head, part []byte) {
		m, err := decodeManifest(head)
		if err == nil {
			if enc := m.encode(); !bytes.Equal(enc, head) {
				t.Fatalf("accepted non-canonical %q (canonical %q)", head, enc)
			}
			if m.n < 1 || m.n > maxChunks || m.len < m.n || m.len > maxChunkedLen {
				t.Fatalf("accepted out-of-range %+v", m)
			}
		}
		inner := NewMemory()
		inner.Set("k", head)
		inner.Set("k#1", part)
		got, err := Chunked(inner, 2560).Get("k")
		switch {
		case !bytes.HasPrefix(head, []byte(manifestPrefix)):
			if err != nil || !bytes.Equal(got, head) {
				t.Fatalf("plain item read as %q, %v", got, err)
			}
		case err == nil:
			if m.n != 1 || len(got) != m.len || sha256.Sum256(got) != m.sum {
				t.Fatalf("Get returned %q that does not match head %q", got, head)
			}
		case !errors.Is(err, ErrNotFound):
			t.Fatalf("Get = %v, want a value or ErrNotFound", err)
		}
	})
}
