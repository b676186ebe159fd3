package main

import (
	"errors"
	"flag"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"os"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
	"github.com/credproc/credproc/internal/awstest"
)

// verifySample is how many of (c)'s lines are run through credproc, per
// mode, to prove it finds the entries written in-process.
const verifySample = 20

// report runs the phases and holds their figures.
type report struct {
	cfg *config
	w   *world

	credprocSize, helloSize int64

	mainArgv []string           // the member profile's credential_process line
	mainKey  string             // its cache key
	resolver *credproc.Resolver // derives cache keys as credproc does
	creds    cache.Credentials  // a real cached session, copied into (c)'s entries
	modes    []*modeResult      // every mode asked for, measured or not
	tiers    []cache.Backend    // every session tier of every mode, once
	keys     []string           // every session key the run may have cached

	hello1, version1 stats // baselines measured alongside (a)
	vault            stats // aws-vault export, when aws-vault is on PATH
	cgoHit           stats // (a) in cgoMode, with the cgo build; zero if none
	helloN, versionN stats // and alongside (c)
	fill             []string

	init   initResult
	notes  []string
	orgRes *orgResult // (d); nil when skipped
}

// modeResult is what one CREDPROC_KEYRING value gave.
type modeResult struct {
	mode  string
	skip  string   // why it was not measured
	tiers []string // session tiers the cache package uses in this mode, available here
	hit1  stats    // (a)
	hitN  stats    // (c)
	// (b), per repetition
	cold, conc, concVersion []time.Duration
	coldLat, concLat        []time.Duration // the same with -sts-latency
	chainsLat               []string
	concHit                 time.Duration // once, for scale
	chains, coldChains      []string      // GetSessionToken/AssumeRole/MFA codes
	finish                  []string      // first/median/last finish of the concurrent runs
	distinct                int           // most distinct access keys one concurrent run handed out
}

func (m *modeResult) measured() bool { return m.skip == "" }

func (r *report) measuredModes() []*modeResult {
	var out []*modeResult
	for _, m := range r.modes {
		if m.measured() {
			out = append(out, m)
		}
	}
	return out
}

// cgoMode is the mode the cgo build's hit is measured in: the default
// (auto) when it was measured, else the first measured one.
func (r *report) cgoMode() *modeResult {
	ms := r.measuredModes()
	for _, m := range ms {
		if m.mode == "auto" {
			return m
		}
	}
	return ms[0]
}

func (r *report) note(format string, a ...any) { r.notes = append(r.notes, fmt.Sprintf(format, a...)) }

func (r *report) sizes() error {
	for _, x := range []struct {
		path string
		size *int64
	}{{r.w.credproc, &r.credprocSize}, {r.w.hello, &r.helloSize}} {
		fi, err := os.Stat(x.path)
		if err != nil {
			return err
		}
		*x.size = fi.Size()
	}
	return nil
}

// hitCommand is a credential_process line run with CREDPROC_KEYRING=mode.
func (r *report) hitCommand(label string, argv []string, mode string) *command {
	return &command{label: label, argv: argv, env: r.w.env(mode), check: checkCredentials}
}

func (r *report) baselines() []*command {
	env := r.w.env("")
	return []*command{
		{label: "hello-world", argv: []string{r.w.hello}, env: env, check: checkPrefix("hello, world\n")},
		{label: "credproc version", argv: []string{r.w.credproc, "version"}, env: env, check: checkPrefix("credproc ")},
	}
}

// settingsOf parses a credential_process line's flags as credproc does.
func settingsOf(argv []string) (*credproc.Settings, error) {
	fs := flag.NewFlagSet("credential_process", flag.ContinueOnError)
	var s credproc.Settings
	s.RegisterFlags(fs)
	if err := fs.Parse(argv[1:]); err != nil || fs.NArg() > 0 {
		return nil, fmt.Errorf("cannot parse credential_process line %q: %v", strings.Join(argv, " "), err)
	}
	return &s, nil
}

// getenvFrom looks keys up in a KEY=VALUE list, last one winning as in exec.
func getenvFrom(env []string) func(string) string {
	return func(k string) string {
		v := ""
		for _, kv := range env {
			if val, ok := strings.CutPrefix(kv, k+"="); ok {
				v = val
			}
		}
		return v
	}
}

