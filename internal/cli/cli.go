// Package cli is credproc's command line: it parses flags, calls the
// credproc and cache packages, and reports through ui.go's output rules.
package cli

import (
	"context"
	"flag"
	"io"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
)

// Main runs credproc with args (without the program name) and returns the
// exit code.
func Main(args []string) int {
	u := &ui{stdout: os.Stdout, stderr: os.Stderr}
	if err := run(context.Background(), u, args); err != nil {
		return u.fail(err)
	}
	return 0
}

// interruptible cancels ctx on Ctrl-C, so that a refresh, a prompt or a
// long command ends cleanly. Go starts a goroutine on a thread of its own
// for it, which the cache hit does without (see cmdProcess).
func interruptible(ctx context.Context) (context.Context, context.CancelFunc) {
	return signal.NotifyContext(ctx, os.Interrupt)
}

// newFlagSet returns a flag set that reports errors through ui, not itself.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	return fs
}

// parseFlags parses args with fs, allowing positional arguments anywhere
// (`setup PROFILE --source x` as well as `setup --source x PROFILE`).
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(fs, args, err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// stateDir holds the non-secret index and the lock files: the user's cache
// directory, else the user's runtime directory, never a shared temporary
// directory ("" when there is neither; the store then refuses to work).
func stateDir() string {
	if d := os.Getenv("CREDPROC_STATE_DIR"); d != "" {
		return d
	}
	if d, err := os.UserCacheDir(); err == nil {
		return filepath.Join(d, "credproc")
	}
	if d := os.Getenv("XDG_RUNTIME_DIR"); filepath.IsAbs(d) {
		return filepath.Join(d, "credproc")
	}
	return ""
}

// openStore opens the keyring cache: on Linux sessions in the kernel
// keyring and the Secret Service, sources in the Secret Service only.
// CREDPROC_KEYRING_SERVICE keeps separate set-ups (tests, say) apart in one
// keyring; CREDPROC_KEYRING picks the session tiers.
func openStore() *cache.Store {
	st := cache.OpenDefault(os.Getenv("CREDPROC_KEYRING_SERVICE"), stateDir())
	configureFileStore(st)
	return st
}

func newResolver(u *ui) *credproc.Resolver {
	return &credproc.Resolver{Store: openStore(), Notices: u.stderr}
}

// cmdProcess is credential_process mode: exactly one JSON object on stdout
// on success, nothing on stdout otherwise.
func cmdProcess(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("process")
	var s credproc.Settings
	s.RegisterFlags(fs)
	profile := fs.String("profile", "", "read the settings from this profile's credential_process line")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q", pos[0])
	}
	if *profile != "" || fs.NFlag() == 0 {
		if fs.NFlag() > 1 {
			return usagef("--profile takes its settings from the profile; give no other settings")
		}
		name, err := profileName("", *profile)
		if err != nil {
			return err
		}
		p, err := loadProfileSettings(name)
		if err != nil {
			return err
		}
		s = *p
	}
	if err := s.Validate(); err != nil {
		return err
	}
	r := newResolver(u)
	c, ok := r.Hit(&s)
	if !ok {
		var stop context.CancelFunc
		ctx, stop = interruptible(ctx)
		defer stop()
		c, err = r.Credentials(ctx, &s)
	}
	if err != nil {
		return err
	}
	_, err = u.stdout.Write(append(credproc.NewProcessOutput(c).AppendJSON(make([]byte, 0, 2048)), '\n'))
	return err
}
