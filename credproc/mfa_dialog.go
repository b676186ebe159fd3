package credproc

import (
	"context"
	"fmt"
	"time"

	"github.com/credproc/credproc/internal/prompt"
)

// dialogTimeout bounds how long a dialog waits for its answer.
const dialogTimeout = 2 * time.Minute

// findDialog picks the desktop dialog to ask for s's MFA code in.
func (r *Resolver) findDialog(s *Settings) (*prompt.Dialog, error) {
	return prompt.FindDialog(r.getenv, "credproc", fmt.Sprintf("MFA code for %s", s.MFASerial))
}

// withDialogCode is withMFACode's terminal loop in a desktop dialog, for
// callers without a terminal (an IDE running credential_process). It runs
// under the key's lock, so a storm of parallel calls shows one dialog.
func withDialogCode[T any](ctx context.Context, r *Resolver, s *Settings, d *prompt.Dialog, call func(code string) (T, error)) (T, error) {
	var zero T
	for try := 1; ; try++ {
		dctx, cancel := context.WithTimeout(ctx, dialogTimeout)
		code, err := d.Ask(dctx)
		cancel()
		if err != nil {
			return zero, &Error{Msg: fmt.Sprintf("MFA code for %s: %v", s.MFASerial, err),
				Hint: "run the command in a terminal, or give the profile a code source with `credproc setup … --mfa-process CMD`", Err: err}
		}
		if !validCode(code) {
			if try < maxCodeTries {
				continue
			}
			return zero, &Error{Msg: fmt.Sprintf("no valid MFA code for %s after %d tries", s.MFASerial, try)}
		}
		out, err := call(code)
		if err == nil || !isBadMFACode(err) || try >= maxCodeTries {
			return out, err
		}
		r.notice("that MFA code was not accepted; asking for the next one")
	}
}
