package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	iofs "io/fs"
	"os"
	"os/exec"
	"os/signal"
	"runtime"
	"strings"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

// exitError ends credproc with exit code code and prints nothing: the
// command that exec ran has already reported its own failure, or credproc
// has already reported its error (a command that could not be run).
type exitError struct{ code int }

func (e exitError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// Shell exit codes for a command that could not be run, as sh and bash use.
const (
	exitNotExecutable = 126
	exitNotFound      = 127
)

// profileName returns the profile named with --profile, else $AWS_PROFILE.
func profileName(cmd, flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := os.Getenv("AWS_PROFILE"); p != "" {
		return p, nil
	}
	if cmd == "" {
		return "", usagef("give --profile P (or set AWS_PROFILE)")
	}
	return "", usagef("%s: give --profile P (or set AWS_PROFILE)", cmd)
}

// profileSession is one profile's settings and current credentials.
type profileSession struct {
	name     string
	settings *credproc.Settings
	creds    cache.Credentials
	region   string // the profile's region; "" when it names none
}

// loadSession resolves profile name's credentials, from the cache when it
// can, exactly as credential_process mode would.
func loadSession(ctx context.Context, u *ui, name string) (*profileSession, error) {
	s, err := loadProfileSettings(name)
	if err != nil {
		return nil, err
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	c, err := newResolver(u).Credentials(ctx, s)
	if err != nil {
		return nil, err
	}
	return &profileSession{name: name, settings: s, creds: c, region: profileRegion(name, s)}, nil
}

// profileRegion is the region AWS commands run with the profile would use:
// its region key (the one `aws --profile` reads), else the STS region on
// its credential_process line.
func profileRegion(name string, s *credproc.Settings) string {
	if f, err := awsconfig.Load(awsconfig.ConfigPath(), awsconfig.Config); err == nil {
		if p, ok := f.Profile(name); ok && p.Get("region") != "" {
			return p.Get("region")
		}
	}
	return s.Region
}

// envVar is one environment setting handed to a command or printed by env.
type envVar struct{ name, value string }

// sessionEnv is the environment that carries sess to AWS SDKs and tools.
func sessionEnv(sess *profileSession) []envVar {
	c := sess.creds
	vs := []envVar{{"AWS_ACCESS_KEY_ID", c.AccessKeyID}, {"AWS_SECRET_ACCESS_KEY", c.SecretAccessKey}}
	if c.SessionToken != "" {
		vs = append(vs, envVar{"AWS_SESSION_TOKEN", c.SessionToken})
	}
	if !c.Expiration.IsZero() {
		vs = append(vs, envVar{"AWS_CREDENTIAL_EXPIRATION", c.Expiration.UTC().Format(time.RFC3339)})
	}
	if sess.region != "" {
		vs = append(vs, envVar{"AWS_REGION", sess.region}, envVar{"AWS_DEFAULT_REGION", sess.region})
	}
	return vs
}

// droppedEnv are removed from the command's environment: a profile would
// make SDKs resolve credentials again instead of using the ones given, and
// credentials of an outer session must not mix with these.
var droppedEnv = []string{
	"AWS_PROFILE", "AWS_DEFAULT_PROFILE",
	"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_CREDENTIAL_EXPIRATION",
	"AWS_SECURITY_TOKEN", // the legacy name of AWS_SESSION_TOKEN, still read by old tools
}

// childEnv returns parent (KEY=VALUE pairs) without droppedEnv and the
// names in set, followed by set and CREDPROC_PROFILE.
func childEnv(parent []string, set []envVar, profile string) []string {
	drop := append([]string{"CREDPROC_PROFILE"}, droppedEnv...)
	for _, v := range set {
		drop = append(drop, v.name)
	}
	env := make([]string, 0, len(parent)+len(set)+1)
	for _, kv := range parent {
		k, _, _ := strings.Cut(kv, "=")
		if !containsName(drop, k) {
			env = append(env, kv)
		}
	}
	for _, v := range set {
		env = append(env, v.name+"="+v.value)
	}
	return append(env, "CREDPROC_PROFILE="+profile)
}

// containsName reports whether names holds name; environment names are
// case-insensitive on Windows.
func containsName(names []string, name string) bool {
	for _, n := range names {
		if n == name || runtime.GOOS == "windows" && strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}

// cmdExec runs a command with a profile's credentials in its environment
// (never in its arguments) and exits with the command's exit code.
func cmdExec(ctx context.Context, u *ui, args []string) error {
	if isExecOrg(args) {
		return cmdExecOrg(ctx, u, args)
	}
	fs := newFlagSet("exec")
	profile := fs.String("profile", "", "profile whose credentials the command gets (default $AWS_PROFILE)")
	server := fs.Bool("server", false, "serve the credentials from a loopback endpoint (AWS_CONTAINER_CREDENTIALS_FULL_URI), refreshed as they near expiry, instead of variables")
	// Flags end at the command: its own flags (even --profile) are its own.
	if err := fs.Parse(args); err != nil {
		return flagError(fs, args, err)
	}
	argv := fs.Args()
	if len(argv) == 0 {
		return usagef("exec: no command: credproc exec --profile P -- COMMAND [ARGS...]")
	}
	name, err := profileName("exec", *profile)
	if err != nil {
		return err
	}
	// Look the command up before the credentials, which may cost an MFA code.
	path, err := lookCommand(u, argv[0])
	if err != nil {
		return err
	}
	sess, err := loadSession(ctx, u, name)
	if err != nil {
		return err
	}
	cmd := exec.Command(path, argv[1:]...)
	cmd.Args[0] = argv[0] // the name as typed, as a shell passes it
	cmd.Env = childEnv(os.Environ(), sessionEnv(sess), name)
	if *server {
		stop, env, err := serveSession(u, sess, name)
		if err != nil {
			return err
		}
		defer stop()
		cmd.Env = env
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, u.stdout, u.stderr
	return runChild(u, cmd)
}

// lookCommand finds the command exec runs, or reports why it cannot run
// (exit 127 or 126, as a shell).
func lookCommand(u *ui, name string) (string, error) {
	path, err := exec.LookPath(name)
	if err != nil {
		code, e := exitNotFound, &credproc.Error{Msg: "exec: command not found: " + name, Hint: "check the command's name and PATH", Err: err}
		switch {
		case errors.Is(err, exec.ErrDot):
			// Found through a relative PATH entry, which os/exec refuses.
			e.Hint = "it is in the current directory: run it as ./" + name
		case !errors.Is(err, exec.ErrNotFound) && !errors.Is(err, iofs.ErrNotExist):
			code, e.Msg = exitNotExecutable, fmt.Sprintf("exec: cannot run %s: %v", name, err)
		}
		u.fail(e)
		return "", exitError{code}
	}
	return path, nil
}

// runChild runs cmd to its end, passing on the signals credproc receives,
// and turns its exit status into credproc's.
func runChild(u *ui, cmd *exec.Cmd) error {
	// Registered before Start so that no signal in between kills credproc
	// and orphans the command.
	sigs := make(chan os.Signal, 8)
	signal.Notify(sigs, forwardedSignals...)
	defer signal.Stop(sigs)
	if err := cmd.Start(); err != nil {
		u.fail(&credproc.Error{Msg: fmt.Sprintf("exec: cannot run %s: %v", cmd.Args[0], err), Err: err})
		return exitError{exitNotExecutable}
	}
	done := make(chan struct{})
	go func() {
		for {
			select {
			case sig := <-sigs:
				if forward(sig) {
					_ = cmd.Process.Signal(sig) // fails only once the command has exited
				}
			case <-done:
				return
			}
		}
	}()
	err := cmd.Wait()
	close(done)
	if cmd.ProcessState == nil {
		return err // never ran to an exit status
	}
	if code := exitStatus(cmd.ProcessState); code != 0 {
		return exitError{code}
	}
	return err // nil, or stdout/stderr copying failed
}

// Output formats of env.
var envFormats = map[string]func(w io.Writer, vs []envVar){
	"sh": func(w io.Writer, vs []envVar) {
		for _, v := range vs {
			fmt.Fprintf(w, "export %s=%s\n", v.name, shQuote(v.value))
		}
	},
	"fish": func(w io.Writer, vs []envVar) {
		for _, v := range vs {
			fmt.Fprintf(w, "set -gx %s %s\n", v.name, fishQuote(v.value))
		}
	},
	"powershell": func(w io.Writer, vs []envVar) {
		for _, v := range vs {
			fmt.Fprintf(w, "$Env:%s = %s\n", v.name, powershellQuote(v.value))
		}
	},
}

// shQuote single-quotes s for POSIX shells: nothing inside single quotes
// is special except the quote itself, which is closed, escaped, reopened.
func shQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// fishQuote single-quotes s for fish, where \ and ' are escaped inside
// single quotes.
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// powershellQuote single-quotes s for PowerShell, which escapes a quote by
// doubling it and also takes the typographic single quotes as quotes.
func powershellQuote(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// envJSON is the credential_process document plus the profile's region.
type envJSON struct {
	credproc.ProcessOutput
	Region string `json:"Region,omitempty"`
}

// cmdEnv prints a profile's credentials as shell settings (or JSON) on
// stdout, the data channel, for `eval "$(credproc env …)"`.
func cmdEnv(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("env")
	profile := fs.String("profile", "", "profile whose credentials to print (default $AWS_PROFILE)")
	format := fs.String("format", "sh", "sh, fish, powershell or json")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("env: unexpected argument %q", pos[0])
	}
	write, ok := envFormats[*format]
	if !ok && *format != "json" {
		return usagef("env: unknown format %q: want sh, fish, powershell or json", *format)
	}
	name, err := profileName("env", *profile)
	if err != nil {
		return err
	}
	sess, err := loadSession(ctx, u, name)
	if err != nil {
		return err
	}
	// Built in memory and written at once: a failure never leaves half the
	// settings on stdout.
	var b strings.Builder
	if ok {
		write(&b, sessionEnv(sess))
	} else {
		j, err := json.Marshal(envJSON{credproc.NewProcessOutput(sess.creds), sess.region})
		if err != nil {
			return err
		}
		b.Write(append(j, '\n'))
	}
	_, err = io.WriteString(u.stdout, b.String())
	return err
}
