package awsconfig

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	sdkconfig "github.com/aws/aws-sdk-go-v2/config"
)

// systemPython is Debian's python3, whose dist-packages hold the botocore
// the AWS CLI (package awscli) runs; another python3 on PATH may lack it.
const systemPython = "/usr/bin/python3"

// importBotocore imports botocore's modules: AWS CLI v2 (Debian's awscli)
// ships them as awscli.botocore, v1 as botocore.
const importBotocore = `
try:
    from awscli.botocore import configloader, compat
except ImportError:
    from botocore import configloader, compat
`

// botocoreReadPy reads file paths on stdin and prints, for each, the
// sections botocore.configloader.raw_config_parse returns, or its error.
const botocoreReadPy = importBotocore + `
import json, sys
raw_config_parse = configloader.raw_config_parse
for path in sys.stdin:
    try:
        out = {"sections": raw_config_parse(path.rstrip("\n"), parse_subsections=False)}
    except Exception as e:
        out = {"error": type(e).__name__}
    print(json.dumps(out), flush=True)
`

// needBotocore skips without botocore, and fails under CI, which installs it.
func needBotocore(t testing.TB) {
	t.Helper()
	if err := exec.Command(systemPython, "-c", importBotocore).Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("botocore is missing (apt-get install awscli): %v", err)
		}
		t.Skipf("botocore is missing: %v", err)
	}
}

type botocoreFile struct {
	Sections map[string]map[string]string `json:"sections"`
	Error    string                       `json:"error"`
}

// botocoreRead parses every path with botocore in one python process.
func botocoreRead(t testing.TB, paths []string) []botocoreFile {
	t.Helper()
	cmd := exec.Command(systemPython, "-c", botocoreReadPy)
	cmd.Stdin = strings.NewReader(strings.Join(paths, "\n") + "\n")
	cmd.Stderr = os.Stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("botocore: %v", err)
	}
	var res []botocoreFile
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	sc.Buffer(nil, 1<<26)
	for sc.Scan() {
		var r botocoreFile
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("botocore output: %v", err)
		}
		res = append(res, r)
	}
	if len(res) != len(paths) {
		t.Fatalf("botocore answered %d of %d files", len(res), len(paths))
	}
	return res
}

// goSDKCredentialProcess loads profile from the config file at path with
// aws-sdk-go-v2's shared config loader (what Terraform and every Go program
// use) and returns its credential_process. A panic is returned as an error.
func goSDKCredentialProcess(path, profile string) (v string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("the Go SDK panics: %v", r)
		}
	}()
	empty := filepath.Join(filepath.Dir(path), "no-credentials")
	sc, err := sdkconfig.LoadSharedConfigProfile(context.Background(), profile, func(o *sdkconfig.LoadSharedConfigOptions) {
		o.ConfigFiles = []string{path}
		o.CredentialsFiles = []string{empty}
	})
	if err != nil {
		return "", err
	}
	return sc.CredentialProcess, nil
}

// valueCandidates are the values the write-safety test tries: every
// printable ASCII string of up to two characters, every string of three
// from the characters INI readers treat specially, and hostile unicode.
func valueCandidates() []string {
	vs := []string{""}
	for a := byte(' '); a <= '~'; a++ {
		vs = append(vs, string(a))
		for b := byte(' '); b <= '~'; b++ {
			vs = append(vs, string([]byte{a, b}))
		}
	}
	special := "'\"`#; \t=[]\\a"
	for _, a := range special {
		for _, b := range special {
			for _, c := range special {
				vs = append(vs, string([]rune{a, b, c}))
			}
		}
	}
	vs = append(vs, "'''", `"""`, "'a'b'", `"a"b"`, "a \u00a0#b", "a\u00a0#b", "a\u3000;b", "a\u2028#b",
		"\u2028", "x\u2028", "\ufeffx", "x\ufeff", "a\ufeffb", "\u0085", "a\u0085b", "\x1c", "a\x1fb",
		"ünï", "'ünï'", "a\u200bb", "\u200b", "\u202eevil", "\u00a0x", "x\u00a0", "日本語 ;x", "a\x00b",
		"a\x7fb", "\xff", "a\tb", "a\t#b", "a\rb", "a\nb", "[profile x]", "x = y", "${HOME}", "%(x)s", "%")
	return vs
}

// TestWrittenValuesReadBack: every value CheckValue lets credproc write
// reads back unchanged in botocore and the Go SDK, and SafeText always
// makes a value CheckValue accepts. Before the fix a lone ' passed the
// check and made the Go SDK panic on the whole file.
func TestWrittenValuesReadBack(t *testing.T) {
	needBotocore(t)
	dir := t.TempDir()
	type entry struct{ path, profile, value string }
	var entries []entry
	var paths []string
	var f *File
	accepted := 0
	flush := func() {
		if f == nil {
			return
		}
		if err := f.Save(); err != nil {
			t.Fatalf("save %s: %v", f.path, err)
		}
		paths = append(paths, f.path)
		f = nil
	}
	for i, v := range valueCandidates() {
		if s := SafeText(v); CheckValue(s) != nil {
			t.Errorf("SafeText(%q) = %q, which CheckValue refuses: %v", v, s, CheckValue(s))
		}
		if CheckValue(v) != nil {
			continue
		}
		accepted++
		if f == nil {
			var err error
			if f, err = Load(filepath.Join(dir, fmt.Sprintf("config-%d", len(paths))), Config); err != nil {
				t.Fatal(err)
			}
		}
		name := fmt.Sprintf("p%d", i)
		if err := f.SetProfile(name, []KV{{"credential_process", v}}, nil); err != nil {
			t.Fatalf("SetProfile(%q): %v", v, err)
		}
		entries = append(entries, entry{f.path, name, v})
		if len(entries)%200 == 0 {
			flush()
		}
	}
	flush()
	t.Logf("%d values accepted, written to %d files", accepted, len(paths))

	boto := map[string]botocoreFile{}
	for i, r := range botocoreRead(t, paths) {
		boto[paths[i]] = r
	}
	for _, e := range entries {
		b := boto[e.path]
		if b.Error != "" {
			t.Fatalf("botocore refuses %s: %s", e.path, b.Error)
		}
		if got, ok := b.Sections["profile "+e.profile]["credential_process"]; !ok || got != e.value {
			t.Errorf("botocore reads %q as %q", e.value, got)
		}
		got, err := goSDKCredentialProcess(e.path, e.profile)
		if err != nil {
			t.Fatalf("Go SDK, value %q: %v", e.value, err)
		}
		if got != e.value {
			t.Errorf("the Go SDK reads %q as %q", e.value, got)
		}
	}
}

// FuzzCheckValue: whatever CheckValue accepts, the Go SDK's config loader
// reads back unchanged, without panicking.
func FuzzCheckValue(f *testing.F) {
	for _, v := range []string{"'", `"`, "'''", "a #b", "x", "'a'b", "\ufeff", "a\u00a0;"} {
		f.Add(v)
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, v string) {
		if s := SafeText(v); CheckValue(s) != nil {
			t.Fatalf("SafeText(%q) = %q, which CheckValue refuses", v, s)
		}
		if CheckValue(v) != nil {
			return
		}
		path := filepath.Join(dir, "config")
		text := "[profile p]\ncredential_process = " + v + "\n"
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := goSDKCredentialProcess(path, "p")
		if err != nil {
			t.Fatalf("value %q: %v", v, err)
		}
		if got != v {
			t.Fatalf("the Go SDK reads %q as %q", v, got)
		}
	})
}
