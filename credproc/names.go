package credproc

import (
	"fmt"
	"strings"

	"github.com/credproc/credproc/internal/awsconfig"
)

// One rule per kind of name, checked by every command that takes one.

// maxSourceName leaves room for "credproc-" in the default session name
// (64 characters at most).
const maxSourceName = 55

// sourceExtras are the characters a source name may have besides letters,
// digits and '_': a subset of what a role session name allows, so the
// default session name "credproc-SOURCE" is always valid.
const sourceExtras = ".@+=-"

// CheckSourceName checks a source name as `add`, `remove` and --source take
// it (after an optional "keyring:" or "profile:" prefix): 1 to 55 ASCII
// letters, digits and _.@+=-. A name the keyring, the index, the session
// name and every AWS reader accept alike.
func CheckSourceName(name string) error {
	if !NameChars(name, 1, maxSourceName, sourceExtras) {
		return fmt.Errorf("invalid source name %q: use 1 to %d letters, digits and _%s", name, maxSourceName, sourceExtras)
	}
	return nil
}

// CheckProfileName checks a profile name as setup, init-role, console and
// --profile take it: the one rule of the config file writer (awsconfig).
func CheckProfileName(name string) error {
	return awsconfig.CheckProfileName(name)
}

// CheckSessionName checks a role session name (RoleSessionName): 2 to 64
// letters, digits and +=,.@_-.
func CheckSessionName(name string) error {
	if !validSessionName(name) {
		return fmt.Errorf("invalid session name %q: use 2 to 64 letters, digits and +=,.@_-", name)
	}
	return nil
}

// sourceBase is a --source value without its "keyring:" or "profile:"
// prefix.
func sourceBase(source string) string {
	if n, ok := strings.CutPrefix(source, KeyringPrefix); ok {
		return n
	}
	if n, ok := strings.CutPrefix(source, ProfilePrefix); ok {
		return n
	}
	return source
}
