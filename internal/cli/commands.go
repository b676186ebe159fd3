package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"golang.org/x/term"

	"github.com/credproc/credproc/credproc"
)

// command is one entry of the command table. Help, `credproc help CMD`,
// "did you mean", the completion scripts and the README check all read
// this table, so a command's description lives nowhere else.
//
// A command's flags are the FlagSet its run function builds with
// newFlagSet and hands to parseFlags: run with "-h", parseFlags returns
// that FlagSet in a helpRequest before the command does anything else.
type command struct {
	name    string
	summary string // one line, lower-case, no full stop
	// usage holds one line per form, each starting "credproc ".
	usage  []string
	run    func(ctx context.Context, u *ui, args []string) error
	hidden bool // left out of `credproc help` and completion
}

// commands is the command table, in the order `credproc help` lists it.
// It is a function, not a variable, because the help command reads it.
func commands() []command {
	return []command{
		{name: "process", summary: "print credential_process JSON for a profile (what the AWS CLI runs)",
			usage: []string{"credproc [--profile P | SETTINGS]"}, run: cmdProcess},
		{name: "add", summary: "store an IAM user's access key in the keyring",
			usage: []string{"credproc add NAME [--env]"}, run: cmdAdd},
		{name: "remove", summary: "delete a stored key and the sessions made from it",
			usage: []string{"credproc remove NAME"},
			run:   func(_ context.Context, u *ui, a []string) error { return cmdRemove(u, a) }},
		{name: "import", summary: "move plaintext long-lived keys from the AWS files into the keyring",
			usage: []string{"credproc import [PROFILE…] [--all] [--dry-run] [--remove-temporary] [--session]"}, run: cmdImport},
		{name: "rotate", summary: "replace a stored key with a new one, the way IAM requires",
			usage: []string{"credproc rotate NAME [--mfa-serial ARN] [--mfa-process CMD]"}, run: cmdRotate},
		{name: "unlock", summary: "type the key file's passphrase once for a while (no Secret Service)",
			usage: []string{"credproc unlock [--timeout D]"}, run: cmdUnlock},
		{name: "lock", summary: "forget the key file's passphrase now",
			usage: []string{"credproc lock"}, run: cmdLock},
		{name: "setup", summary: "write a credential_process profile to the AWS config file",
			usage: []string{
				"credproc setup PROFILE --source NAME (--account ID [--role-name R] | --role-arn ARN) [SETTINGS]",
				"credproc setup --org --source NAME [--prefix P] [--role-name R | --roles R1,R2] [--ou OU_ID]… [--name-template T] [--prune] [--mfa-serial ARN] [--dry-run] [SETTINGS]",
			}, run: cmdSetup},
		{name: "list", summary: "show stored sources and cached sessions with the profiles using them (never secrets)",
			usage: []string{"credproc list [--max-key-age 90d]"},
			run:   func(_ context.Context, u *ui, a []string) error { return cmdList(u, a) }},
		{name: "forget", summary: "drop cached sessions",
			usage: []string{"credproc forget [PROFILE | --all]"},
			run:   func(_ context.Context, u *ui, a []string) error { return cmdForget(u, a) }},
		{name: "init-role", summary: "create or check the management account's role in an invited member account",
			usage: []string{"credproc init-role --profile ADMIN --management-account ID [...]"}, run: cmdInitRole},
		{name: "console", summary: "open the AWS console as the profile's role",
			usage: []string{"credproc console [--profile P] [--destination URL] [--duration D] [--print]"}, run: cmdConsole},
		{name: "exec", summary: "run a command with the profile's credentials in its environment",
			usage: []string{
				"credproc exec [--profile P] [--server] [--] COMMAND [ARGS…]",
				"credproc exec --org --source NAME [--role-name R] [--accounts ID,…] [--ou OU_ID]… [--exclude ID,…] [--parallel N] [--mfa-serial ARN] [--mfa-process CMD] [--output-dir DIR] [--server] -- COMMAND [ARGS…]",
			}, run: cmdExec},
		{name: "env", summary: "print the credentials as shell settings or JSON",
			usage: []string{"credproc env [--profile P] [--format sh|fish|powershell|json]"}, run: cmdEnv},
		{name: "doctor", summary: "check each step of a profile's chain and say what to fix",
			usage: []string{"credproc doctor [--profile P] [--max-key-age 90d]"}, run: cmdDoctor},
		{name: "completion", summary: "print a shell completion script",
			usage: []string{"credproc completion bash|zsh|fish|powershell"}, run: cmdCompletion},
		{name: "version", summary: "print the version, revision, Go version and platform",
			usage: []string{"credproc version"}, run: cmdVersion},
		{name: "help", summary: "show the commands, or one command's usage and flags",
			usage: []string{"credproc help [COMMAND]"}, run: cmdHelp},
		{name: completeCmd, summary: "list completion candidates (for the completion scripts)",
			usage: []string{"credproc " + completeCmd + " profiles|sources"}, run: cmdComplete, hidden: true},
	}
}

