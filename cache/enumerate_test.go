package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func forgetTestSession(source string) Session {
	return Session{Credentials: Credentials{AccessKeyID: "ASIA", SecretAccessKey: "S", SessionToken: "T", Expiration: time.Now().Add(time.Hour)}, Kind: KindRole, Source: source}
}

// TestForgetWithoutIndex: forget finds sessions in the tiers themselves. A
// session written to a keyring but not to the index, or an index moved
// away, left sessions that were still handed out while forget --all said
// it had dropped them.
func TestForgetWithoutIndex(t *testing.T) {
	fast, slow := NewMemory(), NewMemory()
	dir := t.TempDir()
	s := OpenTiered(NewMemory(), []Backend{fast, slow}, dir)
	for _, k := range []string{"a1", "a2", "b1"} {
		src := "a"
		if k == "b1" {
			src = "b"
		}
		if err := s.PutSession(k, forgetTestSession(src)); err != nil {
			t.Fatal(err)
		}
	}
	// A session only in the slow tier, never indexed.
	data, _ := fast.Get(sessionPrefix + "a1")
	slow.Set(sessionPrefix+"a3", data)
	if err := os.Rename(filepath.Join(dir, indexFile), filepath.Join(dir, "moved")); err != nil {
		t.Fatal(err)
	}

	rep, err := s.ForgetSource("a")
	if err != nil || rep.Dropped != 3 || len(rep.Unreached) != 0 {
		t.Fatalf("ForgetSource = %+v, %v; want 3 dropped", rep, err)
	}
	for _, k := range []string{"a1", "a2", "a3"} {
		if _, ok := s.Session(k); ok {
			t.Errorf("session %s is still handed out", k)
		}
	}
	if _, ok := s.Session("b1"); !ok {
		t.Error("b's session is gone")
	}
	rep, err = s.ForgetAll()
	if err != nil || rep.Dropped != 1 {
		t.Fatalf("ForgetAll = %+v, %v", rep, err)
	}
	if _, ok := s.Session("b1"); ok {
		t.Error("b1 is still handed out")
	}
}

// unlistable is a tier that cannot list its items.
type unlistable struct{ Backend }

// TestForgetReportsUnreached: a tier that cannot be listed or reached is
// reported, not passed over in silence.
func TestForgetReportsUnreached(t *testing.T) {
	s := OpenTiered(NewMemory(), []Backend{unlistable{NewMemory()}, failing{}}, t.TempDir())
	rep, err := s.ForgetAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unreached) != 2 {
		t.Errorf("Unreached = %q, want both tiers", rep.Unreached)
	}
}
