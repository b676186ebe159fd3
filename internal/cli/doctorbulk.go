package cli

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/fanout"
)

// doctorParallel bounds the profiles checked at once: each check waits on
// STS and IAM, and on the keyring, which serves one client at a time.
const doctorParallel = 16

// diagnoseMany checks every profile, doctorParallel at a time, sharing each
// source's identity check, with a progress line on a terminal. The results
// are in the order of names.
func diagnoseMany(ctx context.Context, u *ui, d *credproc.Doctor, f *awsconfig.File, names []string) [][]credproc.Check {
	d.Bulk = true
	d.Resolver.KeepSources = true
	flush := d.Resolver.Store.BatchIndex()
	defer func() {
		if err := flush(); err != nil {
			u.warnf("the cached sessions are not listed in `credproc list`: %v", err)
		}
	}()
	results := make([][]credproc.Check, len(names))
	var done, failing atomic.Int64
	start := time.Now()
	out := fanout.NewOutput(terminalOf(u.stderr), func() string {
		return fmt.Sprintf("credproc: checked %d/%d profiles, %d failing, %s", done.Load(), len(names), failing.Load(), time.Since(start).Round(time.Second))
	}, 250*time.Millisecond)
	var mu sync.Mutex // diagnoseProfile reads f, which is not safe for concurrent use
	fanout.Run(ctx, len(names), doctorParallel, func(ctx context.Context, i int) {
		mu.Lock()
		c, s := credproc.CheckConfig(f, names[i], os.Getenv)
		mu.Unlock()
		checks := []credproc.Check{c}
		if s == nil {
			checks = append(checks, credproc.SkippedAfterConfig()...)
		} else {
			checks = append(checks, d.Run(ctx, names[i], s)...)
		}
		results[i] = checks
		if credproc.Failed(checks) {
			failing.Add(1)
		}
		done.Add(1)
	})
	out.Close()
	for i := range results {
		if results[i] == nil { // interrupted before it started
			results[i] = []credproc.Check{{Step: "config", Status: credproc.StatusSkip, Msg: "not checked (interrupted)"}}
		}
	}
	return results
}

var (
	groupARNRe = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`arn:[a-z-]+:(iam|sts)::[0-9]{12}:(role|assumed-role)/[^\s,;)]+`)
	})
	groupAccountRe = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b[0-9]{12}\b`) })
)

// doctorGroups sums up the failures by cause, most profiles first: "37
// profiles: the role's trust policy does not trust 111111111111 — run
// `credproc init-role` (a, b, c, d, e and 32 more)".
func doctorGroups(names []string, results [][]credproc.Check) []string {
	type group struct {
		cause    string
		profiles []string
	}
	var groups []*group
	byCause := map[string]*group{}
	for i, checks := range results {
		for _, c := range checks {
			if c.Status != credproc.StatusFail {
				continue
			}
			cause := c.Group
			if cause == "" {
				// Without a shared cause, the step's message with what
				// differs between profiles taken out.
				msg := strings.ReplaceAll(oneLine(c.Msg), names[i], "PROFILE")
				msg = groupARNRe().ReplaceAllString(msg, "the role")
				cause = c.Step + ": " + groupAccountRe().ReplaceAllString(msg, "ACCOUNT")
				if len(c.Fix) > 0 {
					cause += " — " + oneLine(strings.SplitN(c.Fix[0], "\n", 2)[0])
				}
			}
			g := byCause[cause]
			if g == nil {
				g = &group{cause: cause}
				byCause[cause] = g
				groups = append(groups, g)
			}
			g.profiles = append(g.profiles, names[i])
			break
		}
	}
	slices.SortStableFunc(groups, func(a, b *group) int { return len(b.profiles) - len(a.profiles) })
	var lines []string
	for _, g := range groups {
		lines = append(lines, fmt.Sprintf("%s: %s (%s)", orgPlural(len(g.profiles), "profile"), g.cause, orgFew(g.profiles)))
	}
	return lines
}
