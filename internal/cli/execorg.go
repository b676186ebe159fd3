package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/term"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/credserver"
	"github.com/credproc/credproc/internal/fanout"
)

// isExecOrg reports whether exec's command line asks for --org: it looks
// at exec's own flags only, which end at "--" or the command.
func isExecOrg(args []string) bool {
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--" || !strings.HasPrefix(a, "-"):
			return false
		case a == "--org" || a == "-org" || a == "--org=true" || a == "-org=true":
			return true
		case a == "--profile" || a == "-profile":
			i++ // its value
		}
	}
	return false
}

// stringList is a repeatable flag.
type stringList []string

func (l *stringList) String() string     { return strings.Join(*l, ",") }
func (l *stringList) Set(v string) error { *l = append(*l, v); return nil }

// accountList is a comma-separated list of account IDs.
func accountList(flagName, v string) (map[string]bool, error) {
	set := map[string]bool{}
	if v == "" {
		return set, nil
	}
	for _, id := range strings.Split(v, ",") {
		id = strings.TrimSpace(id)
		if err := credproc.CheckAccountID(id); err != nil {
			return nil, usagef("exec: --%s: %v", flagName, err)
		}
		set[id] = true
	}
	return set, nil
}

// defaultParallel is how many accounts run at once by default: commands
// mostly wait on the network, so a few per core.
func defaultParallel() int { return min(4*runtime.NumCPU(), 32) }

// accountRun is the outcome for one account.
type accountRun struct {
	account orgAccount
	started bool   // the command ran
	code    int    // its exit code
	reason  string // why it did not run, or failed to start
	dur     time.Duration
}

func (r *accountRun) failed() bool { return r.reason != "" || r.code != 0 }

// cmdExecOrg runs a command once per active member account of the
// organization, with that account's role credentials.
func cmdExecOrg(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("exec")
	var s credproc.Settings
	s.RegisterFlags(fs)
	fs.Bool("org", true, "run the command in every active member account of the organization")
	server := fs.Bool("server", false, "serve the credentials from a loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI) instead of variables")
	roleName := fs.String("role-name", credproc.DefaultRoleName, "role to assume in each member account")
	accountsFlag := fs.String("accounts", "", "only these account IDs (comma-separated); may name the management account")
	excludeFlag := fs.String("exclude", "", "skip these account IDs (comma-separated)")
	var ous stringList
	fs.Var(&ous, "ou", "only accounts in this OU or any OU below it (repeatable; ou-… or r-…)")
	parallel := fs.Int("parallel", defaultParallel(), "run at most this many accounts at once")
	outputDir := fs.String("output-dir", "", "write each account's stdout and stderr to files ID-NAME.stdout/.stderr in this directory")
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		return usagef("exec: see `credproc help`")
	} else if err != nil {
		return usagef("exec: %v", err)
	}
	argv := fs.Args()
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	switch {
	case len(argv) == 0:
		return usagef("exec: no command: credproc exec --org --source NAME -- COMMAND [ARGS...]")
	case s.Source == "":
		return usagef("exec --org: give --source NAME (the management account's keys)")
	case given["role-arn"]:
		return usagef("exec --org builds each account's role ARN from --role-name; --role-arn names a single role")
	case s.MFADirect:
		return usagef("exec --org uses one MFA session for every account; --mfa-direct would need a code per account")
	case *parallel < 1:
		return usagef("exec: --parallel must be at least 1")
	}
	only, err := accountList("accounts", *accountsFlag)
	if err != nil {
		return err
	}
	exclude, err := accountList("exclude", *excludeFlag)
	if err != nil {
		return err
	}
	if _, err := credproc.RoleARN(s.Region, "000000000000", *roleName); err != nil {
		return err
	}
	if _, err := orgRoleSettings(s, "000000000000", *roleName); err != nil {
		return err
	}
	own := ownAccountSettings(s)
	if err := own.Validate(); err != nil {
		return err
	}
	path, err := lookCommand(u, argv[0])
	if err != nil {
		return err
	}
	if *outputDir != "" {
		if err := os.MkdirAll(*outputDir, 0o700); err != nil {
			return &credproc.Error{Msg: fmt.Sprintf("exec: output directory: %v", err), Err: err}
		}
	}

	r := newResolver(u)
	r.Notices = &onceWriter{w: u.stderr}
	r.KeepSources = true
	flushIndex := r.Store.BatchIndex()
	defer func() {
		if err := flushIndex(); err != nil {
			u.warnf("the cached sessions are not listed in `credproc list`: %v", err)
		}
	}()
	// The MFA session (one code) comes first; every role is then assumed
	// with it from the cache.
	creds, err := r.Credentials(ctx, &own)
	if err != nil {
		return err
	}
	// Role sessions go to the fastest cache tier only, when it holds the
	// MFA session they are assumed with (else a second code could be asked).
	roles := &credproc.Resolver{Store: r.Store.FirstTierOnly(), Notices: r.Notices, KeepSources: true}
	if _, ok := roles.Cached(&own); !ok {
		roles = r
	}
	region := r.Region(&own)
	self, err := orgCallerAccount(ctx, creds, region, s.EndpointURL, s.Source)
	if err != nil {
		return err
	}
	var accounts []orgAccount
	if len(ous) == 0 {
		if accounts, _, err = listOrgAccounts(ctx, creds, region, s.Source); err != nil {
			return err
		}
	} else {
		for _, ou := range ous {
			as, err := listOUAccounts(ctx, creds, region, s.Source, ou)
			if err != nil {
				return err
			}
			accounts = append(accounts, as...)
		}
	}
	accounts, err = selectAccounts(accounts, self, only, exclude)
	if err != nil {
		return err
	}
	if len(accounts) == 0 {
		return &credproc.Error{Msg: "exec --org: no account to run in", Hint: "check --ou, --accounts and --exclude"}
	}

	runs := make([]accountRun, len(accounts))
	for i, a := range accounts {
		runs[i].account = a
	}
	var nDone, nFailed, nRunning atomic.Int64
	start := time.Now()
	status := func() string {
		return fmt.Sprintf("credproc: %d/%d done, %d failed, %d running, %s", nDone.Load(), len(runs), nFailed.Load(), nRunning.Load(), time.Since(start).Round(time.Second))
	}
	out := fanout.NewOutput(terminalOf(u.stderr), status, 250*time.Millisecond)

	// Signals: stop starting accounts; pass them on to running commands.
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	var procs sync.Map // *os.Process -> struct{}
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	interrupted := atomic.Bool{}
	go func() {
		for {
			select {
			case sig := <-sigs:
				interrupted.Store(true)
				cancel()
				if forward(sig) {
					procs.Range(func(k, _ any) bool { _ = k.(*os.Process).Signal(sig); return true })
				}
			case <-runCtx.Done():
				if ctx.Err() != nil {
					interrupted.Store(true)
				}
				// Keep forwarding until the run ends.
				for sig := range sigs {
					if forward(sig) {
						procs.Range(func(k, _ any) bool { _ = k.(*os.Process).Signal(sig); return true })
					}
				}
				return
			}
		}
	}()

	started := fanout.Run(runCtx, len(runs), *parallel, func(ctx context.Context, i int) {
		nRunning.Add(1)
		defer nRunning.Add(-1)
		run := &runs[i]
		t0 := time.Now()
		st := &own
		if run.account.ID != self {
			st, _ = orgRoleSettings(s, run.account.ID, *roleName)
		}
		execAccount(ctx, roles, st, run, path, argv, s.Region, *server, *outputDir, out, u, &procs)
		run.dur = time.Since(t0)
		nDone.Add(1)
		if run.failed() {
			nFailed.Add(1)
		}
	})
	out.Close()
	if started < len(runs) || ctx.Err() != nil {
		interrupted.Store(true)
	}
	elapsed := time.Since(start)
	return execOrgSummary(u, runs, started, elapsed, interrupted.Load())
}

