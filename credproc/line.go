package credproc

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/credproc/credproc/internal/awsconfig"
)

// The credential_process line is settings' one wire format: Line writes it
// and ParseLine reads it back, both with the platform's command-line codec
// (awsconfig.JoinCommand/SplitCommand) and the flags of RegisterFlags.

// ErrNotCredproc marks a credential_process line that runs another program.
var ErrNotCredproc = errors.New("the line does not run credproc")

// Line renders the credential_process line that runs program with s.
func (s *Settings) Line(program string) string {
	return awsconfig.JoinCommand(append([]string{program}, s.Args()...))
}

// IsCredprocProgram reports whether prog, a command line's first word,
// names a credproc binary.
func IsCredprocProgram(prog string) bool {
	return strings.HasPrefix(strings.ToLower(filepath.Base(prog)), "credproc")
}

// ParseLine reads a credential_process line: it returns the program and
// the settings its flags give. An error says which part is wrong (it wraps
// ErrNotCredproc when the program is not credproc); the settings are not
// validated.
func ParseLine(line string) (program string, s *Settings, err error) {
	argv, err := awsconfig.SplitCommand(line)
	if err != nil {
		return "", nil, fmt.Errorf("cannot be split into a command: %w", err)
	}
	if len(argv) == 0 {
		return "", nil, errors.New("is empty")
	}
	if !IsCredprocProgram(argv[0]) {
		return argv[0], nil, fmt.Errorf("runs %s: %w", argv[0], ErrNotCredproc)
	}
	s, err = ParseArgs(argv[1:])
	return argv[0], s, err
}

// ParseArgs reads settings from a credential_process line's arguments (after
// the program; a leading "process" word is allowed).
func ParseArgs(args []string) (*Settings, error) {
	if len(args) > 0 && args[0] == "process" {
		args = args[1:]
	}
	fs := flag.NewFlagSet("credential_process", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var s Settings
	s.RegisterFlags(fs)
	if err := fs.Parse(args); err != nil {
		return nil, errors.New(AsTyped(err.Error(), args))
	}
	if rest := fs.Args(); len(rest) > 0 {
		return nil, fmt.Errorf("unexpected argument %q", rest[0])
	}
	return &s, nil
}
