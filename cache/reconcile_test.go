package cache

import (
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
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
		MFASerial: "arn:aws:iam::111122223333:mfa/me",
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
			e.MFASerial != want.MFASerial || !e.Expiration.Equal(want.Expiration) {
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

// listFails is a tier whose listing fails.
type listFails struct{ Backend }

func (listFails) Keys(string) ([]string, error) { return nil, errors.New("bus gone") }

// TestSyncIndexUnreached: a tier whose listing fails is reported, and the
// entries it may hold stay listed; what the other tiers hold is still
// added. A tier with no way to list keeps its entries too, silently.
func TestSyncIndexUnreached(t *testing.T) {
	for _, tc := range []struct {
		name      string
		wrap      func(Backend) Backend
		unreached string
	}{
		{"list fails", func(b Backend) Backend { return listFails{b} }, "memory keyring: bus gone"},
		{"cannot list", func(b Backend) Backend { return unlistable{b} }, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fast, slow := NewMemory(), NewMemory()
			s := OpenTiered(NewMemory(), []Backend{fast, tc.wrap(slow)}, t.TempDir())
			for _, k := range []string{"both", "slowonly"} {
				if err := s.PutSession(k, syncTestSession()); err != nil {
					t.Fatal(err)
				}
			}
			fast.Delete(sessionPrefix + "slowonly") // say, the kernel tier after a reboot
			data, _ := fast.Get(sessionPrefix + "both")
			fast.Set(sessionPrefix+"fastonly", data)

			rep, err := s.SyncIndex()
			if err != nil || rep.Added != 1 || rep.Dropped != 0 || strings.Join(rep.Unreached, ";") != tc.unreached {
				t.Fatalf("SyncIndex = %+v, %v; want 1 added, none dropped, unreached %q", rep, err, tc.unreached)
			}
			entries, _ := s.Entries()
			var keys []string
			for _, e := range entries {
				keys = append(keys, e.Key)
			}
			if strings.Join(keys, ",") != "both,fastonly,slowonly" {
				t.Errorf("entries = %q, want both,fastonly,slowonly", keys)
			}
		})
	}
}

// TestSyncIndexSources: source names follow the source keyrings too, the
// Secret Service and the file store behind a fallback each listed on its
// own, without decrypting anything.
func TestSyncIndexSources(t *testing.T) {
	primary := NewMemory()
	file := NewFileStore(t.TempDir(), NewMemory()) // never unlocked
	s := OpenTiered(&fallback{primary: primary, file: file}, []Backend{NewMemory()}, t.TempDir())
	if err := s.SetSource("stale", Credentials{AccessKeyID: "AKIA", SecretAccessKey: "S"}); err != nil {
		t.Fatal(err)
	}
	primary.Delete(sourcePrefix + "stale")
	data, _ := encodeSource(Credentials{AccessKeyID: "AKIA", SecretAccessKey: "S"})
	primary.Set(sourcePrefix+"desk", data)
	// An item of the file store, as Set names it (its contents are not read).
	keys := filepath.Join(file.Dir(), keysDir)
	if err := os.MkdirAll(keys, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{hex.EncodeToString([]byte(sourcePrefix+"ssh")) + ".age", "." + hex.EncodeToString([]byte(sourcePrefix+"tmp")) + ".age.tmp-1", "README"} {
		if err := os.WriteFile(filepath.Join(keys, name), []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
	}

	rep, err := s.SyncIndex()
	if err != nil || rep.SourcesAdded != 2 || rep.SourcesDropped != 1 || len(rep.Unreached) != 0 {
		t.Fatalf("SyncIndex = %+v, %v; want 2 sources added, 1 dropped", rep, err)
	}
	if names, _ := s.Sources(); strings.Join(names, ",") != "desk,ssh" {
		t.Errorf("Sources = %q, want desk,ssh", names)
	}
}

// slowList is a keyring that takes its time to list.
type slowList struct{ Backend }

func (l slowList) Keys(prefix string) ([]string, error) {
	time.Sleep(2 * time.Millisecond)
	return listKeys(l.Backend, prefix)
}

// TestSyncIndexConcurrentPut: a sync running while other writers cache
// sessions never drops one of theirs from the index (their items are
// written before their index update, and the sync lists under the lock).
func TestSyncIndexConcurrentPut(t *testing.T) {
	fast, slow := NewMemory(), NewMemory()
	dir := t.TempDir()
	// Slow source listing widens the window between listing the sessions
	// and taking the lock, where a sync that trusted its first listing
	// dropped sessions cached meanwhile.
	s := OpenTiered(slowList{NewMemory()}, []Backend{fast, slow}, dir)
	// An entry no tier holds, so every sync below has work to do.
	if err := s.updateIndex(func(ix *index) bool { ix.Sessions["ghost"] = indexEntry{}; return true }); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 0; i < 20; i++ {
			// Only the ghost is ever to be dropped (a later sync would
			// add a wrongly dropped session back, hiding the loss).
			if rep, err := s.SyncIndex(); err != nil || rep.Dropped > 1 {
				t.Errorf("SyncIndex = %+v, %v; want only the ghost dropped", rep, err)
				return
			}
			s.updateIndex(func(ix *index) bool { ix.Sessions["ghost"] = indexEntry{}; return true })
		}
	}()
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 10; i++ {
				if err := s.PutSession(fmt.Sprintf("w%d-%d", w, i), syncTestSession()); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	<-done
	ix, err := s.readIndex()
	if err != nil {
		t.Fatal(err)
	}
	for w := 0; w < 4; w++ {
		for i := 0; i < 10; i++ {
			if _, ok := ix.Sessions[fmt.Sprintf("w%d-%d", w, i)]; !ok {
				t.Errorf("w%d-%d was dropped from the index", w, i)
			}
		}
	}
}
