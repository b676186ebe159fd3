//go:build unix

package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// completionWorld is a world with two profiles in the config file and a
// source in the keyring index, for the completion scripts to find.
func completionWorld(t *testing.T) *world {
	w := e2e(t)
	w.addSource(t, "mgmt")
	for _, p := range []string{"member", "prod-eu"} {
		if _, stderr, err := w.run("setup", p, "--source", "mgmt", "--account", memberAccount); err != nil {
			t.Fatalf("setup %s: %v\n%s", p, err, stderr)
		}
	}
	return w
}

// shell runs script in a real shell in the world's environment.
func (w *world) shell(t *testing.T, sh string, args ...string) string {
	t.Helper()
	path, err := exec.LookPath(sh)
	requireReal(t, err == nil, sh+" (Debian package "+sh+")")
	cmd := exec.Command(path, args...)
	cmd.Env = append([]string{}, w.env...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", sh, args, err, out)
	}
	return string(out)
}

func (w *world) completionScript(t *testing.T, shell string) string {
	t.Helper()
	stdout, stderr, err := w.run("completion", shell)
	if err != nil || stderr != "" {
		t.Fatalf("completion %s: %v\n%s", shell, err, stderr)
	}
	f := filepath.Join(t.TempDir(), "credproc."+shell)
	if err := os.WriteFile(f, []byte(stdout), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

// bashComplete asks the script loaded the way README says what bash would
// offer for the words typed so far (the last one is being completed).
func bashComplete(t *testing.T, w *world, script string, words ...string) []string {
	t.Helper()
	quoted := make([]string, len(words))
	for i, s := range words {
		quoted[i] = "'" + s + "'"
	}
	out := w.shell(t, "bash", "--norc", "--noprofile", "-c", `
set -e
source "$1"
spec=$(complete -p credproc)
[ "$spec" = "complete -F _credproc credproc" ] || { echo "complete -p: $spec"; exit 1; }
fn=$(echo "$spec" | sed -n 's/.*-F \([^ ]*\) .*/\1/p')
COMP_WORDS=(`+strings.Join(quoted, " ")+`)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_LINE="${COMP_WORDS[*]}"
COMP_POINT=${#COMP_LINE}
"$fn" credproc "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD-1]}"
printf '%s\n' "${COMPREPLY[@]}"
`, "bash", script)
	return strings.Fields(out)
}

func TestCompletionBash(t *testing.T) {
	w := completionWorld(t)
	script := w.completionScript(t, "bash")
	w.shell(t, "bash", "-n", script)
	for _, tc := range []struct {
		words []string
		want  []string
	}{
		{[]string{"credproc", "se"}, []string{"setup"}},
		{[]string{"credproc", "e"}, []string{"env", "exec"}},
		{[]string{"credproc", "--profile", ""}, []string{"member", "prod-eu"}},
		{[]string{"credproc", "env", "--profile", "pr"}, []string{"prod-eu"}},
		{[]string{"credproc", "exec", "--profile", ""}, []string{"member", "prod-eu"}},
		{[]string{"credproc", "setup", "x", "--source", ""}, []string{"member", "mgmt", "prod-eu"}},
		{[]string{"credproc", "remove", ""}, []string{"mgmt"}},
		{[]string{"credproc", "forget", "m"}, []string{"member"}},
		{[]string{"credproc", "env", "--format", "p"}, []string{"powershell"}},
		{[]string{"credproc", "setup", "x", "--mfa-s"}, []string{"--mfa-serial"}},
		{[]string{"credproc", "add", "x", "--"}, []string{"--env", "--help"}},
		{[]string{"credproc", "completion", ""}, []string{"bash", "fish", "powershell", "zsh"}},
		{[]string{"credproc", "help", "do"}, []string{"doctor"}},
		{[]string{"credproc", "--ver"}, []string{"--version"}},
		{[]string{"credproc", "setup", "x", "--account", ""}, nil},
	} {
		got := bashComplete(t, w, script, tc.words...)
		slices.Sort(got)
		if !slices.Equal(got, tc.want) {
			t.Errorf("%q: bash offers %q, want %q", tc.words, got, tc.want)
		}
	}
}

func TestCompletionZsh(t *testing.T) {
	w := completionWorld(t)
	script := w.completionScript(t, "zsh")
	w.shell(t, "zsh", "-n", script)
	out := w.shell(t, "zsh", "-f", "-c", `autoload -U compinit && compinit -u -D && source "$1" && print -r -- "$_comps[credproc]"`, "zsh", script)
	if strings.TrimSpace(out) != "_credproc" {
		t.Errorf("zsh: credproc completes with %q, want _credproc", out)
	}
}

func TestCompletionFish(t *testing.T) {
	w := completionWorld(t)
	script := w.completionScript(t, "fish")
	w.shell(t, "fish", "--no-execute", script)
	complete := func(line string) []string {
		out := w.shell(t, "fish", "--no-config", "-c", `source $argv[1]; complete -C $argv[2]`, script, line)
		var got []string
		for l := range strings.Lines(out) {
			word, _, _ := strings.Cut(strings.TrimRight(l, "\n"), "\t")
			got = append(got, word)
		}
		slices.Sort(got)
		return got
	}
	for line, want := range map[string][]string{
		"credproc se":               {"setup"},
		"credproc --profile ":       {"member", "prod-eu"},
		"credproc env --profile m":  {"member"},
		"credproc remove ":          {"mgmt"},
		"credproc setup x --mfa-se": {"--mfa-serial"},
	} {
		if got := complete(line); !slices.Equal(got, want) {
			t.Errorf("fish: %q completes to %q, want %q", line, got, want)
		}
	}
}

func TestCompletionPowerShell(t *testing.T) {
	w := e2e(t)
	stdout, _, err := w.run("completion", "powershell")
	if err != nil || !strings.Contains(stdout, "Register-ArgumentCompleter -Native -CommandName credproc") {
		t.Fatalf("completion powershell: %v\n%s", err, stdout)
	}
	// PowerShell is not packaged for Debian, so CI cannot load the script.
	if _, err := exec.LookPath("pwsh"); err != nil {
		t.Skip("pwsh not installed (not in Debian's archive)")
	}
	script := filepath.Join(t.TempDir(), "c.ps1")
	os.WriteFile(script, []byte(stdout), 0o600)
	out := w.shell(t, "pwsh", "-NoProfile", "-Command", ". "+script+"; (TabExpansion2 -inputScript 'credproc se' -cursorColumn 11).CompletionMatches.CompletionText")
	if strings.TrimSpace(out) != "setup" {
		t.Errorf("pwsh: 'credproc se' completes to %q", out)
	}
}

func TestCompletionBadShell(t *testing.T) {
	w := e2e(t)
	stdout, stderr, err := w.run("completion", "tcsh")
	if err == nil || stdout != "" || !strings.Contains(stderr, `credproc: error: completion: unknown shell "tcsh"`) {
		t.Errorf("completion tcsh: %v, stdout %q, stderr %q", err, stdout, stderr)
	}
}
