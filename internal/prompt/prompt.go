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
	"time"

	"golang.org/x/term"
)

// ErrNoTerminal means there is no terminal to ask the user on.
var ErrNoTerminal = errors.New("no terminal to prompt on")

// ErrTimeout means nobody answered a prompt before its deadline.
var ErrTimeout = errors.New("no answer at the terminal")

// DefaultTimeout is how long a prompt waits for an answer; TimeoutEnv
// overrides it. A caller may hold a lock while it asks, so every prompt
// ends.
const (
	DefaultTimeout = 2 * time.Minute
	TimeoutEnv     = "CREDPROC_PROMPT_TIMEOUT"
)

// Terminal is the user's terminal, opened for one conversation.
type Terminal struct {
	in, out *os.File
	r       *bufio.Reader
	// Timeout bounds each read; after one runs out the Terminal refuses
	// further reads (the abandoned read still owns the input).
	Timeout time.Duration
	expired bool
}

// Open opens the controlling terminal. It fails at once, with an error
// wrapping ErrNoTerminal, when the process has none.
func Open() (*Terminal, error) {
	in, out, err := openTTY()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoTerminal, err)
	}
	return &Terminal{in: in, out: out, r: bufio.NewReader(in), Timeout: timeoutFromEnv()}, nil
}

// timeoutFromEnv is TimeoutEnv as a Go duration, or DefaultTimeout.
func timeoutFromEnv() time.Duration {
	if d, err := time.ParseDuration(os.Getenv(TimeoutEnv)); err == nil && d > 0 {
		return d
	}
	return DefaultTimeout
}

// withDeadline runs read, giving up after t.Timeout; restore runs when it
// gives up (to undo terminal modes the read set).
func (t *Terminal) withDeadline(read func() (string, error), restore func()) (string, error) {
	if t.expired {
		return "", ErrTimeout
	}
	type result struct {
		s   string
		err error
	}
	ch := make(chan result, 1)
	go func() {
		s, err := read()
		ch <- result{s, err}
	}()
	timer := time.NewTimer(t.Timeout)
	defer timer.Stop()
	select {
	case r := <-ch:
		return r.s, r.err
	case <-timer.C:
		t.expired = true
		if restore != nil {
			restore()
		}
		fmt.Fprintln(t.out)
		return "", fmt.Errorf("%w within %s", ErrTimeout, t.Timeout)
	}
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

// ReadLine shows msg and reads one line, echoed, within t.Timeout.
func (t *Terminal) ReadLine(msg string) (string, error) {
	fmt.Fprint(t.out, msg)
	return t.withDeadline(func() (string, error) {
		line, err := t.r.ReadString('\n')
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
		return strings.TrimSpace(line), nil
	}, nil)
}

// ReadSecret shows msg and reads one line without echo, within t.Timeout.
func (t *Terminal) ReadSecret(msg string) (string, error) {
	fmt.Fprint(t.out, msg)
	fd := int(t.in.Fd())
	state, stateErr := term.GetState(fd)
	restore := func() {
		if stateErr == nil {
			term.Restore(fd, state)
		}
	}
	return t.withDeadline(func() (string, error) {
		b, err := term.ReadPassword(fd)
		fmt.Fprintln(t.out)
		if err != nil {
			return "", fmt.Errorf("read from terminal: %w", err)
		}
		return strings.TrimSpace(string(b)), nil
	}, restore)
}
