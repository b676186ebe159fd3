package cache

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

func newTestStore(t *testing.T) (*Store, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "state")
	return openSingle(NewMemory(), dir), dir
}

func TestSourceRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	if _, err := s.Source("work"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Source of absent = %v, want ErrNotFound", err)
	}
	if err := s.SetSource("work", testSource); err != nil {
		t.Fatal(err)
	}
	got, err := s.Source("work")
	if err != nil || got != testSource {
		t.Fatalf("Source = %+v, %v; want %+v", got, err, testSource)
	}
	if err := s.SetSource("home", testSource); err != nil {
		t.Fatal(err)
	}
	if names, err := s.Sources(); err != nil || fmt.Sprint(names) != "[home work]" {
		t.Fatalf("Sources = %v, %v", names, err)
	}
	if err := s.DeleteSource("work"); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSource("work"); err != nil {
		t.Fatalf("DeleteSource of absent: %v", err)
	}
	if _, err := s.Source("work"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Source after delete = %v, want ErrNotFound", err)
	}
	if names, _ := s.Sources(); fmt.Sprint(names) != "[home]" {
		t.Fatalf("Sources after delete = %v", names)
	}
	for _, bad := range []string{"", "with space", "tab\t", "é", strings.Repeat("x", 129)} {
		if err := s.SetSource(bad, testSource); err == nil {
			t.Errorf("SetSource(%q) accepted", bad)
		}
	}
	if err := s.SetSource("nosecret", Credentials{AccessKeyID: "k"}); err == nil {
		t.Error("SetSource without secret accepted")
	}
}

func TestSourceCorruptIsError(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	s.Backend().Set("source:work", []byte("garbage"))
	if _, err := s.Source("work"); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("Source of corrupt item = %v, want a non-ErrNotFound error", err)
	}
}

func TestSessionRoundTrip(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	const key = "0123abcdef"
	if _, ok := s.Session(key); ok {
		t.Fatal("hit on empty store")
	}
	if err := s.PutSession(key, testSess); err != nil {
		t.Fatal(err)
	}
	got, ok := s.Session(key)
	if !ok || !sameSession(got, testSess) {
		t.Fatalf("Session = %+v, %v; want %+v", got, ok, testSess)
	}
	if raw, err := s.Backend().Get("session:" + key); err != nil || !bytes.Contains(raw, []byte(testSess.SessionToken)) {
		t.Fatalf("keyring item session:%s = %q, %v", key, raw, err)
	}
	es, err := s.Entries()
	if err != nil || len(es) != 1 {
		t.Fatalf("Entries = %+v, %v", es, err)
	}
	e := es[0]
	if e.Key != key || e.Kind != testSess.Kind || e.Source != testSess.Source || e.RoleARN != testSess.RoleARN ||
		e.MFASerial != testSess.MFASerial || !e.Expiration.Equal(testSess.Expiration) {
		t.Fatalf("Entry = %+v, want fields of %+v", e, testSess)
	}
	if err := s.DeleteSession(key); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteSession(key); err != nil {
		t.Fatalf("DeleteSession of absent: %v", err)
	}
	if _, ok := s.Session(key); ok {
		t.Fatal("hit after delete")
	}
	if es, _ := s.Entries(); len(es) != 0 {
		t.Fatalf("Entries after delete = %+v", es)
	}
	for _, bad := range []string{"", ".", "..", "a/b", "../x", "a b", strings.Repeat("a", 129)} {
		if err := s.PutSession(bad, testSess); err == nil {
			t.Errorf("PutSession(%q) accepted", bad)
		}
		if _, ok := s.Session(bad); ok {
			t.Errorf("Session(%q) hit", bad)
		}
	}
}

// failing is a Backend whose every call fails.
type failing struct{}

func (failing) Name() string               { return "failing" }
func (failing) Get(string) ([]byte, error) { return nil, errors.New("dbus exploded") }
func (failing) Set(string, []byte) error   { return errors.New("dbus exploded") }
func (failing) Delete(string) error        { return errors.New("dbus exploded") }

