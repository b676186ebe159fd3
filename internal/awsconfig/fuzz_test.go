package awsconfig

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

var loadSeeds = []string{
	messyConfig,
	crlf(messyConfig),
	"",
	"\n",
	"[default]",
	"[default]\nregion = x",
	"\ufeff[default]\r\nk=v\r\n",
	"[a]\nk =\n  x = 1\n\n  y = 2\n# c\n",
	"[profile a]\nregion = x\n\n[profile b]\n  region = y\n  [profile c]\n",
	"  [profile a]\n  region = x\n  [profile b]\n",
	"[default]\nregion = a\n[profile default]\nregion = b\n",
	"[profile \"q n\"]\nk = v\n[profile a b]\n[profilex y]\n",
	"[a]\nk: v = w\nK2=x\n",
	"[a]\r\nk = v\rx\n",
	"k = v\n",
	"[a\n",
	"[]\n",
	"[a]\nk = \"\"\"x\n",
	"[a]\ns3 =\n  bad\n",
	"[a]\nk = v\n  [b]\n",
	"[DEFAULT]\nk = v\n[profile x]\n",
	"[profile x]\nk = `x`\n",
	"# only a comment",
	"[profile a]\nregion = x\n# trailing\n\n\n",
}

// sectionsByHeader returns header -> keys for every section.
func sectionsByHeader(f *File) map[string]map[string]string {
	m := map[string]map[string]string{}
	for _, s := range f.Sections() {
		m[s.Header] = s.Keys
	}
	return m
}

func FuzzLoad(f *testing.F) {
	for _, s := range loadSeeds {
		f.Add([]byte(s), uint8(0))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, data []byte, op uint8) {
		kind := Config
		if op&1 != 0 {
			kind = Credentials
		}
		dir := t.TempDir()
		path := filepath.Join(dir, "config")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		file, err := Load(path, kind)
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("Load error is not a *ParseError: %v", err)
			}
			return
		}
		if !bytes.Equal(file.Bytes(), data) {
			t.Fatalf("Bytes() differs from the input")
		}
		before := sectionsByHeader(file)
		headersOf := func(name string) map[string]bool {
			hs := map[string]bool{}
			for _, b := range file.index[secID{TypeProfile, name}] {
				hs[b.header] = true
			}
			return hs
		}

		// Edit the first profile. (A profile name may be "", e.g.
		// [profile ''].)
		names := file.ProfileNames()
		doEdit := len(names) > 0
		var edit string
		editHeaders := map[string]bool{}
		if doEdit {
			edit = names[0]
			editHeaders = headersOf(edit)
		}
		const newName = "fuzz-new"
		if _, exists := before[file.headerFor(newName)]; exists {
			return
		}
		cmd := JoinCommand([]string{"/opt/credproc", "process", "--role", "Admin Role"})
		if doEdit {
			if err := file.SetProfile(edit, []KV{{"credential_process", cmd}, {"fuzz_key", "v"}}, []string{"region"}); err != nil {
				t.Fatalf("SetProfile(%q): %v", edit, err)
			}
		}
		if err := file.SetProfile(newName, []KV{{"region", "us-east-1"}}, nil); err != nil {
			t.Fatalf("SetProfile(new): %v", err)
		}
		if err := file.Save(); err != nil {
			// Save may refuse to write text that would not read back as
			// intended (e.g. gopkg.in/ini.v1 reads `k = """` differently once
			// a line follows it); it must then leave the file alone.
			strict := os.Getenv("AWSCONFIG_FUZZ_STRICT") != "" && !pathological(data) && file.otherErr == nil
			if !strings.HasPrefix(err.Error(), "not writing ") || strict {
				t.Fatalf("Save: %v\ninput:\n%q\nedited:\n%q", err, data, file.Bytes())
			}
			if disk, _ := os.ReadFile(path); !bytes.Equal(disk, data) {
				t.Fatalf("a refused Save changed the file")
			}
			return
		}
		again, err := Load(path, kind)
		if err != nil {
			t.Fatalf("reload: %v", err)
		}
		after := sectionsByHeader(again)
		for h, keys := range before {
			switch {
			case editHeaders[h]:
				want := map[string]string{}
				for k, v := range keys {
					want[k] = v
				}
				delete(want, "region")
				want["credential_process"] = cmd
				want["fuzz_key"] = "v"
				if !reflect.DeepEqual(after[h], want) {
					t.Errorf("edited [%s] = %q, want %q", h, after[h], want)
				}
			default:
				if !reflect.DeepEqual(after[h], keys) {
					t.Errorf("untouched [%s] changed: %q -> %q", h, keys, after[h])
				}
			}
		}
		if p, ok := again.Profile(newName); !ok || p.Get("region") != "us-east-1" {
			t.Errorf("new profile = %q, %v", p.Keys, ok)
		}
		if doEdit {
			if p, _ := again.Profile(edit); p.Get("credential_process") != cmd {
				t.Errorf("edited profile = %q", p.Keys)
			}
		}
	})
}

func FuzzSplitCommand(f *testing.F) {
	for _, args := range argTable {
		f.Add(strings.Join(args, "\x00"))
	}
	f.Add("a\x00\x00b")
	f.Add(`'"\ $x`)
	f.Fuzz(func(t *testing.T, s string) {
		args := strings.Split(s, "\x00")
		line := JoinCommand(args)
		got, err := SplitCommand(line)
		if err != nil || !reflect.DeepEqual(got, args) {
			t.Fatalf("SplitCommand(JoinCommand(%q)) = %q, %v (line %s)", args, got, err, line)
		}
		if !strings.ContainsAny(s, "\n\r") {
			for _, c := range []string{" #", " ;", "\t#", "\t;"} {
				if strings.Contains(line, c) {
					t.Fatalf("JoinCommand(%q) = %s contains %q", args, line, c)
				}
			}
			if goSDKValue("k = "+line) != strings.TrimSpace(line) {
				t.Fatalf("the Go SDK would misread %s", line)
			}
		}
		_, _ = SplitCommand(s) // never panics
	})
}

// pathological reports inputs for which a refused Save is expected: ini.v1
// multi-line quotes, and indented section headers (whose meaning depends on
// the key before them).
func pathological(data []byte) bool {
	if bytes.Contains(data, []byte(`"""`)) || bytes.Contains(data, []byte("`")) {
		return true
	}
	for _, l := range strings.Split(string(data), "\n") {
		if t := strings.TrimLeftFunc(l, isSpace); t != l && strings.HasPrefix(t, "[") {
			return true
		}
	}
	return false
}
