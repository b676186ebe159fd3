package awsconfig

import (
	"bufio"
	"encoding/json"
	"math/rand"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// botocoreSplitPy splits each JSON request {"p": platform, "s": line} on
// stdin with botocore's compat_shell_split and prints the argv as JSON, or
// {"error": ...}.
const botocoreSplitPy = importBotocore + `
import json, sys
for req in sys.stdin:
    r = json.loads(req)
    try:
        out = compat.compat_shell_split(r["s"], platform=r["p"])
    except ValueError as e:
        out = {"error": str(e)}
    print(json.dumps(out), flush=True)
`

// botocoreSplit splits each line on botocore's platform p ("win32" or
// "linux") in one python process; nil means botocore refused the line.
func botocoreSplit(t *testing.T, p string, lines []string) [][]string {
	t.Helper()
	var in strings.Builder
	for _, l := range lines {
		b, _ := json.Marshal(map[string]string{"p": p, "s": l})
		in.Write(b)
		in.WriteByte('\n')
	}
	cmd := exec.Command(systemPython, "-c", botocoreSplitPy)
	cmd.Stdin = strings.NewReader(in.String())
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var res [][]string
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var argv []string
		if json.Unmarshal(sc.Bytes(), &argv) != nil {
			argv = nil // {"error": ...}
		} else if argv == nil {
			argv = []string{}
		}
		res = append(res, argv)
	}
	if len(res) != len(lines) {
		t.Fatalf("botocore answered %d of %d lines", len(res), len(lines))
	}
	return res
}