// storeFor opens the Store credproc opens with CREDPROC_KEYRING=mode: the
// cache package reads the variable when the Store is opened.
func (r *report) storeFor(mode string) *cache.Store {
	os.Setenv(cache.KeyringEnv, mode)
	defer os.Unsetenv(cache.KeyringEnv)
	return cache.OpenDefault(r.w.service, r.w.stateDir)
}

// available reports whether tier works here, by writing and deleting an
// item: the cache package's own check is not exported, and a tier that
// cannot work (no kernel keyring under Docker's seccomp profile, say) is
// skipped by a Store rather than reported.
func available(tier cache.Backend) error {
	const probe = "session:credproc-bench-probe"
	if err := tier.Set(probe, []byte("x")); err != nil {
		return err
	}
	return tier.Delete(probe)
}

// holding lists the session tiers that hold key, read item by item (a
// Store read would copy a hit into the faster tiers).
func (r *report) holding(key string) []string {
	var out []string
	for _, t := range r.tiers {
		if _, err := t.Get("session:" + key); err == nil {
			out = append(out, t.Name())
		}
	}
	return out
}

// forgetEverywhere drops key from every tier of every mode.
func (r *report) forgetEverywhere(key string) {
	for _, t := range r.tiers {
		t.Delete("session:" + key)
	}
}

// hits is phase (a): the cache hit of one profile, per keyring mode.
func (r *report) hits() error {
	w := r.w
	r.resolver = &credproc.Resolver{Getenv: getenvFrom(w.baseEnv)}
	seen := map[string]bool{}
	for _, mode := range r.cfg.modes {
		m := &modeResult{mode: mode}
		r.modes = append(r.modes, m)
		for _, t := range r.storeFor(mode).SessionTiers() {
			if err := available(t); err != nil {
				r.note("%s: the %s tier does not work here: %v", mode, t.Name(), err)
				continue
			}
			m.tiers = append(m.tiers, t.Name())
			if !seen[t.Name()] {
				seen[t.Name()] = true
				r.tiers = append(r.tiers, t)
			}
		}
		if len(m.tiers) == 0 {
			m.skip = "no session tier of this mode works here"
		} else if err := w.addSource(mode); err != nil {
			m.skip = "credproc add failed: " + err.Error()
		}
	}
	argv, err := w.setupProfile("member", "--account", memberAccount)
	if err != nil {
		return err
	}
	r.mainArgv = argv
	r.mainKey = r.resolver.CacheKeyFor(mustSettings(argv))
	r.keys = append(r.keys, r.mainKey)
	for _, m := range r.modes {
		if m.measured() {
			r.prime(m)
		}
	}
	ms := r.measuredModes()
	if len(ms) == 0 {
		return fmt.Errorf("no keyring mode works:%s", r.skipList())
	}
	// Keep one real session to copy into (c)'s entries.
	for _, t := range r.tiers {
		if sess, ok := cache.OpenTiered(t, []cache.Backend{t}, w.stateDir).Session(r.mainKey); ok {
			r.creds = sess.Credentials
			break
		}
	}
	if r.creds.AccessKeyID == "" {
		return fmt.Errorf("the session credproc cached is in no keyring under the key the benchmark derives (%s)", r.mainKey)
	}
	cmds := r.baselines()
	for _, m := range ms {
		cmds = append(cmds, r.hitCommand("hit "+m.mode, argv, m.mode))
	}
	if w.cgoBuild != "" {
		cgoArgv := append([]string{w.cgoBuild}, argv[1:]...)
		cmds = append(cmds, r.hitCommand("hit "+r.cgoMode().mode+", cgo build", cgoArgv, r.cgoMode().mode))
	}
	vault := r.awsVaultCommand()
	if vault != nil {
		cmds = append(cmds, vault)
	}
	before := w.srv.Calls("AssumeRole")
	res, err := roundRobin(cmds, r.cfg.warmup, r.cfg.runs)
	if err != nil {
		return err
	}
	if n := w.srv.Calls("AssumeRole") - before; n > 0 {
		r.note("(a): %d AssumeRole calls during the hit runs: some were not cache hits", n)
	}
	r.hello1, r.version1 = summarize(res[0]), summarize(res[1])
	for i, m := range ms {
		m.hit1 = summarize(res[2+i])
	}
	if w.cgoBuild != "" {
		r.cgoHit = summarize(res[2+len(ms)])
	}
	if vault != nil {
		r.vault = summarize(res[len(res)-1])
	}
	return nil
}

