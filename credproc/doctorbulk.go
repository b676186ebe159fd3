package credproc

import (
	"context"
	"fmt"
	"sync"

	"github.com/credproc/credproc/cache"
)

// bulkState is what a Doctor in Bulk mode shares between profiles.
type bulkState struct {
	keyringOnce sync.Once
	keyring     Check
	keyringOK   bool

	mu      sync.Mutex
	sources map[string]*bulkSource // by source name and STS endpoint

	fastOnce sync.Once
	fast     *cache.Store
}

// bulkSource is the source and identity steps of one source, done once.
type bulkSource struct {
	once   sync.Once
	checks []Check
	src    *loadedSource
	caller string
}

func (b *bulkState) fastStore(s *cache.Store) *cache.Store {
	b.fastOnce.Do(func() { b.fast = s.FirstTierOnly() })
	return b.fast
}

// bulkSteps runs the keyring, source and identity steps, each once per
// keyring and source for all the profiles a Bulk doctor checks: 1,000
// profiles of one source make one GetCallerIdentity, not 1,000.
func (w *walk) bulkSteps(ctx context.Context) {
	b := &w.d.bulk
	b.keyringOnce.Do(func() {
		one := &walk{d: w.d, r: w.r}
		one.keyring()
		b.keyring, b.keyringOK = one.checks[0], one.keyringOK
	})
	w.add(b.keyring)
	w.keyringOK = b.keyringOK

	key := w.s.Source + "\x00" + endpointFor(w.s, w.r.getenv, nil).URL
	b.mu.Lock()
	if b.sources == nil {
		b.sources = map[string]*bulkSource{}
	}
	bs := b.sources[key]
	if bs == nil {
		bs = &bulkSource{}
		b.sources[key] = bs
	}
	b.mu.Unlock()
	bs.once.Do(func() {
		one := &walk{d: w.d, r: w.r, profile: w.profile, s: w.s, keyringOK: w.keyringOK}
		one.source(ctx)
		one.keyAge()
		one.identity(ctx)
		bs.checks, bs.src, bs.caller = one.checks, one.src, one.caller
	})
	w.checks = append(w.checks, bs.checks...)
	w.src, w.caller = bs.src, bs.caller
}

// groupTrust is the summary cause of a role whose trust policy does not
// admit the caller.
func groupTrust(caller principal) string {
	return fmt.Sprintf("the role's trust policy does not trust %s — run `credproc init-role`", caller.account)
}

// groupIdentity is the summary cause of a caller that may not assume roles.
func groupIdentity(caller principal) string {
	return fmt.Sprintf("%s lacks sts:AssumeRole on the role — allow it (`credproc doctor --profile P` shows the statement)", caller.name)
}
