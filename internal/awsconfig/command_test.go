package awsconfig

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
)

var argTable = [][]string{
	{"credproc"},
	{"/usr/local/bin/credproc", "process", "--profile", "dev"},
	{"/Users/Jane Doe/bin/credproc", "process"},
	{"a b", "c d"},
	{""},
	{"", ""},
	{"x", ""},
	{"it's"},
	{"'"},
	{"''"},
	{"'a'"},
	{`"quoted"`, `"`, `a"b`},
	{"$HOME", "${X}", "$(id)", "`id`", "$"},
	{`back\slash`, `\`, `\\`, `a\'b`, `\"`, `\n`},
	{"#comment", ";", "a #b", "a ;b", "a\t#b", "x # y", "a  ;;b"},
	{"FOO=bar", "x=y"},
	{"if", "then"},
	{"*", "?", "[a]", "~", "~/x", "a*b"},
	{"&&", "|", ">", "<", "(", ")", "&", "a|b"},
	{"ünïcödé", "日本 語"},
	{"tab\there", "cr\rhere"},
	{"new\nline"},
	{`%s\0`, "100%"},
	{"-", "--", "-x=y", "--opt=a b"},
	{"a", "b'c", "d"},
	{"!", "!x", "{", "}", "{a,b}"},
	{"trailing space ", " leading", "  "},
	{"/opt/credproc", "process", "--account", "123456789012", "--role", "Admin Role"},
}

func TestJoinCommandExamples(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"/usr/bin/credproc", "process", "--profile", "dev"}, "/usr/bin/credproc process --profile dev"},
		{[]string{"credproc", "a b"}, "credproc 'a b'"},
		{[]string{"credproc", "it's"}, `credproc 'it'\''s'`},
		{[]string{"credproc", "'"}, `credproc \'`},
		{[]string{"credproc", ""}, "credproc ''"},
		{[]string{"credproc", "$HOME"}, "credproc '$HOME'"},
		{[]string{"credproc", "a #b"}, "credproc 'a ''#b'"},
		{[]string{"FOO=bar", "x=y"}, "'FOO=bar' x=y"},
		{[]string{"if"}, `'if'""`},
		{[]string{"/My Tools/credproc", "a b"}, `'/My Tools/credproc' 'a b'""`},
		{[]string{"/My Tools/credproc", "x"}, `'/My Tools/credproc' x`},
		{nil, ""},
	} {
		if got := JoinCommand(tc.args); got != tc.want {
			t.Errorf("JoinCommand(%q) = %s, want %s", tc.args, got, tc.want)
		}
	}
}

func TestJoinSplitRoundTrip(t *testing.T) {
	for _, args := range argTable {
		line := JoinCommand(args)
		got, err := SplitCommand(line)
		if err != nil || !reflect.DeepEqual(got, args) {
			t.Errorf("SplitCommand(%s) = %q, %v; want %q", line, got, err, args)
		}
		if strings.ContainsAny(strings.Join(args, ""), "\n\r") {
			continue
		}
		if err := CheckValue(line); err != nil {
			t.Errorf("JoinCommand(%q) = %s is not a valid value: %v", args, line, err)
		}
		if got := goSDKValue("credential_process = " + line); got != line {
			t.Errorf("the Go SDK would read %s as %s", line, got)
		}
	}
}

// goSDKValue mirrors how aws-sdk-go-v2's config/internal/ini reads a
// property line: it cuts " #", " ;", "\t#", "\t;" comments, trims, and
// strips one pair of surrounding quotes.
func goSDKValue(line string) string {
	for _, c := range []string{" #", " ;", "\t#", "\t;"} {
		line, _, _ = strings.Cut(line, c)
	}
	_, v, _ := strings.Cut(line, "=")
	v = strings.TrimSpace(v)
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		v = v[1 : len(v)-1]
	}
	return v
}