// prime checks that credproc honours the mode: with the session gone from
// every tier, its first call must be a cold call (one AssumeRole) that
// leaves the session in exactly the tiers the cache package uses in that
// mode, and its second call a hit. A credproc that ignored CREDPROC_KEYRING
// would otherwise be measured under a false name.
func (r *report) prime(m *modeResult) {
	w := r.w
	r.forgetEverywhere(r.mainKey)
	hit := r.hitCommand("credproc", r.mainArgv, m.mode)
	before := w.srv.Calls("AssumeRole")
	if _, _, err := hit.run(); err != nil {
		m.skip = "cold call failed: " + err.Error()
		return
	}
	if n := w.srv.Calls("AssumeRole") - before; n != 1 {
		r.note("%s: the first call with nothing cached made %d AssumeRole calls, want 1", m.mode, n)
	}
	if got := r.holding(r.mainKey); !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(m.tiers))) {
		m.skip = fmt.Sprintf("this credproc does not honour CREDPROC_KEYRING=%s: its cold call cached the session in [%s], where the cache package's %s mode uses [%s]",
			m.mode, strings.Join(got, " "), m.mode, strings.Join(m.tiers, " "))
		return
	}
	before = w.srv.Calls("AssumeRole")
	if _, _, err := hit.run(); err != nil {
		m.skip = "second call failed: " + err.Error()
		return
	}
	if n := w.srv.Calls("AssumeRole") - before; n != 0 {
		m.skip = fmt.Sprintf("the second call was no cache hit (%d AssumeRole calls)", n)
	}
}

func (r *report) skipList() string {
	var b strings.Builder
	for _, m := range r.modes {
		if !m.measured() {
			fmt.Fprintf(&b, "\n  %s: %s", m.mode, m.skip)
		}
	}
	return b.String()
}

