package credproc

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
)

// probeTier reports whether keyring b answers here: reading an item that
// never exists proves it without touching a real one.
func probeTier(b cache.Backend) error {
	_, err := b.Get(doctorProbe)
	if err == nil || errors.Is(err, cache.ErrNotFound) {
		return nil
	}
	return err
}

// sessionTierWorks reports whether any session tier answers: sessions are
// then cached even when the source keyring is out of reach.
func (w *walk) sessionTierWorks() bool {
	for _, b := range w.r.Store.SessionTiers() {
		if probeTier(b) == nil {
			return true
		}
	}
	return false
}

// tierSummary names each keyring tier and whether it answers, probed on
// its own, when one of them does not ("" when all do).
func (w *walk) tierSummary() string {
	var parts []string
	down := false
	for _, b := range w.r.Store.Keyrings() {
		state := "works"
		if err := probeTier(b); err != nil {
			state, down = "unreachable", true
		}
		parts = append(parts, b.Name()+" "+state)
	}
	if !down {
		return ""
	}
	s := "; " + strings.Join(parts, ", ")
	if w.sessionOK {
		s += " (sessions are cached)"
	}
	return s
}

// keyAge is a check of its own for a keyring source whose key's creation
// time is known: a warning from MaxKeyAge on.
func (w *walk) keyAge() {
	if w.src == nil || w.src.profile != nil || w.src.creds.Created.IsZero() {
		return
	}
	max := w.d.MaxKeyAge
	if max == 0 {
		max = DefaultMaxKeyAge
	}
	name, _, _ := sourceName(w.s.Source)
	age, old := KeyAge(w.src.creds.Created, w.r.now(), max)
	c := Check{Step: "key age", Status: StatusOK, Msg: fmt.Sprintf("key %s of source %q is %s", w.src.creds.AccessKeyID, name, age)}
	if old {
		c.Status = StatusWarn
		limit := max.String()
		if max%(24*time.Hour) == 0 {
			limit = fmt.Sprintf("%d days", max/(24*time.Hour))
		}
		c.Msg += ", older than the " + limit + " to rotate by"
		c.Fix = []string{"rotate it: `credproc rotate " + name + "`"}
	}
	w.add(c)
}
