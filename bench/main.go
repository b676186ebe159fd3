// Command bench measures credproc against the performance goals of its hot
// path: the AWS CLI runs credproc for every command, so a cache hit must cost
// about as much as starting any small Go program.
//
// Usage (from the repository root):
//
//	.ci/setup && .ci/with-keyring go run ./bench [flags]
//
// It needs a Secret Service: .ci/with-keyring starts a private D-Bus session
// with an unlocked gnome-keyring in a throw-away directory, so your own
// keyring is never touched. Without one the benchmark stops at once and says
// so.
//
// In one run it builds credproc and a Go hello-world into a temporary
// directory, starts the local AWS emulator (internal/awstest) in-process and
// prints, with the figures the goals are stated in:
//
//   - (a) cache-hit latency of a profile's credential_process line, run exactly
//     as the AWS CLI runs it, as a ratio to the hello-world and to
//     `credproc version`, for each keyring tier CREDPROC_KEYRING selects that
//     works here (the others are skipped with the reason);
//   - (b) 64 concurrent cold invocations of one MFA profile: wall time as a
//     ratio to one cold invocation, the STS calls made and the MFA codes
//     asked for;
//   - (c) the cache-hit latency again with 1,000 cached profiles;
//   - init time of `credproc version` (GODEBUG=inittrace=1) and the binary
//     size.
//
// Latencies are measured round-robin: each iteration runs every command once,
// in a rotating order, so that noise on a shared machine hits all of them
// alike. The benchmark asserts nothing about time; it prints figures (a table,
// then one line per figure for README.md) and fails only when credproc
// misbehaves (a hit that calls STS, more than one STS call chain, ...).
package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
)

// mfaCodeCmd is the hidden sub-command the MFA profiles' --mfa-process runs:
// the benchmark binary itself, so no script or oathtool is needed.
const mfaCodeCmd = "mfa-code"

