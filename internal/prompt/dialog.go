package prompt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"runtime"
	"strings"
)

// ErrNoDialog means no desktop dialog can be shown here.
var ErrNoDialog = errors.New("no desktop dialog can be shown")

// Dialog is a desktop dialog program that asks for one line of text.
type Dialog struct {
	// Argv is the command; the answer is its stdout.
	Argv []string
}

// FindDialog picks the dialog program for this desktop: zenity or kdialog
// on Linux and the BSDs when DISPLAY or WAYLAND_DISPLAY is set, osascript on
// macOS, PowerShell's credential prompt on Windows. text is the question
// (it names the MFA device); it goes on the dialog's command line, the
// answer never does.
func FindDialog(getenv func(string) string, title, text string) (*Dialog, error) {
	look := func(name string) (string, bool) {
		p, err := exec.LookPath(name)
		return p, err == nil
	}
	switch runtime.GOOS {
	case "darwin":
		if p, ok := look("osascript"); ok {
			script := fmt.Sprintf("text returned of (display dialog %s default answer \"\" with hidden answer with title %s)", appleString(text), appleString(title))
			return &Dialog{Argv: []string{p, "-e", script}}, nil
		}
	case "windows":
		for _, name := range []string{"powershell.exe", "pwsh.exe"} {
			if p, ok := look(name); ok {
				ps := fmt.Sprintf("$c = $Host.UI.PromptForCredential(%s, %s, 'mfa', ''); if ($c) { $c.GetNetworkCredential().Password } else { exit 1 }", psString(title), psString(text))
				return &Dialog{Argv: []string{p, "-NoProfile", "-NonInteractive", "-Command", ps}}, nil
			}
		}
	default:
		if getenv("DISPLAY") == "" && getenv("WAYLAND_DISPLAY") == "" {
			return nil, ErrNoDialog
		}
		if p, ok := look("zenity"); ok {
			return &Dialog{Argv: []string{p, "--entry", "--title=" + title, "--text=" + text}}, nil
		}
		if p, ok := look("kdialog"); ok {
			return &Dialog{Argv: []string{p, "--title", title, "--inputbox", text}}, nil
		}
	}
	return nil, ErrNoDialog
}

// Ask shows the dialog and returns what the user typed. Cancelling (the
// program exiting non-zero) is an error.
func (d *Dialog) Ask(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, d.Argv[0], d.Argv[1:]...)
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Run(); err != nil {
		if ctx.Err() != nil {
			return "", fmt.Errorf("the dialog got no answer in time: %w", ctx.Err())
		}
		return "", fmt.Errorf("the dialog (%s) was cancelled or failed: %w", d.Argv[0], err)
	}
	return strings.TrimSpace(out.String()), nil
}

// appleString quotes s for AppleScript.
func appleString(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

// psString quotes s for PowerShell (single quotes, doubled inside).
func psString(s string) string {
	return "'" + strings.ReplaceAll(s, "'", "''") + "'"
}