func TestSessionMissOnCorruptOrError(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	src, _ := encodeSource(testSource)
	items := append([]string{string(src)}, badItems...)
	for i, item := range items {
		key := fmt.Sprint("k", i)
		s.Backend().Set("session:"+key, []byte(item))
		if got, ok := s.Session(key); ok {
			t.Errorf("Session over item %.60q = %+v, want miss", item, got)
		}
	}
	if _, ok := openSingle(failing{}, t.TempDir()).Session("k"); ok {
		t.Error("hit from a failing backend")
	}
	if err := openSingle(failing{}, t.TempDir()).PutSession("k", testSess); err == nil {
		t.Error("PutSession to a failing backend succeeded")
	}
}

// counting counts backend calls.
type counting struct {
	Backend
	gets, other atomic.Int32
}

func (c *counting) Get(k string) ([]byte, error) { c.gets.Add(1); return c.Backend.Get(k) }
func (c *counting) Set(k string, v []byte) error { c.other.Add(1); return c.Backend.Set(k, v) }
func (c *counting) Delete(k string) error        { c.other.Add(1); return c.Backend.Delete(k) }

// TestSessionHotPath pins the cost of a cache hit: one keyring read and no
// file I/O (the state dir is not even created).
func TestSessionHotPath(t *testing.T) {
	t.Parallel()
	b := &counting{Backend: NewMemory()}
	data, _ := encodeSession(testSess)
	b.Backend.Set("session:abc", data)
	dir := filepath.Join(t.TempDir(), "state")
	s := openSingle(b, dir)
	if _, ok := s.Session("abc"); !ok {
		t.Fatal("miss")
	}
	if g, o := b.gets.Load(), b.other.Load(); g != 1 || o != 0 {
		t.Errorf("Session made %d Get and %d other backend calls, want 1 and 0", g, o)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Session touched the state dir: %v", err)
	}
}

func TestDeleteSessionsFrom(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	put := func(key, source string) {
		sess := testSess
		sess.Source = source
		if err := s.PutSession(key, sess); err != nil {
			t.Fatal(err)
		}
	}
	put("a1", "a")
	put("a2", "a")
	put("b1", "b")
	put("a3", "a")
	if err := s.DeleteSessionsFrom("a"); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a1", "a2", "a3"} {
		if _, ok := s.Session(k); ok {
			t.Errorf("session %s survived", k)
		}
	}
	if _, ok := s.Session("b1"); !ok {
		t.Error("session b1 was deleted")
	}
	es, err := s.Entries()
	if err != nil || len(es) != 1 || es[0].Key != "b1" {
		t.Fatalf("Entries = %+v, %v; want just b1", es, err)
	}
	if err := s.DeleteSessionsFrom("nobody"); err != nil {
		t.Fatal(err)
	}
}

func TestEntriesSorted(t *testing.T) {
	t.Parallel()
	s, _ := newTestStore(t)
	for _, x := range []struct{ key, source string }{
		{"k1", "b"}, {"k3", "a"}, {"k2", "a"}, {"k0", "a"},
	} {
		sess := testSess
		sess.Source = x.source
		if err := s.PutSession(x.key, sess); err != nil {
			t.Fatal(err)
		}
	}
	es, _ := s.Entries()
	var keys []string
	for _, e := range es {
		keys = append(keys, e.Key)
	}
	if got := strings.Join(keys, " "); got != "k0 k2 k3 k1" {
		t.Errorf("Entries order = %s, want k0 k2 k3 k1", got)
	}
}