// concurrent is phase (b): many cold invocations of one MFA profile at once
// against one, per mode. Each cold run starts from `forget --all`, so it
// needs GetSessionToken (with an MFA code) and AssumeRole. For scale, each
// repetition also starts as many cache hits of that profile and as many
// `credproc version` at once: the cost of the processes themselves on this
// machine's cores.
func (r *report) concurrent() error {
	w := r.w
	n := r.cfg.concurrency
	for _, m := range r.measuredModes() {
		serial, dir, err := w.mfaDevice(m.mode)
		if err != nil {
			return err
		}
		mfaProcess := awsconfig.JoinCommand([]string{w.self, mfaCodeCmd, dir})
		argv, err := w.setupProfile("mfa-"+m.mode, "--account", mfaAccount, "--mfa-serial", serial, "--mfa-process", mfaProcess)
		if err != nil {
			return err
		}
		s := mustSettings(argv)
		r.keys = append(r.keys, r.resolver.CacheKeyFor(s))
		s.RoleARN = "" // CacheKeyFor then gives the MFA session's key
		r.keys = append(r.keys, r.resolver.CacheKeyFor(s))

		c := r.hitCommand("cold "+m.mode, argv, m.mode)
		// Notices explain outliers (a keyring that timed out, a lock wait).
		var mu sync.Mutex
		notices := map[string]int{}
		c.notices = func(stderr string) {
			mu.Lock()
			defer mu.Unlock()
			for line := range strings.Lines(stderr) {
				notices[strings.TrimSpace(line)]++
			}
		}
		step := 0
		coldRun := func(n int) (time.Duration, []time.Duration, string, int, error) {
			if err := w.credprocRun(m.mode, nil, "forget", "--all"); err != nil {
				return 0, nil, "", 0, err
			}
			// A fresh TOTP step for every run: AWS (and the emulator) take
			// each code once.
			if err := w.setClockOffset(dir, time.Duration(step)*30*time.Second); err != nil {
				return 0, nil, "", 0, err
			}
			step++
			gst, ar, codes := w.srv.Calls("GetSessionToken"), w.srv.Calls("AssumeRole"), mfaCount(dir)
			wall, ends, outs, err := concurrently(c, n)
			if err != nil {
				return 0, nil, "", 0, err
			}
			keys := map[string]bool{}
			for _, o := range outs {
				p, err := parseCredentials(o)
				if err != nil {
					return 0, nil, "", 0, err
				}
				keys[p.AccessKeyID] = true
			}
			chain := fmt.Sprintf("%d/%d/%d", w.srv.Calls("GetSessionToken")-gst, w.srv.Calls("AssumeRole")-ar, mfaCount(dir)-codes)
			return wall, ends, chain, len(keys), nil
		}
		// Warm-up: the first run of the --mfa-process helper reads it from disk.
		if _, _, _, _, err := coldRun(1); err != nil {
			return err
		}
		version := r.baselines()[1]
		for range r.cfg.reps {
			d, _, chain, _, err := coldRun(1)
			if err != nil {
				return err
			}
			m.cold, m.coldChains = append(m.cold, d), append(m.coldChains, chain)
			d, ends, chain, distinct, err := coldRun(n)
			if err != nil {
				return err
			}
			m.conc, m.chains = append(m.conc, d), append(m.chains, chain)
			m.distinct = max(m.distinct, distinct)
			e := summarize(ends)
			m.finish = append(m.finish, fmt.Sprintf("%s/%s/%s", ms(slices.Min(ends)), ms(e.median), ms(slices.Max(ends))))
			if lat := r.cfg.stsLatency; lat > 0 {
				// The same with STS as far away as over a network.
				w.srv.SetLatency(lat)
				d1, _, _, _, err := coldRun(1)
				var dn time.Duration
				if err == nil {
					dn, _, chain, distinct, err = coldRun(n)
				}
				w.srv.SetLatency(0)
				if err != nil {
					return err
				}
				m.coldLat, m.concLat = append(m.coldLat, d1), append(m.concLat, dn)
				m.chainsLat = append(m.chainsLat, chain)
				m.distinct = max(m.distinct, distinct)
			}
			// For scale, next to each cold run: process start-up alone.
			if d, _, _, err = concurrently(version, n); err != nil {
				return err
			}
			m.concVersion = append(m.concVersion, d)
		}
		// For scale, once: the profile is cached now, so the same processes
		// are all hits.
		before := w.srv.Calls("AssumeRole")
		if m.concHit, _, _, err = concurrently(c, n); err != nil {
			return err
		}
		if w.srv.Calls("AssumeRole") != before {
			return fmt.Errorf("%s: %d concurrent hits called STS", m.mode, n)
		}
		for _, line := range slices.Sorted(maps.Keys(notices)) {
			r.note("(b) %s: %d× on stderr: %s", m.mode, notices[line], line)
		}
		if err := w.setClockOffset(dir, 0); err != nil {
			return err
		}
	}
	return nil
}

