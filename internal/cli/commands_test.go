package cli

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
)

// Every command answers -h with its FlagSet before doing anything, and
// every flag says what it is for.
func TestEveryFlagHasHelp(t *testing.T) {
	for _, c := range commands() {
		fs, err := commandFlags(context.Background(), c)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if c.summary == "" || len(c.usage) == 0 {
			t.Errorf("%s: no summary or usage", c.name)
		}
		for _, u := range c.usage {
			if !strings.HasPrefix(u, "credproc ") {
				t.Errorf("%s: usage %q does not start with \"credproc \"", c.name, u)
			}
		}
		fs.VisitAll(func(f *flag.Flag) {
			if strings.TrimSpace(f.Usage) == "" {
				t.Errorf("%s --%s has no help text", c.name, f.Name)
			}
		})
	}
}

// README's command table and the command table list the same usages.
func TestREADMECommandTable(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// The command table is the one under "## Commands"; other tables
	// (Performance) may start rows with a command too.
	_, section, _ := strings.Cut(string(readme), "\n## Commands\n")
	section, _, _ = strings.Cut(section, "\n## ")
	var inREADME []string
	for line := range strings.SplitSeq(section, "\n") {
		rest, ok := strings.CutPrefix(line, "| `credproc")
		if !ok {
			continue
		}
		usage, _, ok := strings.Cut(rest, "` |")
		if !ok {
			t.Fatalf("README row without a closing backquote: %s", line)
		}
		inREADME = append(inREADME, strings.ReplaceAll("credproc"+usage, `\|`, "|"))
	}
	var inTable []string
	for _, c := range commands() {
		if !c.hidden {
			inTable = append(inTable, c.usage...)
		}
	}
	for _, u := range inTable {
		if !slices.Contains(inREADME, u) {
			t.Errorf("README's command table lacks the row `%s`", u)
		}
	}
	for _, u := range inREADME {
		if !slices.Contains(inTable, u) {
			t.Errorf("README lists `%s`, which the command table does not", u)
		}
	}
	if len(inREADME) == 0 {
		t.Fatal("no command rows found in README.md")
	}
}

func TestHelpOutput(t *testing.T) {
	for _, args := range [][]string{{"setup", "-h"}, {"setup", "--help"}, {"help", "setup"}, {"setup", "member", "--source", "x", "-help"}} {
		var out, errOut bytes.Buffer
		u := &ui{stdout: &out, stderr: &errOut}
		if err := run(context.Background(), u, args); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		if errOut.Len() != 0 {
			t.Errorf("%v: stderr %q", args, errOut.String())
		}
		for _, want := range []string{
			"usage: credproc setup PROFILE --source NAME",
			"\n  --source NAME\n        keyring entry",
			"\n  --account ID\n        member account ID (12 digits)\n",
			"\n  --mfa-serial ARN\n        ARN or serial number of the MFA device\n",
			"\n  --role-name R\n        role name in the member account (default OrganizationAccountAccessRole)\n",
			"\n  --dry-run\n        with --org",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("%v: help lacks %q:\n%s", args, want, out.String())
			}
		}
	}
}

func TestSuggest(t *testing.T) {
	names := []string{"add", "remove", "setup", "list", "forget", "init-role", "console", "exec", "env", "doctor", "version", "help", "completion"}
	for in, want := range map[string]string{
		"setpu": "setup", "stup": "setup", "setupp": "setup", "doctr": "doctor", "docto": "doctor",
		"lsit": "list", "ex": "exec", "versoin": "version", "initrole": "init-role", "comp": "completion",
		"zzzzzz": "", "x": "", "": "", "a": "",
	} {
		if got := suggest(in, names); got != want {
			t.Errorf("suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestFlagErrorSpelling(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"setup", "p", "--duration", "x"}, `setup: invalid value "x" for flag --duration: `},
		{[]string{"setup", "p", "-duration=x"}, `setup: invalid value "x" for flag -duration: `},
		{[]string{"setup", "p", "--duration"}, `setup: flag needs an argument: --duration`},
		{[]string{"setup", "p", "--sourse", "m"}, `setup: flag provided but not defined: --sourse; did you mean --source?`},
		{[]string{"--profile"}, `flag needs an argument: --profile`},
		{[]string{"--bogus"}, `flag provided but not defined: --bogus`},
		{[]string{"forget", "--all=maybe"}, `forget: invalid boolean value "maybe" for --all: `},
		{[]string{"exec", "--profil", "x", "--", "true"}, `exec: flag provided but not defined: --profil; did you mean --profile?`},
	} {
		var out, errOut bytes.Buffer
		err := run(context.Background(), &ui{stdout: &out, stderr: &errOut}, tc.args)
		var ue usageError
		if !errors.As(err, &ue) {
			t.Errorf("%v: got %v, want a usage error", tc.args, err)
			continue
		}
		if !strings.HasPrefix(ue.msg, tc.want) {
			t.Errorf("%v: got %q, want it to start %q", tc.args, ue.msg, tc.want)
		}
		if !strings.HasPrefix(ue.hint, "run `credproc help ") {
			t.Errorf("%v: hint %q", tc.args, ue.hint)
		}
		if out.Len() != 0 {
			t.Errorf("%v: stdout %q", tc.args, out.String())
		}
	}
}
