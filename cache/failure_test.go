package cache

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestFailureRecord(t *testing.T) {
	s := memStore(t.TempDir())
	before := time.Now().Add(-time.Second)
	if _, ok := s.LastFailure("role-k", before); ok {
		t.Fatal("a record before any failure")
	}
	if err := s.RecordFailure("role-k", Failure{Message: "AssumeRole: cannot reach STS", Network: true, Transient: true}); err != nil {
		t.Fatal(err)
	}
	f, ok := s.LastFailure("role-k", before)
	if !ok || !f.Network || !f.Transient || f.Message != "AssumeRole: cannot reach STS" || f.Time.Before(before) {
		t.Fatalf("got %+v %v", f, ok)
	}
	if _, ok := s.LastFailure("role-k", time.Now().Add(time.Second)); ok {
		t.Error("a record older than since was taken")
	}
	if _, ok := s.LastFailure("role-other", before); ok {
		t.Error("another key's record")
	}
	s.ClearFailure("role-k")
	if _, ok := s.LastFailure("role-k", before); ok {
		t.Error("cleared record still read")
	}
	if err := s.RecordFailure("../escape", Failure{Message: "x"}); err == nil {
		t.Error("a bad key was accepted")
	}
}

// FuzzLastFailure: whatever another program left in a failure record, it
// reads without panicking, and only a record with a message counts.
func FuzzLastFailure(f *testing.F) {
	f.Add([]byte(`{"time":"2030-01-01T00:00:00Z","message":"m","network":true}`))
	f.Add([]byte(`{"time":"x"}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		s := memStore(dir)
		path, err := s.failurePath("role-k")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o600); err != nil {
			t.Fatal(err)
		}
		if f, ok := s.LastFailure("role-k", time.Time{}); ok && f.Message == "" {
			t.Fatal("a record without a message counted")
		}
		_ = filepath.Base(path)
	})
}

// memStore is a Store over one in-memory keyring with its state in dir.
func memStore(dir string) *Store {
	m := NewMemory()
	return OpenTiered(m, []Backend{m}, dir)
}