// manyProfiles is phase (c): the hit of the same profile with -profiles
// sessions cached. The entries are written in-process through the cache
// package into every session tier of the measured modes, under the keys
// credproc derives (Resolver.CacheKeyFor), each a copy of a real session
// with an expiry spread over the next hour as if cached over time, and
// listed in the index; the profiles are in the AWS config file too. Writing
// them through credproc would cost a process and an STS call each and gains
// nothing: a sample of lines is then run through credproc in every mode, to
// prove it finds the entries where it looks.
func (r *report) manyProfiles() error {
	w := r.w
	n := r.cfg.profiles
	var lines [][]string
	var sessions []cache.Session
	var keys []string
	var conf strings.Builder
	for i := 1; i < n; i++ {
		acct := fmt.Sprintf("4%011d", i)
		// The role exists, so a line credproc does not find cached is a
		// real cold call, counted, rather than an error.
		arn := w.srv.CreateRole(awstest.Role{
			Account: acct, Name: "OrganizationAccountAccessRole",
			TrustedAccounts: []string{mgmtAccount}, MaxSessionDuration: 12 * time.Hour, Actions: []string{"*"},
		})
		s := credproc.Settings{Source: sourceName, RoleARN: arn, Region: region,
			MFADuration: credproc.DefaultMFADuration, RefreshWindow: credproc.DefaultRefreshWindow}
		argv := append([]string{w.credproc}, s.Args()...)
		lines = append(lines, argv)
		sess := cache.Session{Credentials: r.creds, Kind: cache.KindRole, Source: sourceName, RoleARN: arn}
		// Past the refresh window (15 min) for the whole run.
		sess.Expiration = time.Now().Add(25*time.Minute + time.Duration(i)*35*time.Minute/time.Duration(n)).UTC().Truncate(time.Second)
		sessions = append(sessions, sess)
		keys = append(keys, r.resolver.CacheKeyFor(&s))
		fmt.Fprintf(&conf, "\n[profile bench-%04d]\ncredential_process = %s\nregion = %s\n", i, awsconfig.JoinCommand(argv), region)
	}
	// The measured profile last, so a kernel tier short of quota (a
	// non-root user's 20,000 bytes) evicts others first, as it would for
	// the profile someone is using.
	lines = append(lines, r.mainArgv)
	sessions = append(sessions, cache.Session{Credentials: r.creds, Kind: cache.KindRole, Source: sourceName, RoleARN: mustSettings(r.mainArgv).RoleARN})
	r.keys = append(r.keys, keys...)
	keys = append(keys, r.mainKey)
	f, err := os.OpenFile(w.config, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(conf.String())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}

	// Every tier a measured mode reads, each once, in r.tiers' order.
	var tiers []cache.Backend
	var tn []string
	for _, t := range r.tiers {
		for _, m := range r.measuredModes() {
			if slices.Contains(m.tiers, t.Name()) {
				tiers, tn = append(tiers, t), append(tn, t.Name())
				break
			}
		}
	}
	st := cache.OpenTiered(cache.NewMemory(), tiers, w.stateDir)
	t0 := time.Now()
	// Two writers: the Secret Service (gnome-keyring rewrites its whole
	// keyring file per item) is the bottleneck; a second writer overlaps
	// D-Bus round trips and index writes, more only queue up in the daemon
	// until calls time out. On a loaded machine a call can still time out:
	// try again.
	if err := parallel(n, 2, func(i int) error {
		var err error
		for range 3 {
			if err = st.PutSession(keys[i], sessions[i]); err == nil {
				return nil
			}
		}
		return err
	}); err != nil {
		return fmt.Errorf("write %d cached sessions: %w", n, err)
	}
	r.fill = append(r.fill, fmt.Sprintf("%d sessions written to [%s] in %s", n, strings.Join(tn, " "), time.Since(t0).Round(100*time.Millisecond)))
	if q, ok := kernelQuota(); ok && slices.Contains(tn, "kernel") {
		r.fill = append(r.fill, fmt.Sprintf("kernel keys of uid %d now %d/%d, %d/%d bytes", os.Getuid(), q.keys, q.maxKeys, q.bytes, q.maxBytes))
		if os.Getuid() == 0 {
			mk, mb := userQuota()
			r.note("(c) ran as root, whose kernel key quota is %d keys/%d bytes; any other user gets %d/%d (/proc/sys/kernel/keys), "+
				"room for about %d sessions this size, so the kernel tier would evict most of %d", q.maxKeys, q.maxBytes, mk, mb,
				mb/max(1, q.bytes/max(1, q.keys)), n)
		}
	}

	// Prove credproc finds them, in every mode: a sample of the lines plus
	// the measured one.
	sample := rand.Perm(n - 1)[:min(verifySample, n-1)]
	sample = append(sample, n-1)
	for _, m := range r.measuredModes() {
		before := w.srv.Calls("AssumeRole")
		if err := parallel(len(sample), runtime.NumCPU(), func(i int) error {
			_, _, err := r.hitCommand("credproc", lines[sample[i]], m.mode).run()
			return err
		}); err != nil {
			return err
		}
		if c := w.srv.Calls("AssumeRole") - before; c > 0 {
			r.note("(c) %s: %d of %d sampled lines were cold calls: credproc did not find the sessions written in-process", m.mode, c, len(sample))
		}
	}
	r.fill = append(r.fill, fmt.Sprintf("%d lines per mode checked through credproc", len(sample)))

	cmds := r.baselines()
	for _, m := range r.measuredModes() {
		cmds = append(cmds, r.hitCommand("hit "+m.mode, r.mainArgv, m.mode))
	}
	before := w.srv.Calls("AssumeRole")
	res, err := roundRobin(cmds, r.cfg.warmup, r.cfg.runs)
	if err != nil {
		return err
	}
	if n := w.srv.Calls("AssumeRole") - before; n > 0 {
		r.note("(c): %d AssumeRole calls during the hit runs: some were not cache hits", n)
	}
	r.helloN, r.versionN = summarize(res[0]), summarize(res[1])
	for i, m := range r.measuredModes() {
		m.hitN = summarize(res[2+i])
	}
	return nil
}