// codecArgvs are generated command lines: Windows and Unix paths with
// spaces, and arguments made of blanks, quotes, backslashes and comment
// characters.
func codecArgvs(n int) [][]string {
	rng := rand.New(rand.NewSource(11))
	progs := []string{
		`C:\Users\me\bin\credproc.exe`, `C:\Program Files\credproc\credproc.exe`,
		`C:\Users\O'Brien\bin\credproc.exe`, `\\server\share\my tools\credproc.exe`,
		`D:\a b\c d\`, "/usr/local/bin/credproc", "/home/me/my bin/credproc", "credproc",
	}
	alphabet := []string{"a", "b", " ", "  ", "\t", `\`, `\\`, `"`, `'`, "#", ";", " #", "=", "C:", "ü", "$x", "`", "%"}
	argvs := [][]string{
		{`C:\Users\me\bin\credproc.exe`, "--source", "mgmt"},
		{`C:\Program Files\credproc\credproc.exe`, "--source", "mgmt", "--mfa-process", `C:\Program Files\Yubico\ykman.exe oath accounts code -s aws`},
		{`C:\Program Files\credproc\credproc.exe`, "--mfa-process", `"C:\Program Files\x.exe" --flag`},
		{`C:\x.exe`, ""}, {`C:\x.exe`, `a\`}, {`C:\x.exe`, `a b\`}, {`C:\x.exe`, `a b\\`}, {`C:\x.exe`, `\"`},
	}
	for len(argvs) < n {
		argv := []string{progs[rng.Intn(len(progs))]}
		for range 1 + rng.Intn(4) {
			var w strings.Builder
			for range rng.Intn(6) {
				w.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
			argv = append(argv, w.String())
		}
		argvs = append(argvs, argv)
	}
	return argvs
}

// TestCodecAgainstBotocore cross-checks the command-line codec of both
// platforms with botocore's compat_shell_split, in both directions: what
// credproc writes botocore splits back to the same argv, and what credproc
// reads from a line it splits as botocore does. Before the fix setup quoted
// a Windows path POSIX-style ('C:\…\credproc.exe'), which botocore's win32
// split keeps with its quotes, and credproc's own splitter read C:\Users as
// C:Users.
func TestCodecAgainstBotocore(t *testing.T) {
	needBotocore(t)
	argvs := codecArgvs(3000)
	rng := rand.New(rand.NewSource(12))
	chars := []string{"a", " ", "\t", `\`, `"`, `'`, "#", "b"}
	var randomLines []string
	for range 3000 {
		var l strings.Builder
		for range rng.Intn(10) {
			l.WriteString(chars[rng.Intn(len(chars))])
		}
		randomLines = append(randomLines, l.String())
	}
	for _, plat := range []struct{ goos, boto string }{{"windows", "win32"}, {"linux", "linux"}} {
		t.Run(plat.goos, func(t *testing.T) {
			var lines []string
			var want [][]string
			refused := 0
			for _, argv := range argvs {
				line := JoinCommandFor(plat.goos, argv)
				if err := CheckValue(line); err != nil {
					// Windows: a line with a quoted program and a last word
					// that is empty, # or ;, or ends in a blank or " starts and ends
					// with ", which the Go SDK strips: such lines are refused.
					last := argv[len(argv)-1]
					inherent := plat.goos == "windows" && strings.ContainsAny(argv[0], " \t") &&
						(last == "" || last == "#" || last == ";" || strings.ContainsAny(last[len(last)-1:], " \t\""))
					if !inherent {
						refused++
					}
					continue
				}
				got, err := SplitCommandFor(plat.goos, line)
				if err != nil || !reflect.DeepEqual(got, argv) {
					t.Errorf("%s: SplitCommandFor(%s) = %q, %v; want %q", plat.goos, line, got, err, argv)
				}
				lines = append(lines, line)
				want = append(want, argv)
			}
			if refused > 0 {
				t.Errorf("%d of %d generated command lines cannot be written", refused, len(argvs))
			}
			for i, got := range botocoreSplit(t, plat.boto, lines) {
				if !reflect.DeepEqual(got, want[i]) {
					t.Errorf("botocore (%s) splits %s into %q, want %q", plat.boto, lines[i], got, want[i])
				}
			}
			for i, boto := range botocoreSplit(t, plat.boto, randomLines) {
				got, err := SplitCommandFor(plat.goos, randomLines[i])
				if boto == nil {
					if err == nil {
						t.Errorf("botocore (%s) refuses %q, credproc splits it into %q", plat.boto, randomLines[i], got)
					}
					continue
				}
				if err != nil || (len(got) > 0 || len(boto) > 0) && !reflect.DeepEqual(got, boto) {
					t.Errorf("%q: botocore (%s) %q, credproc %q, %v", randomLines[i], plat.boto, boto, got, err)
				}
			}
		})
	}
}

// TestWindowsLines: the lines of the Windows findings, and lines that only
// quote where they must.
func TestWindowsLines(t *testing.T) {
	for _, tc := range []struct {
		argv []string
		line string
	}{
		{[]string{`C:\Users\me\bin\credproc.exe`, "--source", "mgmt"}, `C:\Users\me\bin\credproc.exe --source mgmt`},
		{[]string{`C:\Program Files\credproc.exe`, "--source", "mgmt"}, `"C:\Program Files\credproc.exe" --source mgmt`},
		{[]string{`C:\Program Files\credproc.exe`, "--mfa-process", "ykman oath code"}, `"C:\Program Files\credproc.exe" --mfa-process ykman" oath "code`},
		{[]string{`C:\x.exe`, "--mfa-process", "ykman oath code", "--region", "eu-west-1"}, `C:\x.exe --mfa-process "ykman oath code" --region eu-west-1`},
		{[]string{`C:\x.exe`, "a #b"}, `C:\x.exe "a "#b`},
	} {
		if got := JoinCommandFor("windows", tc.argv); got != tc.line {
			t.Errorf("JoinCommandFor(windows, %q) = %s, want %s", tc.argv, got, tc.line)
		}
		if got, err := SplitCommandFor("windows", tc.line); err != nil || !reflect.DeepEqual(got, tc.argv) {
			t.Errorf("SplitCommandFor(windows, %s) = %q, %v", tc.line, got, err)
		}
	}
}

// FuzzCommandCodec: on both platforms, a line JoinCommandFor writes and
// CheckValue accepts splits back into the same argv.
func FuzzCommandCodec(f *testing.F) {
	f.Add(`C:\Program Files\x.exe`, `a b\`, `"q"`)
	f.Add("/bin/x", "it's", " #x")
	f.Fuzz(func(t *testing.T, a, b, c string) {
		argv := []string{a, b, c}
		for _, goos := range []string{"windows", "linux"} {
			line := JoinCommandFor(goos, argv)
			if CheckValue(line) != nil {
				continue
			}
			got, err := SplitCommandFor(goos, line)
			if err != nil || !reflect.DeepEqual(got, argv) {
				t.Fatalf("%s: %q -> %s -> %q, %v", goos, argv, line, got, err)
			}
		}
	})
}
