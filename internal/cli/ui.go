package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/credproc/credproc/credproc"
)

// The output rules live here. stdout is data only: the credential JSON in
// credential_process mode, tables and export lines elsewhere. Everything
// for people goes to stderr, prefixed "credproc: ", lower-case, one line
// for the error and at most one more for the hint. No message ever holds a
// secret: callers pass names, ARNs and AWS error codes, never keys.
type ui struct {
	stdout, stderr io.Writer
}

// usageError is a command line that could not be understood (exit 2).
// Its hint defaults to where the usage is.
type usageError struct{ msg, hint string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{msg: fmt.Sprintf(format, a...)} }

func (u *ui) infof(format string, a ...any) {
	fmt.Fprintf(u.stderr, "credproc: "+format+"\n", a...)
}

func (u *ui) warnf(format string, a ...any) {
	fmt.Fprintf(u.stderr, "credproc: warning: "+format+"\n", a...)
}

// fail reports err and returns the exit code.
func (u *ui) fail(err error) int {
	var ee exitError
	if errors.As(err, &ee) {
		return ee.code // already reported: by exec's command, or by credproc
	}
	fmt.Fprintf(u.stderr, "credproc: error: %s\n", oneLine(err.Error()))
	var ue usageError
	if errors.As(err, &ue) {
		h := ue.hint
		if h == "" {
			h = "run `credproc help` for usage"
		}
		fmt.Fprintf(u.stderr, "credproc: hint: %s\n", oneLine(h))
		return 2
	}
	if h := credproc.Hint(err); h != "" {
		fmt.Fprintf(u.stderr, "credproc: hint: %s\n", oneLine(h))
	}
	return 1
}

// oneLine keeps a message on one line whatever an underlying error held.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