func mustSettings(argv []string) *credproc.Settings {
	s, err := settingsOf(argv)
	if err != nil {
		panic(err)
	}
	return s
}

// cleanup deletes what the run cached. The kernel tier always: its keys
// live in the user's keyring @u and outlast the run. The Secret Service only
// with -own-keyring: .ci/with-keyring throws its keyring away, and deleting
// thousands of items from gnome-keyring takes longer than the benchmark.
func (r *report) cleanup() {
	w := r.w
	for _, t := range r.tiers {
		if t.Name() != "kernel" && !r.cfg.ownKeyring {
			continue
		}
		keys := slices.Clone(r.keys)
		for _, d := range kernelDescriptions(w.service + ":session:") {
			keys = append(keys, strings.TrimPrefix(d, w.service+":session:"))
		}
		parallel(len(keys), 2, func(i int) error { return t.Delete("session:" + keys[i]) })
	}
	if r.cfg.ownKeyring {
		cache.NewSystemService(w.service).Delete("source:" + sourceName)
	}
	// Unlinked keys stay in /proc/keys until the kernel's garbage collector
	// runs, so ask the keyring itself, as credproc would.
	for _, t := range r.tiers {
		if t.Name() != "kernel" {
			continue
		}
		left := 0
		for _, k := range r.keys {
			if _, err := t.Get("session:" + k); err == nil {
				left++
			}
		}
		if left > 0 {
			fmt.Fprintf(os.Stderr, "bench: %d sessions of service %s remain in the kernel keyring @u (keyctl show @u)\n", left, w.service)
		}
	}
}

// initResult is `GODEBUG=inittrace=1 credproc version`, medians over runs.
type initResult struct {
	runs  int
	total time.Duration // sum of the packages' init clock time
	done  time.Duration // when the last init finished, from process start
	top   []pkgInit
}

type pkgInit struct {
	pkg   string
	clock time.Duration
}

// initTrace runs `credproc version` with GODEBUG=inittrace=1 a few times and
// keeps per-package medians, so one noisy run does not pick the top list.
func (r *report) initTrace() error {
	const runs = 21
	c := &command{label: "inittrace", argv: []string{r.w.credproc, "version"}, env: r.w.env("", "GODEBUG=inittrace=1")}
	var totals, dones []time.Duration
	per := map[string][]time.Duration{}
	for range runs {
		stderr, err := runStderr(c)
		if err != nil {
			return err
		}
		var total, done time.Duration
		for line := range strings.Lines(stderr) {
			// init PKG @T ms, C ms clock, B bytes, A allocs
			f := strings.Fields(line)
			if len(f) < 6 || f[0] != "init" || !strings.HasPrefix(f[2], "@") {
				continue
			}
			at, err1 := strconv.ParseFloat(strings.TrimPrefix(f[2], "@"), 64)
			clk, err2 := strconv.ParseFloat(f[4], 64)
			if err1 != nil || err2 != nil {
				continue
			}
			pkg, err := url.PathUnescape(f[1])
			if err != nil {
				pkg = f[1]
			}
			d := time.Duration(clk * float64(time.Millisecond))
			per[pkg] = append(per[pkg], d)
			total += d
			done = max(done, time.Duration((at+clk)*float64(time.Millisecond)))
		}
		totals, dones = append(totals, total), append(dones, done)
	}
	r.init = initResult{runs: runs, total: median(totals), done: median(dones)}
	for pkg, ds := range per {
		// A package missing from some runs counts as 0 there.
		for len(ds) < runs {
			ds = append(ds, 0)
		}
		r.init.top = append(r.init.top, pkgInit{pkg, median(ds)})
	}
	slices.SortFunc(r.init.top, func(a, b pkgInit) int { return int(b.clock - a.clock) })
	r.init.top = r.init.top[:min(5, len(r.init.top))]
	return nil
}

func runStderr(c *command) (string, error) {
	cmd := newCmd(c)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return "", errors.Join(fmt.Errorf("%s: %v", c.label, err), errors.New(firstLine(stderr.String())))
	}
	return stderr.String(), nil
}

