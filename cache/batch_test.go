package cache

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// TestBatchIndex: while a batch is open, sessions are stored at once but
// the index is written only by flush, in one update holding them all.
func TestBatchIndex(t *testing.T) {
	s, dir := newTestStore(t)
	flush := s.BatchIndex()
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			if err := s.PutSession(fmt.Sprintf("k%02d", i), testSess); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if _, ok := s.Session("k07"); !ok {
		t.Fatal("session not stored during the batch")
	}
	if _, err := os.Stat(filepath.Join(dir, "index.json")); !os.IsNotExist(err) {
		t.Fatalf("index written during the batch: %v", err)
	}
	if err := flush(); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.Entries(); len(es) != 50 {
		t.Errorf("index lists %d sessions after flush, want 50", len(es))
	}
	// After the batch, updates are written at once again.
	if err := s.PutSession("late", testSess); err != nil {
		t.Fatal(err)
	}
	if es, _ := s.Entries(); len(es) != 51 {
		t.Errorf("index lists %d sessions, want 51", len(es))
	}
}

// TestFirstTierOnly: sessions go to the first tier alone; sources are
// shared.
func TestFirstTierOnly(t *testing.T) {
	fast, slow := NewMemory(), NewMemory()
	s := OpenTiered(slow, []Backend{fast, slow}, filepath.Join(t.TempDir(), "state"))
	if err := s.SetSource("work", testSource); err != nil {
		t.Fatal(err)
	}
	f := s.FirstTierOnly()
	if _, err := f.Source("work"); err != nil {
		t.Fatalf("source not shared: %v", err)
	}
	if err := f.PutSession("k", testSess); err != nil {
		t.Fatal(err)
	}
	if _, err := fast.Get(sessionPrefix + "k"); err != nil {
		t.Errorf("not in the first tier: %v", err)
	}
	if _, err := slow.Get(sessionPrefix + "k"); err == nil {
		t.Errorf("stored in the slow tier too")
	}
}
