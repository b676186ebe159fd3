// Package cli is credproc's command line: it parses flags, calls the
// credproc and cache packages, and reports through ui.go's output rules.
package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
)

const usage = `usage:
  credproc [--profile P | SETTINGS]   print credential_process JSON (the line setup writes)
  credproc add NAME [--env]           store an IAM user's access key in the keyring
  credproc remove NAME                delete a stored key and the sessions made from it
  credproc import [PROFILE...] [--all] [--dry-run] [--remove-temporary] [--session]
                                      move plaintext keys from the AWS files into the keyring
  credproc rotate NAME [--mfa-serial ARN] [--mfa-process CMD]
                                      replace a stored key with a new one (IAM CreateAccessKey)
  credproc unlock [--timeout D]       type the key file's passphrase once for a while (no Secret Service)
  credproc lock                       forget the key file's passphrase now
  credproc setup PROFILE --source NAME (--account ID [--role-name R] | --role-arn ARN) [SETTINGS]
                                      write a credential_process profile to the AWS config file
  credproc list                       show sources and cached sessions (never secrets)
  credproc forget [PROFILE | --all]   drop cached sessions
  credproc setup --org --source NAME [--role-name R | --roles R1,R2] [--prefix P] [--ou OU_ID]...
                 [--name-template T] [--prune] [--mfa-serial ARN] [--dry-run]
                                      write a profile for every member account of the organization
  credproc init-role --profile ADMIN --management-account ID [--role-name R] [--require-mfa]
                     [--policy-arn ARN] [--dry-run] [--update] [--source NAME [--mfa-serial ARN [--mfa-process CMD]]]
                                      create OrganizationAccountAccessRole in an invited account
  credproc console [--profile P] [--destination URL] [--print] [--duration D]
                                      open the AWS console as the profile's role
  credproc exec [--server] --profile P -- COMMAND [ARGS...]
                                      run a command with the profile's credentials
  credproc exec --org --source NAME [--role-name R] [--accounts ID,...] [--ou OU_ID]... [--exclude ID,...]
                [--parallel N] [--mfa-serial ARN] [--mfa-process CMD] [--output-dir DIR] [--server] -- COMMAND [ARGS...]
                                      run a command once in every member account of the organization
  credproc env --profile P [--format sh|fish|powershell|json]
                                      print the credentials as environment settings
  credproc doctor [--profile P]       check each step of the chain and say what to fix
  credproc version                    print the version, revision, Go version and platform

SETTINGS (on the credential_process line):
  --source NAME --role-arn ARN --session-name S --external-id X --duration D --policy JSON
  --mfa-serial ARN --mfa-process CMD --mfa-duration D --mfa-direct
  --region R --endpoint-url URL --refresh-window D --mfa-prompt terminal|dialog|auto --no-session
`

// Main runs credproc with args (without the program name) and returns the
// exit code.
func Main(args []string) int {
	u := &ui{stdout: os.Stdout, stderr: os.Stderr}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, u, args); err != nil {
		return u.fail(err)
	}
	return 0
}

func run(ctx context.Context, u *ui, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") && args[0] != "-h" && args[0] != "--help" && args[0] != "--version" {
		return cmdProcess(ctx, u, args)
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "process":
		return cmdProcess(ctx, u, rest)
	case "add":
		return cmdAdd(ctx, u, rest)
	case "remove":
		return cmdRemove(u, rest)
	case "import":
		return cmdImport(ctx, u, rest)
	case "rotate":
		return cmdRotate(ctx, u, rest)
	case "unlock":
		return cmdUnlock(ctx, u, rest)
	case "lock":
		return cmdLock(ctx, u, rest)
	case "setup":
		return cmdSetup(ctx, u, rest)
	case "list":
		return cmdList(u, rest)
	case "forget":
		return cmdForget(u, rest)
	case "init-role":
		return cmdInitRole(ctx, u, rest)
	case "console":
		return cmdConsole(ctx, u, rest)
	case "exec":
		return cmdExec(ctx, u, rest)
	case "env":
		return cmdEnv(ctx, u, rest)
	case "doctor":
		return cmdDoctor(ctx, u, rest)
	case "version", "--version":
		return cmdVersion(u, rest)
	case "help", "-h", "--help":
		fmt.Fprint(u.stdout, usage)
		return nil
	}
	return usagef("unknown command %q", cmd)
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
			if errors.Is(err, flag.ErrHelp) {
				return nil, usagef("%s: see `credproc help`", fs.Name())
			}
			return nil, usagef("%s: %v", fs.Name(), err)
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
	fs := newFlagSet("credproc")
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
		name, err := profileName("credproc", *profile)
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
	c, err := r.Credentials(ctx, &s)
	if err != nil {
		return err
	}
	_, err = u.stdout.Write(append(credproc.NewProcessOutput(c).AppendJSON(nil), '\n'))
	return err
}