func lookupCommand(name string) (command, bool) {
	for _, c := range commands() {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// stdoutIsTerminal reports whether a person reads stdout; the AWS CLI
// always gives credential_process a pipe.
var stdoutIsTerminal = func() bool { return term.IsTerminal(int(os.Stdout.Fd())) }

func run(ctx context.Context, u *ui, args []string) error {
	if len(args) == 0 && os.Getenv("AWS_PROFILE") == "" && stdoutIsTerminal() {
		// A person typed bare `credproc`: process mode could only fail.
		writeUsage(u.stdout)
		return nil
	}
	name, rest := "process", args
	if len(args) > 0 {
		switch a := args[0]; {
		case a == "-h" || a == "--help" || a == "-help":
			name, rest = "help", args[1:]
		case a == "-v" || a == "--version" || a == "-version":
			name, rest = "version", args[1:]
		case !strings.HasPrefix(a, "-"):
			name, rest = a, args[1:]
		}
	}
	c, ok := lookupCommand(name)
	if !ok {
		if s := suggest(name, visibleNames()); s != "" {
			return usageError{msg: fmt.Sprintf("unknown command %q; did you mean %q?", name, s)}
		}
		return usagef("unknown command %q", name)
	}
	if c.name != "process" {
		var stop context.CancelFunc
		ctx, stop = interruptible(ctx)
		defer stop()
	}
	err := c.run(ctx, u, rest)
	var hr helpRequest
	if errors.As(err, &hr) {
		writeCommandHelp(u.stdout, c, hr.fs)
		return nil
	}
	var ue usageError
	if errors.As(err, &ue) && ue.hint == "" {
		ue.hint = "run `credproc help " + c.name + "` for usage"
		return ue
	}
	return err
}

func visibleNames() []string {
	var names []string
	for _, c := range commands() {
		if !c.hidden {
			names = append(names, c.name)
		}
	}
	return names
}

// cmdHelp prints the command list, or one command's usage and flags.
func cmdHelp(ctx context.Context, u *ui, args []string) error {
	fs := newFlagSet("help")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	switch len(pos) {
	case 0:
		writeUsage(u.stdout)
		return nil
	case 1:
		c, ok := lookupCommand(pos[0])
		if !ok {
			if s := suggest(pos[0], visibleNames()); s != "" {
				return usageError{msg: fmt.Sprintf("help: unknown command %q; did you mean %q?", pos[0], s)}
			}
			return usagef("help: unknown command %q", pos[0])
		}
		cfs, err := commandFlags(ctx, c)
		if err != nil {
			return err
		}
		writeCommandHelp(u.stdout, c, cfs)
		return nil
	}
	return usagef("help: give at most one command")
}

// commandFlags returns the flags c parses, without running it.
func commandFlags(ctx context.Context, c command) (*flag.FlagSet, error) {
	var hr helpRequest
	err := c.run(ctx, &ui{stdout: io.Discard, stderr: io.Discard}, []string{"-h"})
	if errors.As(err, &hr) {
		return hr.fs, nil
	}
	if err == nil {
		err = errors.New("it did not parse -h")
	}
	return nil, fmt.Errorf("the flags of command %s: %w", c.name, err)
}

// writeUsage prints the command list.
func writeUsage(w io.Writer) {
	var b strings.Builder
	b.WriteString("credproc gets temporary AWS credentials for the member accounts of an AWS\n" +
		"Organization and caches them in the OS keyring.\n\nusage:\n")
	b.WriteString("  credproc COMMAND [FLAGS] [ARGS]\n")
	b.WriteString("  credproc [--profile P | SETTINGS]   (the credential_process line `setup` writes)\n\ncommands:\n")
	width := 0
	for _, n := range visibleNames() {
		width = max(width, len(n))
	}
	for _, c := range commands() {
		if !c.hidden {
			fmt.Fprintf(&b, "  %-*s  %s\n", width, c.name, c.summary)
		}
	}
	b.WriteString("\n`credproc help COMMAND` or `credproc COMMAND --help` shows a command's usage\n" +
		"and flags; `credproc help process` lists the SETTINGS.\n")
	io.WriteString(w, b.String())
}

// writeCommandHelp prints c's usage, summary and every flag with its help
// and default.
func writeCommandHelp(w io.Writer, c command, fs *flag.FlagSet) {
	var b strings.Builder
	for i, line := range c.usage {
		if i == 0 {
			b.WriteString("usage: " + line + "\n")
		} else {
			b.WriteString("       " + line + "\n")
		}
	}
	b.WriteString("\n" + c.summary + "\n")
	n := 0
	fs.VisitAll(func(f *flag.Flag) {
		if n == 0 {
			b.WriteString("\nflags:\n")
		}
		n++
		b.WriteString("  --" + f.Name)
		if v := flagPlaceholder(f); v != "" {
			b.WriteString(" " + v)
		}
		b.WriteString("\n        " + f.Usage)
		if d := f.DefValue; d != "" && d != "false" && d != "0" && d != "0s" && !strings.Contains(f.Usage, "default") {
			fmt.Fprintf(&b, " (default %s)", d)
		}
		b.WriteString("\n")
	})
	io.WriteString(w, b.String())
}

// placeholders name a flag's value in help, as README does.
var placeholders = map[string]string{
	"source": "NAME", "role-arn": "ARN", "session-name": "S", "external-id": "X", "duration": "D",
	"policy": "JSON", "mfa-serial": "ARN", "mfa-process": "CMD", "mfa-duration": "D", "region": "R",
	"endpoint-url": "URL", "refresh-window": "D", "profile": "P", "account": "ID", "role-name": "R",
	"prefix": "P", "destination": "URL", "format": "F", "management-account": "ID", "policy-arn": "ARN",
}

func flagPlaceholder(f *flag.Flag) string {
	if b, ok := f.Value.(interface{ IsBoolFlag() bool }); ok && b.IsBoolFlag() {
		return ""
	}
	if p, ok := placeholders[f.Name]; ok {
		return p
	}
	return "VALUE"
}

// suggest returns the candidate closest to s, if it is close enough to be
// a typo: at most two edits, or a prefix of at least two characters.
func suggest(s string, candidates []string) string {
	best, bestD := "", 3
	for _, c := range candidates {
		d := editDistance(s, c)
		if len(s) >= 2 && strings.HasPrefix(c, s) {
			d = min(d, 1)
		}
		if d < bestD || d == bestD && best != "" && c < best {
			best, bestD = c, d
		}
	}
	if bestD > 2 || bestD >= len(s) {
		return ""
	}
	return best
}

// editDistance is the optimal string alignment distance: insertions,
// deletions, substitutions and swaps of adjacent bytes each cost one.
func editDistance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// helpRequest is what parseFlags returns for -h or --help: run prints the
// command's help from it, and commandFlags reads the flags from it.
type helpRequest struct{ fs *flag.FlagSet }

func (helpRequest) Error() string { return "help requested" }

// flagError turns an error of fs.Parse(args) into what credproc reports:
// a helpRequest for -h/--help, else a usage error that names the flag as
// the user typed it (the flag package writes "-duration" for "--duration")
// and suggests the closest defined flag for an unknown one.
func flagError(fs *flag.FlagSet, args []string, err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return helpRequest{fs}
	}
	msg := credproc.AsTyped(err.Error(), args)
	var unknown string
	if strings.HasPrefix(msg, "flag provided but not defined") {
		for _, a := range args {
			if a == "--" {
				break
			}
			name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
			if strings.HasPrefix(a, "-") && a != "-" && fs.Lookup(name) == nil {
				unknown = name
			}
		}
	}
	ue := usageError{msg: msg}
	if _, ok := lookupCommand(fs.Name()); ok && fs.Name() != "process" {
		ue.msg = fs.Name() + ": " + msg
	}
	if unknown != "" {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		slices.Sort(names)
		if s := suggest(unknown, names); s != "" {
			ue.msg += fmt.Sprintf("; did you mean --%s?", s)
		}
	}
	return ue
}