// print writes the table, then the README lines.
func (r *report) print() {
	p := fmt.Printf
	mb := func(n int64) string { return fmt.Sprintf("%.1f MB", float64(n)/1e6) }
	p("\nbinary: credproc %s (%d bytes), hello-world %s\n", mb(r.credprocSize), r.credprocSize, mb(r.helloSize))
	p("init (GODEBUG=inittrace=1 credproc version, median of %d): %s in package inits, last init done %s after start; top 5:\n",
		r.init.runs, ms(r.init.total), ms(r.init.done))
	for _, t := range r.init.top {
		p("    %-60s %s\n", t.pkg, ms(t.clock))
	}

	row := func(name string, s stats, base, version stats) {
		vs := fmt.Sprintf("%+.0f%%", 100*(ratio(s.median, version.median)-1))
		if s == base || s == version {
			vs = ""
		}
		p("  %-36s %9s %9s %7.2f× %7.2f× %9s\n", name, ms(s.median), ms(s.p90),
			ratio(s.median, base.median), ratio(s.p90, base.p90), vs)
	}
	header := func(title string) {
		p("\n%s\n  %-36s %9s %9s %8s %8s %9s\n", title, "", "median", "p90", "×hello", "p90 ×", "vs version")
	}
	header(fmt.Sprintf("(a) cache hit, 1 cached profile (%d runs each, round-robin)", r.cfg.runs))
	row("hello-world", r.hello1, r.hello1, r.version1)
	row("credproc version", r.version1, r.hello1, r.version1)
	for _, m := range r.modes {
		if m.measured() {
			row("hit, CREDPROC_KEYRING="+m.mode, m.hit1, r.hello1, r.version1)
		} else {
			p("  %-36s skipped: %s\n", "hit, CREDPROC_KEYRING="+m.mode, m.skip)
		}
	}
	r.vaultRow(p)
	if m := r.cgoMode(); r.cgoHit.n > 0 {
		row("hit, "+m.mode+", built with cgo", r.cgoHit, r.hello1, r.version1)
		p("  (credproc is built CGO_ENABLED=0, as README.md installs it; with cgo, the default where a C compiler\n" +
			"  is installed, the binary is dynamically linked and loads ld.so and libc at every start)\n")
	}

	n := r.cfg.concurrency
	p("\n(b) %d concurrent cold invocations of one MFA profile vs one (medians of %d; calls per run: GetSessionToken/AssumeRole/MFA codes)\n", n, r.cfg.reps)
	for _, m := range r.measuredModes() {
		p("  %s:\n", m.mode)
		p("    one cold        %9s   calls %s\n", ms(median(m.cold)), strings.Join(m.coldChains, " "))
		p("    %d cold at once %9s   calls %s   = %.2f× one cold; %d distinct access key(s) handed out\n",
			n, ms(median(m.conc)), strings.Join(m.chains, " "), ratio(median(m.conc), median(m.cold)), m.distinct)
		p("      finished (first/median/last): %s\n", strings.Join(m.finish, "  "))
		p("    %d hits at once %9s   (scale: the same processes with the session cached)\n", n, ms(m.concHit))
		p("    %d `credproc version` at once %s   (scale: process start-up alone on %d CPUs; the cold run took %.2f× that)\n",
			n, ms(median(m.concVersion)), runtime.NumCPU(), ratio(median(m.conc), median(m.concVersion)))
		if len(m.concLat) > 0 {
			p("    with every STS request answered after %s (-sts-latency), as over a network:\n", r.cfg.stsLatency)
			p("      one cold      %9s\n", ms(median(m.coldLat)))
			p("      %d cold at once %7s   calls %s   = %.2f× one cold\n",
				n, ms(median(m.concLat)), strings.Join(m.chainsLat, " "), ratio(median(m.concLat), median(m.coldLat)))
		}
	}

	header(fmt.Sprintf("(c) cache hit, %d cached profiles (%d runs each, round-robin)", r.cfg.profiles, r.cfg.runs))
	p("  set-up: %s\n", strings.Join(r.fill, "; "))
	row("hello-world", r.helloN, r.helloN, r.versionN)
	row("credproc version", r.versionN, r.helloN, r.versionN)
	for _, m := range r.measuredModes() {
		row("hit, CREDPROC_KEYRING="+m.mode, m.hitN, r.helloN, r.versionN)
	}
	p("  vs (a), 1 profile:\n")
	for _, m := range r.measuredModes() {
		p("    %-34s median %.2f× (%s → %s); ×hello %.2f → %.2f\n", m.mode, ratio(m.hitN.median, m.hit1.median), ms(m.hit1.median), ms(m.hitN.median),
			ratio(m.hit1.median, r.hello1.median), ratio(m.hitN.median, r.helloN.median))
	}
	for _, n := range r.notes {
		p("note: %s\n", n)
	}

	// One line per figure, to paste into README.md's Performance section.
	p("\nFor README.md (%s, %s/%s, %d CPUs):\n", r.w.goVersion, runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	for _, m := range r.measuredModes() {
		p("- Cache hit (%s, 1 profile): median %s, p90 %s: %.1f× a Go hello-world (p90 %.1f×), %+.0f%% over `credproc version`. Goals: ≤ 2.3×, ≤ +15%%.\n",
			m.mode, ms(m.hit1.median), ms(m.hit1.p90), ratio(m.hit1.median, r.hello1.median), ratio(m.hit1.p90, r.hello1.p90),
			100*(ratio(m.hit1.median, r.version1.median)-1))
	}
	p("- `credproc version`: median %s, %.1f× a Go hello-world (%s).\n", ms(r.version1.median), ratio(r.version1.median, r.hello1.median), ms(r.hello1.median))
	if r.vault.n > 0 {
		for _, m := range r.measuredModes() {
			p("- Cache hit (%s) ÷ `aws-vault export --no-session --format=json`: %.2f× (%s vs %s).\n", m.mode, ratio(m.hit1.median, r.vault.median), ms(m.hit1.median), ms(r.vault.median))
		}
	}
	if m := r.cgoMode(); r.cgoHit.n > 0 {
		p("- Cache hit (%s) of a cgo build (dynamically linked): median %s, %.1f× a Go hello-world; CGO_ENABLED=0 saves %s per AWS command.\n",
			m.mode, ms(r.cgoHit.median), ratio(r.cgoHit.median, r.hello1.median), ms(r.cgoHit.median-m.hit1.median))
	}
	for _, m := range r.measuredModes() {
		p("- %d concurrent cold invocations of one MFA profile (%s): %.1f× one cold invocation (%s vs %s), %.1f× %d `credproc version` at once (%s, start-up alone on %d CPUs); STS calls and MFA codes per run (GetSessionToken/AssumeRole/codes): %s. Goal: ≤ 1.5×, 1/1/1.\n",
			n, m.mode, ratio(median(m.conc), median(m.cold)), ms(median(m.conc)), ms(median(m.cold)),
			ratio(median(m.conc), median(m.concVersion)), n, ms(median(m.concVersion)), runtime.NumCPU(), strings.Join(m.chains, ", "))
	}
	for _, m := range r.measuredModes() {
		if len(m.concLat) > 0 {
			p("- The same (%s) with every STS request answered after %s, as over a network: %.1f× one cold invocation (%s vs %s); calls: %s.\n",
				m.mode, r.cfg.stsLatency, ratio(median(m.concLat), median(m.coldLat)), ms(median(m.concLat)), ms(median(m.coldLat)), strings.Join(m.chainsLat, ", "))
		}
	}
	for _, m := range r.measuredModes() {
		p("- Cache hit with %d cached profiles (%s): median %s, %.2f× the 1-profile hit (%.1f× hello-world). Goal: no growth.\n",
			r.cfg.profiles, m.mode, ms(m.hitN.median), ratio(m.hitN.median, m.hit1.median), ratio(m.hitN.median, r.helloN.median))
	}
	p("- Start-up: %s in package inits (`GODEBUG=inittrace=1 credproc version`), top: %s.\n", ms(r.init.total), topList(r.init.top, 3))
	p("- Binary: %s (hello-world %s).\n", mb(r.credprocSize), mb(r.helloSize))
	r.printOrg()
}

func topList(t []pkgInit, n int) string {
	var s []string
	for _, x := range t[:min(n, len(t))] {
		s = append(s, fmt.Sprintf("%s %s", x.pkg, ms(x.clock)))
	}
	return strings.Join(s, ", ")
}