// config is the command line.
type config struct {
	runs        int           // measured runs per command
	warmup      int           // unmeasured runs per command first
	profiles    int           // cached profiles in phase (c)
	concurrency int           // concurrent cold invocations in phase (b)
	reps        int           // repetitions of each cold measurement in (b)
	modes       []string      // CREDPROC_KEYRING values to try
	stsLatency  time.Duration // (b) again with the emulator answering after this; 0 skips
	keep        bool          // keep the temporary directory
	ownKeyring  bool          // allow a keyring that is not .ci/with-keyring's throw-away one
	orgAccounts int           // member accounts in phase (d); below 2 skips it
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == mfaCodeCmd {
		os.Exit(mfaCode(os.Args[2:]))
	}
	var cfg config
	var modes string
	flag.IntVar(&cfg.runs, "n", 60, "measured runs per command in (a) and (c), after the warm-up")
	flag.IntVar(&cfg.warmup, "warmup", 5, "unmeasured warm-up runs per command")
	flag.IntVar(&cfg.profiles, "profiles", 1000, "cached profiles in (c)")
	flag.IntVar(&cfg.concurrency, "concurrency", 64, "concurrent cold invocations in (b)")
	flag.IntVar(&cfg.reps, "reps", 3, "repetitions of the single and the concurrent cold run in (b)")
	flag.DurationVar(&cfg.stsLatency, "sts-latency", 50*time.Millisecond, "run (b) a second time with every STS request answered after this long, as over a network (0: only the\nlocal emulator's microseconds)")
	flag.StringVar(&modes, "keyring", "secret-service,kernel,auto", "comma-separated CREDPROC_KEYRING values to measure")
	flag.IntVar(&cfg.orgAccounts, "org-accounts", 1000, "member accounts for (d) exec --org and doctor at scale (0: skip)")
	flag.BoolVar(&cfg.keep, "keep", false, "keep the temporary directory (binaries, HOME, config) for inspection")
	flag.BoolVar(&cfg.ownKeyring, "own-keyring", false, "run in this session's own Secret Service instead of requiring .ci/with-keyring's throw-away one\n(the run writes and then deletes -profiles items under a unique service name, which takes a while)")
	flag.Usage = func() {
		fmt.Fprint(flag.CommandLine.Output(), `usage: .ci/with-keyring go run ./bench [flags]

Measures credproc's cache hit against a Go hello-world and `+"`credproc version`"+`,
64 concurrent cold invocations against one, and the hit with 1,000 cached
profiles, against the in-process AWS emulator. It needs a Secret Service:
.ci/with-keyring runs it in a private D-Bus session with a throw-away
gnome-keyring (install both with .ci/setup). Takes one to three minutes,
most of it writing the 1,000 sessions into gnome-keyring.

`)
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() > 0 {
		flag.Usage()
		os.Exit(2)
	}
	for m := range strings.SplitSeq(modes, ",") {
		if m = strings.TrimSpace(m); m != "" {
			cfg.modes = append(cfg.modes, m)
		}
	}
	switch {
	case cfg.runs < 5 || cfg.warmup < 0 || cfg.profiles < 1 || cfg.concurrency < 1 || len(cfg.modes) == 0:
		fmt.Fprintln(os.Stderr, "bench: -n must be at least 5; -profiles, -concurrency and -keyring must not be empty")
		os.Exit(2)
	case cfg.reps < 1 || cfg.reps > maxReps(cfg.stsLatency):
		// Each cold run needs an MFA code for a new TOTP step, which the
		// emulator's clock provides by moving 30 s ahead; SigV4 tolerates
		// 15 minutes of skew.
		fmt.Fprintf(os.Stderr, "bench: -reps must be 1 to %d with this -sts-latency\n", maxReps(cfg.stsLatency))
		os.Exit(2)
	case cfg.stsLatency < 0:
		fmt.Fprintln(os.Stderr, "bench: -sts-latency must not be negative")
		os.Exit(2)
	}
	if err := run(&cfg); err != nil {
		fmt.Fprintf(os.Stderr, "bench: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("\n(bench took %s)\n", time.Since(start).Round(time.Second))
}

// start is when the benchmark started, for progress messages.
var start = time.Now()

// progress says on stderr what the benchmark is doing, so a slow phase on a
// busy machine does not look like a hang; stdout stays the report.
func progress(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "bench: [%3.0fs] %s\n", time.Since(start).Seconds(), fmt.Sprintf(format, a...))
}

// errNoKeyring is what the benchmark says when there is no Secret Service.
var errNoKeyring = errors.New("no Secret Service: run the benchmark as `.ci/with-keyring go run ./bench` " +
	"(a private D-Bus session with a throw-away gnome-keyring; `.ci/setup` installs them)")

func run(cfg *config) error {
	// The modes are chosen per command below; an inherited value would
	// silently change what the in-process cache writes to.
	os.Unsetenv(cache.KeyringEnv)
	if err := checkKeyring(cfg); err != nil {
		return err
	}
	progress("building credproc and a hello-world")
	w, err := newWorld(cfg)
	if err != nil {
		return err
	}
	defer w.close()
	fmt.Printf("credproc bench: %s %s/%s, %d CPUs, load %s; %d runs per command after %d warm-up, round-robin\n",
		w.goVersion, runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), loadAvg(), cfg.runs, cfg.warmup)
	r := &report{cfg: cfg, w: w}
	defer r.cleanup()
	steps := []struct {
		what string
		f    func() error
	}{
		{"binary sizes", r.sizes},
		{"(a) cache hits with 1 profile", r.hits},
		{fmt.Sprintf("(b) %d concurrent cold invocations", cfg.concurrency), r.concurrent},
		{fmt.Sprintf("(c) cache hits with %d profiles (writing them takes a while)", cfg.profiles), r.manyProfiles},
		{"init trace", r.initTrace},
		{"(d) the whole organization at once", r.org},
	}
	for _, s := range steps {
		progress("%s", s.what)
		if err := s.f(); err != nil {
			return err
		}
	}
	r.print()
	return nil
}
