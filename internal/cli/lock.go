package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/prompt"
)

// unlockTimeoutEnv sets how long the key file stays unlocked after the
// passphrase was typed (default 12h).
const unlockTimeoutEnv = "CREDPROC_UNLOCK_TIMEOUT"

// configureFileStore lets the encrypted key file ask for its passphrase on
// the terminal, and keep it unlocked for the configured time.
func configureFileStore(st *cache.Store) {
	fs := st.FileStore()
	if fs == nil {
		return
	}
	fs.Passphrase = askPassphrase(fs.Dir())
	if d, err := credproc.ParseDuration(os.Getenv(unlockTimeoutEnv)); err == nil && d > 0 {
		fs.Timeout = d
	}
}

// askPassphrase asks on the terminal, twice when the file is created.
func askPassphrase(dir string) func(confirm bool) (string, error) {
	return func(confirm bool) (string, error) {
		t, err := prompt.Open()
		if err != nil {
			return "", err
		}
		defer t.Close()
		if !confirm {
			return t.ReadSecret(fmt.Sprintf("credproc: passphrase of the key file in %s: ", credproc.TildePath(dir)))
		}
		t.Printf("credproc: no Secret Service here: source keys go to an encrypted file in %s\n", credproc.TildePath(dir))
		p1, err := t.ReadSecret("credproc: new passphrase for the key file: ")
		if err != nil {
			return "", err
		}
		p2, err := t.ReadSecret("credproc: the same passphrase again: ")
		if err != nil {
			return "", err
		}
		if p1 != p2 {
			return "", errors.New("the two passphrases differ")
		}
		return p1, nil
	}
}

// cmdUnlock asks for the key file's passphrase and keeps the file unlocked
// (in the kernel keyring) for a while, so commands without a terminal (an
// IDE, a script) can read source keys.
func cmdUnlock(_ context.Context, u *ui, args []string) error {
	fs := newFlagSet("unlock")
	timeout := fs.Duration("timeout", cache.DefaultUnlockTimeout, "how long the key file stays unlocked (also $"+unlockTimeoutEnv+")")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unlock takes no arguments")
	}
	st := openStore()
	f := st.FileStore()
	if f == nil || !f.Exists() {
		return &credproc.Error{Msg: "there is no encrypted key file to unlock", Hint: "it is made by `credproc add NAME` where no Secret Service runs (or with CREDPROC_KEYRING=file)"}
	}
	if !isSet(fs, "timeout") {
		if d, err := credproc.ParseDuration(os.Getenv(unlockTimeoutEnv)); err == nil && d > 0 {
			*timeout = d
		}
	}
	if *timeout <= 0 {
		return usagef("unlock: --timeout must be positive")
	}
	f.Timeout = *timeout
	if _, err := f.Unlock(); err != nil {
		if errors.Is(err, cache.ErrLocked) {
			return &credproc.Error{Msg: "unlock: no terminal to ask for the passphrase on", Hint: "run `credproc unlock` in a terminal", Err: err}
		}
		return &credproc.Error{Msg: "unlock: " + err.Error(), Err: err}
	}
	u.infof("unlocked the key file in %s for %s", credproc.TildePath(f.Dir()), credproc.FormatDuration(f.Timeout.Round(time.Second)))
	return nil
}

// cmdLock forgets the unlocked key file's identity at once.
func cmdLock(_ context.Context, u *ui, args []string) error {
	pos, err := parseFlags(newFlagSet("lock"), args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("lock takes no arguments")
	}
	f := openStore().FileStore()
	if f == nil {
		return &credproc.Error{Msg: "there is no encrypted key file to lock"}
	}
	if err := f.Lock(); err != nil {
		return &credproc.Error{Msg: "lock: " + err.Error(), Err: err}
	}
	u.infof("locked the key file in %s: the next use asks for its passphrase", credproc.TildePath(f.Dir()))
	return nil
}

// isSet reports whether flag name was given on the command line.
func isSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}