// selectAccounts keeps the active accounts that --accounts and --exclude
// select; the source's own account only when --accounts names it.
func selectAccounts(all []orgAccount, self string, only, exclude map[string]bool) ([]orgAccount, error) {
	var out []orgAccount
	found := map[string]bool{}
	for _, a := range all {
		if !a.active() || exclude[a.ID] || found[a.ID] {
			continue
		}
		if len(only) > 0 && !only[a.ID] || len(only) == 0 && a.ID == self {
			continue
		}
		found[a.ID] = true
		out = append(out, a)
	}
	var missing []string
	for id := range only {
		if !found[id] && !exclude[id] {
			missing = append(missing, id)
		}
	}
	if len(missing) > 0 {
		slices.Sort(missing)
		return nil, &credproc.Error{
			Msg:  fmt.Sprintf("exec --org: %s not an ACTIVE member account%s: %s", orgPlural(len(missing), "account"), orgIsAreSuffix(len(missing)), orgListed(missing)),
			Hint: "check the IDs with `aws organizations list-accounts` (and --ou)",
		}
	}
	slices.SortFunc(out, func(a, b orgAccount) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func orgIsAreSuffix(n int) string {
	if n == 1 {
		return " (in the selected OUs)"
	}
	return "s (in the selected OUs)"
}

// execAccount assumes the account's role just before its command starts
// and runs the command to its end.
func execAccount(ctx context.Context, r *credproc.Resolver, st *credproc.Settings, run *accountRun, path string, argv []string,
	region string, server bool, outputDir string, out *fanout.Output, u *ui, procs *sync.Map) {
	a := run.account
	creds, err := r.Credentials(ctx, st)
	if err != nil {
		run.reason = shortReason(err)
		return
	}
	var env []string
	if server {
		srv, err := credserver.Start(func(ctx context.Context) (cache.Credentials, error) { return r.Credentials(ctx, st) }, shortReason)
		if err != nil {
			run.reason = "credential server: " + err.Error()
			return
		}
		defer srv.Close()
		env = serverEnv(os.Environ(), srv, region)
	} else {
		sess := &profileSession{creds: creds, region: region}
		env = childEnv(os.Environ(), sessionEnv(sess), "")
	}
	env = accountEnv(env, a)

	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0]
	cmd.Env = env
	// A background process the command left behind may hold its output
	// open; the account's run ends soon after the command itself.
	cmd.WaitDelay = 10 * time.Second
	var flush []func()
	if outputDir != "" {
		base := filepath.Join(outputDir, a.ID+"-"+orgFileName(a.Name))
		for _, stream := range []struct {
			ext string
			dst *io.Writer
		}{{".stdout", &cmd.Stdout}, {".stderr", &cmd.Stderr}} {
			f, err := os.OpenFile(base+stream.ext, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
			if err != nil {
				run.reason = fmt.Sprintf("output file: %v", err)
				return
			}
			defer f.Close()
			*stream.dst = f
		}
	} else {
		prefix := fmt.Sprintf("%s (%s) | ", a.Name, a.ID)
		ow, ew := out.NewLineWriter(u.stdout, prefix), out.NewLineWriter(u.stderr, prefix)
		cmd.Stdout, cmd.Stderr = ow, ew
		flush = append(flush, ow.Flush, ew.Flush)
	}
	if err := cmd.Start(); err != nil {
		run.reason = fmt.Sprintf("cannot run %s: %v", argv[0], err)
		return
	}
	run.started = true
	procs.Store(cmd.Process, struct{}{})
	err = cmd.Wait()
	procs.Delete(cmd.Process)
	for _, f := range flush {
		f()
	}
	if cmd.ProcessState != nil {
		run.code = exitStatus(cmd.ProcessState)
	} else if err != nil {
		run.reason = err.Error()
	}
}

// accountEnv replaces CREDPROC_PROFILE (there is no profile) with the
// account's ID and name.
func accountEnv(env []string, a orgAccount) []string {
	out := env[:0]
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if k != "CREDPROC_PROFILE" && k != "CREDPROC_ACCOUNT_ID" && k != "CREDPROC_ACCOUNT_NAME" {
			out = append(out, kv)
		}
	}
	return append(out, "CREDPROC_ACCOUNT_ID="+a.ID, "CREDPROC_ACCOUNT_NAME="+a.Name)
}

// orgFileName is an account name made safe as part of a file name.
func orgFileName(name string) string {
	if s := orgSlug(name); s != "" {
		return s
	}
	return "account"
}

// shortReason is an error in a few words for the summary table: the AWS
// error code when there is one.
func shortReason(err error) string {
	msg := oneLine(err.Error())
	if code := credproc.ErrorCode(err); code != "" && !strings.Contains(msg, code) {
		msg = code + ": " + msg
	}
	if len(msg) > 120 {
		msg = msg[:117] + "..."
	}
	return msg
}

// terminalOf returns w when it is a terminal, for a progress line; else nil.
func terminalOf(w io.Writer) io.Writer {
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return w
	}
	return nil
}

