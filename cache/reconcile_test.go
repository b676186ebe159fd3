package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// syncTestSession carries every piece of metadata an item stores, and
// secrets that must never reach the index.
func syncTestSession() Session {
	return Session{
		Credentials: Credentials{AccessKeyID: "ASIAKEYID", SecretAccessKey: "SECRETVALUE", SessionToken: "TOKENVALUE",
			Expiration: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)},
		Kind: KindRole, Source: "work", RoleARN: "arn:aws:iam::111122223333:role/R",
		MFASerial: "arn:aws:iam::111122223333:mfa/me", Label: "member",
	}
}

// TestSyncIndex: the index follows what the tiers hold. An entry no tier
// holds is dropped; an item the index lacks comes back with the item's own
// metadata, and no secret.
func TestSyncIndex(t *testing.T) {
	fast, slow := NewMemory(), NewMemory()
	dir := t.TempDir()
	s := OpenTiered(NewMemory(), []Backend{fast, slow}, dir)
	want := syncTestSession()
	for _, k := range []string{"kept", "gone"} {
		if err := s.PutSession(k, want); err != nil {
			t.Fatal(err)
		}
	}
	// "gone" leaves the tiers behind the index's back; "lost" is in the
	// slow tier alone and was never indexed.
	fast.Delete(sessionPrefix + "gone")
	slow.Delete(sessionPrefix + "gone")
	data, _ := slow.Get(sessionPrefix + "kept")
	slow.Set(sessionPrefix+"lost", data)
	// An undecodable item is not handed out, so it is not listed either.
	slow.Set(sessionPrefix+"junk", []byte("not an item"))

	rep, err := s.SyncIndex()
	if err != nil || rep.Added != 1 || rep.Dropped != 1 || len(rep.Unreached) != 0 {
		t.Fatalf("SyncIndex = %+v, %v; want 1 added, 1 dropped", rep, err)
	}
	entries, err := s.Entries()
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
		if e.Kind != want.Kind || e.Source != want.Source || e.RoleARN != want.RoleARN ||
			e.MFASerial != want.MFASerial || e.Label != want.Label || !e.Expiration.Equal(want.Expiration) {
			t.Errorf("entry %+v lacks the item's metadata", e)
		}
	}
	if strings.Join(keys, ",") != "kept,lost" {
		t.Errorf("entries = %q, want kept,lost", keys)
	}
	raw, err := os.ReadFile(filepath.Join(dir, indexFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"ASIAKEYID", "SECRETVALUE", "TOKENVALUE"} {
		if strings.Contains(string(raw), secret) {
			t.Errorf("index.json holds %s:\n%s", secret, raw)
		}
	}

	// Agreeing now, a second sync changes nothing.
	if rep, err := s.SyncIndex(); err != nil || rep.Added+rep.Dropped != 0 {
		t.Errorf("second SyncIndex = %+v, %v; want no change", rep, err)
	}

	// With the index gone, it is rebuilt in full.
	if err := os.Remove(filepath.Join(dir, indexFile)); err != nil {
		t.Fatal(err)
	}
	if rep, err := s.SyncIndex(); err != nil || rep.Added != 2 {
		t.Errorf("SyncIndex after index loss = %+v, %v; want 2 added", rep, err)
	}
}

// TestSyncIndexUnreached: a tier that cannot be listed is reported, and the
// entries it may hold stay listed; what the other tiers hold is still added.
func TestSyncIndexUnreached(t *testing.T) {
	fast, slow := NewMemory(), NewMemory()
	dir := t.TempDir()
	s := OpenTiered(NewMemory(), []Backend{fast, unlistable{slow}}, dir)
	for _, k := range []string{"both", "slowonly"} {
		if err := s.PutSession(k, syncTestSession()); err != nil {
			t.Fatal(err)
		}
	}
	fast.Delete(sessionPrefix + "slowonly") // say, the kernel tier after a reboot
	data, _ := fast.Get(sessionPrefix + "both")
	fast.Set(sessionPrefix+"fastonly", data)

	rep, err := s.SyncIndex()
	if err != nil || rep.Added != 1 || rep.Dropped != 0 || len(rep.Unreached) != 1 {
		t.Fatalf("SyncIndex = %+v, %v; want 1 added, none dropped, 1 unreached", rep, err)
	}
	if !strings.HasPrefix(rep.Unreached[0], "memory keyring: ") {
		t.Errorf("Unreached = %q", rep.Unreached)
	}
	entries, _ := s.Entries()
	var keys []string
	for _, e := range entries {
		keys = append(keys, e.Key)
	}
	if strings.Join(keys, ",") != "both,fastonly,slowonly" {
		t.Errorf("entries = %q, want both,fastonly,slowonly", keys)
	}
}