func TestIndexHoldsNoSecrets(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	if err := s.SetSource("work", testSource); err != nil {
		t.Fatal(err)
	}
	if err := s.PutSession("abc", testSess); err != nil {
		t.Fatal(err)
	}
	unlock, err := s.Lock(t.Context(), "abc", nil)
	if err != nil {
		t.Fatal(err)
	}
	unlock()
	secrets := []string{
		testSource.AccessKeyID, testSource.SecretAccessKey,
		testSess.AccessKeyID, testSess.SecretAccessKey, testSess.SessionToken,
	}
	// Every file credproc leaves on disk, not just index.json.
	err = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, sec := range secrets {
			if bytes.Contains(data, []byte(sec)) {
				t.Errorf("%s contains secret %q", path, sec)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	idx, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil || !bytes.Contains(idx, []byte(testSess.RoleARN)) {
		t.Fatalf("index.json = %s, %v; want the role ARN listed", idx, err)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{
			dir:                                  0o700 | os.ModeDir,
			filepath.Join(dir, "index.json"):     0o600,
			filepath.Join(dir, "locks"):          0o700 | os.ModeDir,
			filepath.Join(dir, "locks/abc.lock"): 0o600,
		} {
			if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
				t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode(), err, want)
			}
		}
	}
	// No temp files left behind by the atomic writes.
	names, _ := filepath.Glob(filepath.Join(dir, "*.tmp"))
	if len(names) > 0 {
		t.Errorf("temp files left: %v", names)
	}
}

func TestIndexCorruptRebuilt(t *testing.T) {
	t.Parallel()
	s, dir := newTestStore(t)
	if err := s.PutSession("old", testSess); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "index.json")
	for _, junk := range []string{"{not json", `{"v":99,"sessions":{"x":{}}}`, `{"v":1,"sessions":{"../evil":{}}}`} {
		if err := os.WriteFile(path, []byte(junk), 0o600); err != nil {
			t.Fatal(err)
		}
		if es, err := s.Entries(); err != nil || len(es) != 0 {
			t.Fatalf("Entries over %q = %+v, %v; want empty, nil", junk, es, err)
		}
	}
	// The session itself is still cached, just not listed.
	if _, ok := s.Session("old"); !ok {
		t.Error("corrupt index broke the cache")
	}
	if err := s.PutSession("new", testSess); err != nil {
		t.Fatal(err)
	}
	es, err := s.Entries()
	if err != nil || len(es) != 1 || es[0].Key != "new" {
		t.Fatalf("Entries after rebuild = %+v, %v", es, err)
	}
	// An update that changes nothing still rewrites a corrupt file.
	os.WriteFile(path, []byte("{not json"), 0o600)
	if err := s.DeleteSession("absent"); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(path); !bytes.HasPrefix(data, []byte("{\n")) {
		t.Errorf("corrupt index not rewritten: %q", data)
	}
}

func TestIndexConcurrentWriters(t *testing.T) {
	t.Parallel()
	_, dir := newTestStore(t)
	b := NewMemory()
	var wg sync.WaitGroup
	for g := range 4 {
		s := openSingle(b, dir) // separate Stores: the flock, not a mutex, serializes them
		wg.Go(func() {
			for i := range 5 {
				if err := s.PutSession(fmt.Sprintf("g%di%d", g, i), testSess); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if es, err := openSingle(b, dir).Entries(); err != nil || len(es) != 20 {
		t.Fatalf("Entries = %d entries, %v; want 20", len(es), err)
	}
}

func TestUnwritableDir(t *testing.T) {
	t.Parallel()
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o600)
	s := openSingle(NewMemory(), filepath.Join(file, "state")) // a dir under a file cannot exist
	err := s.PutSession("abc", testSess)
	if err == nil || !strings.Contains(err.Error(), "not listed") {
		t.Fatalf("PutSession = %v, want a 'not listed' error", err)
	}
	if _, ok := s.Session("abc"); !ok {
		t.Error("session not cached when the index failed")
	}
	if _, err := s.Lock(t.Context(), "abc", nil); err == nil {
		t.Error("Lock in an impossible dir succeeded")
	}
}