func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		line string
		want []string
		err  bool
	}{
		{"", nil, false},
		{"  \t ", nil, false},
		{"a b  c", []string{"a", "b", "c"}, false},
		{`'a b' "c d"`, []string{"a b", "c d"}, false},
		{`"a\"b" "a\\b" "a\$b" "a\nb"`, []string{`a"b`, `a\b`, `a\$b`, `a\nb`}, false},
		{`a\ b \'c`, []string{"a b", "'c"}, false},
		{`''`, []string{""}, false},
		{`x''y ""`, []string{"xy", ""}, false},
		{"'unterminated", nil, true},
		{`"unterminated`, nil, true},
		{`"ends with \`, nil, true},
		{`trailing\`, nil, true},
		{"a#b #c", []string{"a#b", "#c"}, false},
	} {
		got, err := SplitCommand(tc.line)
		if (err != nil) != tc.err || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("SplitCommand(%q) = %q, %v; want %q, err=%v", tc.line, got, err, tc.want, tc.err)
		}
	}
}

const shlexPy = `
import json, shlex, sys
for line in sys.stdin:
    s = json.loads(line)
    try:
        res = {"args": shlex.split(s)}
    except ValueError as e:
        res = {"error": str(e)}
    print(json.dumps(res), flush=True)
`

var shlexHelper pyHelper

// TestSplitCommandMatchesPython compares SplitCommand with Python's
// shlex.split, which botocore uses, on joined args and on hand-written lines.
func TestSplitCommandMatchesPython(t *testing.T) {
	lines := []string{
		"", " ", "a b", `'a b'c"d e"`, `"a\"b" "a\\b" "a\$b" "a\nb" "a\` + "`" + `b"`,
		`a\ b \'c \"d \\e`, `''`, `""`, `x''y`, "a\tb\rc\nd", "'unterminated", `"unterminated`,
		`"ends with \`, `trailing\`, "a#b #c", `'it'\''s'`, `"it's"`, `'"'`, `"'"`, "ünï 'cödé x'",
		`credproc process --profile 'a b'""`, `"a""b"`, `"\"`, `\\\\`, `'\'`,
	}
	for _, args := range argTable {
		lines = append(lines, JoinCommand(args))
	}
	for _, line := range lines {
		var r struct {
			Args  []string `json:"args"`
			Error string   `json:"error"`
		}
		q, err := json.Marshal(line)
		if err != nil {
			t.Fatal(err)
		}
		if !shlexHelper.query(t, shlexPy, string(q), &r) {
			t.Skip("python3 not found")
		}
		got, err := SplitCommand(line)
		if (err != nil) != (r.Error != "") {
			t.Errorf("SplitCommand(%q) err = %v, python: %q", line, err, r.Error)
			continue
		}
		if len(got) == 0 && len(r.Args) == 0 {
			continue
		}
		if !reflect.DeepEqual(got, r.Args) {
			t.Errorf("SplitCommand(%q) = %q, python shlex.split = %q", line, got, r.Args)
		}
	}
}

// TestJoinCommandShell checks that sh -c reads JoinCommand's output as the
// same argv, both as arguments and as the command word.
func TestJoinCommandShell(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("sh")
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("sh not found")
	}
	printArgs := func(env []string, line string) []string {
		t.Helper()
		cmd := exec.Command(sh, "-c", line)
		cmd.Env = env
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("sh -c %s: %v", line, err)
		}
		if len(out) == 0 {
			return nil
		}
		return strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	}
	for _, args := range argTable {
		line := `printf '%s\0' ` + JoinCommand(args)
		if got := printArgs(os.Environ(), line); !reflect.DeepEqual(got, args) {
			t.Errorf("sh -c %s printed %q, want %q", line, got, args)
		}
	}
	// The first word: a program found on PATH whose name needs quoting.
	dir := t.TempDir()
	env := append(os.Environ(), "PATH="+dir+string(os.PathListSeparator)+os.Getenv("PATH"), "FOO=wrong")
	for _, name := range []string{"FOO=bar", "if", "time", "my prog", "it's", "a#b", "x;y", "$HOME", "ünï"} {
		script := "#!/bin/sh\nprintf '%s\\0' \"$@\"\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
		args := []string{name, "arg one", "it's", ""}
		line := JoinCommand(args)
		if got := printArgs(env, line); !reflect.DeepEqual(got, args[1:]) {
			t.Errorf("sh -c %s printed %q, want %q", line, got, args[1:])
		}
	}
}
