// Package prompt talks to the user's terminal directly. credproc's stdout
// carries credentials and the AWS CLI hides its stderr, and some SDKs give
// the helper a stdin that never closes, so prompts open the controlling
// terminal itself and never read stdin.
package prompt

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"golang.org/x/term"
)

// ErrNoTerminal means there is no terminal to ask the user on.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// Terminal is the user's terminal, opened for one conversation.
type Terminal struct {
	in, out *os.File
	r       *bufio.Reader
}

// Open opens the controlling terminal. It fails at once, with an error
// wrapping ErrNoTerminal, when the process has none.
func Open() (*Terminal, error) {
	in, out, err := openTTY()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTerminal, err)
	}
	return &Terminal{in: in, out: out, r: bufio.NewReader(in)}, nil
}

// Close releases the terminal.
func (t *Terminal) Close() {
	t.in.Close()
	if t.out != t.in {
		t.out.Close()
	}
}

// Printf writes a message to the terminal.
func (t *Terminal) Printf(format string, a ...any) {
	fmt.Fprintf(t.out, format, a...)
}

// ReadLine shows msg and reads one line, echoed.
func (t *Terminal) ReadLine(msg string) (string, error) {
	fmt.Fprint(t.out, msg)
	line, err := t.r.ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("read from terminal: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// ReadSecret shows msg and reads one line without echo.
func (t *Terminal) ReadSecret(msg string) (string, error) {
	fmt.Fprint(t.out, msg)
	b, err := term.ReadPassword(int(t.in.Fd()))
	fmt.Fprintln(t.out)
	if err != nil {
		return "", fmt.Errorf("read from terminal: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}