// execOrgSummary prints the table (failures first) and the closing line,
// and returns the run's outcome.
func execOrgSummary(u *ui, runs []accountRun, started int, elapsed time.Duration, interrupted bool) error {
	var failed, ok, notRun []accountRun
	for i, r := range runs {
		switch {
		case i >= started:
			notRun = append(notRun, r)
		case r.failed():
			failed = append(failed, r)
		default:
			ok = append(ok, r)
		}
	}
	width := len("ACCOUNT")
	label := func(r accountRun) string { return fmt.Sprintf("%s (%s)", oneLine(r.account.Name), r.account.ID) }
	for _, r := range runs {
		width = max(width, len(label(r)))
	}
	w := u.stderr
	fmt.Fprintf(w, "credproc: %-*s  %4s  %9s\n", width, "ACCOUNT", "EXIT", "DURATION")
	for _, group := range [][]accountRun{failed, ok} {
		for _, r := range group {
			exit := fmt.Sprint(r.code)
			if !r.started {
				exit = "-"
			}
			line := fmt.Sprintf("credproc: %-*s  %4s  %9s", width, label(r), exit, r.dur.Round(time.Millisecond))
			if r.reason != "" {
				line += "  " + r.reason
			}
			fmt.Fprintln(w, line)
		}
	}
	rate := float64(len(failed)+len(ok)) / elapsed.Seconds()
	msg := fmt.Sprintf("%d of %d accounts succeeded, %d failed", len(ok), len(runs), len(failed))
	if len(notRun) > 0 {
		msg += fmt.Sprintf(", %d not started (interrupted)", len(notRun))
	}
	u.infof("%s, in %s (%.1f accounts/s)", msg, elapsed.Round(time.Millisecond), rate)
	switch {
	case interrupted:
		return exitError{130}
	case len(failed) > 0:
		return exitError{1}
	}
	return nil
}

// onceWriter passes each distinct line on once: a notice about the role
// session length would otherwise come once per account.
type onceWriter struct {
	mu   sync.Mutex
	w    io.Writer
	seen map[string]bool
}

func (o *onceWriter) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.seen == nil {
		o.seen = map[string]bool{}
	}
	if !o.seen[string(p)] {
		o.seen[string(p)] = true
		o.w.Write(p)
	}
	return len(p), nil
}
