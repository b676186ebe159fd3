package awsconfig

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/diff"
)

// messyConfig is a realistic hand-edited config file.
const messyConfig = `# AWS CLI config, hand edited
; a semicolon comment

[default]
region = us-east-1
output	=	json
cli_pager=
s3 =
    max_concurrent_requests = 20
    # a comment between nested settings
    max_queue_size = 10000

[profile dev]   
# the dev account
region: eu-west-1
Role_Arn = arn:aws:iam::123456789012:role/Dev
source_profile = default
credential_process = /opt/bin/tool --flag "quoted arg" # not a comment

[sso-session corp]
sso_start_url = https://corp.awsapps.com/start
sso_region = us-east-1
sso_registration_scopes = sso:account:access

[services local-s3]
s3 =
  endpoint_url = http://localhost:9000

[profile  spaced ]
sso_session = corp
services = local-s3
  
[preview]
cloudfront = true

# trailing comment
`

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

func writeFile(t *testing.T, name, content string, perm os.FileMode) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(content), perm); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, perm); err != nil { // not subject to umask
		t.Fatal(err)
	}
	return p
}

func mustLoad(t *testing.T, p string, kind Kind) *File {
	t.Helper()
	f, err := Load(p, kind)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustSet(t *testing.T, f *File, name string, kv []KV, remove []string) {
	t.Helper()
	if err := f.SetProfile(name, kv, remove); err != nil {
		t.Fatal(err)
	}
}

func mustSave(t *testing.T, f *File) {
	t.Helper()
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestPaths(t *testing.T) {
	t.Setenv("AWS_CONFIG_FILE", "/x/config")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "/x/creds")
	if got := ConfigPath(); got != "/x/config" {
		t.Errorf("ConfigPath = %q", got)
	}
	if got := CredentialsPath(); got != "/x/creds" {
		t.Errorf("CredentialsPath = %q", got)
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("USERPROFILE", home)
	t.Setenv("AWS_CONFIG_FILE", "")
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", "")
	if got, want := ConfigPath(), filepath.Join(home, ".aws", "config"); got != want {
		t.Errorf("ConfigPath = %q, want %q", got, want)
	}
	if got, want := CredentialsPath(), filepath.Join(home, ".aws", "credentials"); got != want {
		t.Errorf("CredentialsPath = %q, want %q", got, want)
	}
	t.Setenv("AWS_CONFIG_FILE", "~/other")
	if got, want := ConfigPath(), filepath.Join(home, "other"); got != want {
		t.Errorf("ConfigPath = %q, want %q", got, want)
	}
}

func TestLoadMissing(t *testing.T) {
	p := filepath.Join(t.TempDir(), "nope", "config")
	f := mustLoad(t, p, Config)
	if len(f.Bytes()) != 0 || f.Changed() || len(f.ProfileNames()) != 0 {
		t.Fatalf("missing file should load empty")
	}
	mustSave(t, f) // no change: must not create anything
	if _, err := os.Stat(filepath.Dir(p)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Save without changes created %s", filepath.Dir(p))
	}
}

func TestReadMessy(t *testing.T) {
	for _, tc := range []struct{ name, text string }{{"LF", messyConfig}, {"CRLF", crlf(messyConfig)}} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.text, 0o600)
			f := mustLoad(t, p, Config)
			if got := string(f.Bytes()); got != tc.text {
				t.Fatalf("Bytes() differs from the file")
			}
			if f.Changed() {
				t.Fatal("Changed() on a fresh load")
			}
			if got, want := f.ProfileNames(), []string{"default", "dev", "spaced"}; !reflect.DeepEqual(got, want) {
				t.Errorf("ProfileNames = %q, want %q", got, want)
			}
			def, _ := f.Profile("default")
			if def.Get("output") != "json" || def.Get("cli_pager") != "" || def.Get("REGION") != "us-east-1" {
				t.Errorf("default = %q", def.Keys)
			}
			if got := def.Get("s3"); !strings.Contains(got, "max_concurrent_requests = 20") || !strings.Contains(got, "max_queue_size = 10000") {
				t.Errorf("default s3 = %q", got)
			}
			dev, ok := f.Profile("dev")
			if !ok || dev.Get("region") != "eu-west-1" || dev.Get("role_arn") != "arn:aws:iam::123456789012:role/Dev" ||
				dev.Get("credential_process") != `/opt/bin/tool --flag "quoted arg" # not a comment` {
				t.Errorf("dev = %q", dev.Keys)
			}
			if sp, ok := f.Profile("spaced"); !ok || sp.Get("sso_session") != "corp" {
				t.Errorf("spaced = %q", sp.Keys)
			}
			if s, ok := f.Section(TypeSSOSession, "corp"); !ok || s.Keys["sso_start_url"] != "https://corp.awsapps.com/start" {
				t.Errorf("sso-session corp = %+v", s)
			}
			if s, ok := f.Section(TypeServices, "local-s3"); !ok || !strings.Contains(s.Keys["s3"], "endpoint_url = http://localhost:9000") {
				t.Errorf("services local-s3 = %+v", s)
			}
			if s, ok := f.Section("", "preview"); !ok || s.Keys["cloudfront"] != "true" {
				t.Errorf("preview = %+v", s)
			}
			if _, ok := f.Profile("corp"); ok {
				t.Error("an sso-session is not a profile")
			}
			if n := len(f.Sections()); n != 6 {
				t.Errorf("%d sections", n)
			}
			compareWithBotocore(t, p, f)
		})
	}
}

func TestCredentialsFile(t *testing.T) {
	text := "[default]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = secret\n\n[profile x]\naws_access_key_id = A\n"
	p := writeFile(t, "credentials", text, 0o600)
	f := mustLoad(t, p, Credentials)
	if got, want := f.ProfileNames(), []string{"default", "profile x"}; !reflect.DeepEqual(got, want) {
		t.Errorf("ProfileNames = %q", got)
	}
	mustSet(t, f, "ci", []KV{{"aws_access_key_id", "AKID2"}, {"aws_secret_access_key", "s2"}}, nil)
	mustSave(t, f)
	want := text + "\n[ci]\naws_access_key_id = AKID2\naws_secret_access_key = s2\n"
	if got := readFile(t, p); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if err := f.SetProfile("DEFAULT", []KV{{"a", "b"}}, nil); err == nil {
		t.Error("[DEFAULT] must be rejected in the credentials file")
	}
}

func TestUpdateInPlace(t *testing.T) {
	for _, tc := range []struct {
		name string
		conv func(string) string
	}{{"LF", func(s string) string { return s }}, {"CRLF", crlf}} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.conv(messyConfig), 0o600)
			f := mustLoad(t, p, Config)
			mustSet(t, f, "dev", []KV{
				{"region", "us-west-2"},
				{"ROLE_ARN", "arn:aws:iam::123456789012:role/Other"},
				{"source_profile", "default"}, // unchanged
			}, nil)
			mustSet(t, f, "default", []KV{{"cli_pager", "less"}, {"output", "text"}}, nil)
			want := messyConfig
			want = strings.Replace(want, "region: eu-west-1", "region: us-west-2", 1)
			want = strings.Replace(want, "Role_Arn = arn:aws:iam::123456789012:role/Dev", "Role_Arn = arn:aws:iam::123456789012:role/Other", 1)
			want = strings.Replace(want, "cli_pager=\n", "cli_pager=less\n", 1)
			want = strings.Replace(want, "output\t=\tjson", "output\t=\ttext", 1)
			mustSave(t, f)
			if got := readFile(t, p); got != tc.conv(want) {
				t.Errorf("got\n%s\nwant\n%s\ndiff:\n%s", got, tc.conv(want), diff.Diff("want", []byte(tc.conv(want)), "got", []byte(got)))
			}
			// Setting the same values again changes nothing.
			mustSet(t, f, "dev", []KV{{"region", "us-west-2"}}, nil)
			if f.Changed() {
				t.Error("re-setting the same value marked the file changed")
			}
		})
	}
}

func TestAppendAndRemoveKeys(t *testing.T) {
	for _, tc := range []struct {
		name string
		conv func(string) string
	}{{"LF", func(s string) string { return s }}, {"CRLF", crlf}} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.conv(messyConfig), 0o600)
			f := mustLoad(t, p, Config)
			// New keys go after the last key, before the blank line and the
			// comment that belong to the next section.
			mustSet(t, f, "default", []KV{{"credential_process", "credproc process --profile default"}}, []string{"s3"})
			mustSet(t, f, "preview", []KV{{"region", "eu-north-1"}}, nil) // new profile "preview", not [preview]
			mustSet(t, f, "spaced", nil, []string{"services", "missing"})
			want := strings.Replace(messyConfig, "cli_pager=\ns3 =\n    max_concurrent_requests = 20\n    # a comment between nested settings\n    max_queue_size = 10000\n",
				"cli_pager=\ncredential_process = credproc process --profile default\n", 1)
			want = strings.Replace(want, "sso_session = corp\nservices = local-s3\n", "sso_session = corp\n", 1)
			want += "\n[profile preview]\nregion = eu-north-1\n"
			mustSave(t, f)
			if got := readFile(t, p); got != tc.conv(want) {
				t.Errorf("diff want->got:\n%s", diff.Diff("want", []byte(tc.conv(want)), "got", []byte(got)))
			}
			compareWithBotocore(t, p, f)
		})
	}
}

func TestAppendKeyPlacement(t *testing.T) {
	text := "[profile a]\nregion = x\n# commented_out = 1\n\n# about b\n[profile b]\n[profile c]\n\n; c has no keys\n"
	p := writeFile(t, "config", text, 0o600)
	f := mustLoad(t, p, Config)
	mustSet(t, f, "a", []KV{{"output", "json"}}, nil)
	mustSet(t, f, "b", []KV{{"output", "json"}}, nil)
	mustSet(t, f, "c", []KV{{"output", "json"}}, nil)
	want := "[profile a]\nregion = x\noutput = json\n# commented_out = 1\n\n# about b\n[profile b]\noutput = json\n[profile c]\noutput = json\n\n; c has no keys\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("diff want->got:\n%s", diff.Diff("want", []byte(want), "got", []byte(got)))
	}
	mustSave(t, f)
}

func TestAppendSection(t *testing.T) {
	kv := []KV{{"credential_process", "credproc process"}, {"region", "us-east-1"}}
	sec := "[profile new]\ncredential_process = credproc process\nregion = us-east-1\n"
	for _, tc := range []struct{ name, in, want string }{
		{"empty", "", sec},
		{"no trailing newline", "[default]\nregion = x", "[default]\nregion = x\n\n" + sec},
		{"trailing newline", "[default]\nregion = x\n", "[default]\nregion = x\n\n" + sec},
		{"trailing blank line", "[default]\nregion = x\n\n", "[default]\nregion = x\n\n" + sec},
		{"trailing comment", "[default]\nregion = x\n# end", "[default]\nregion = x\n# end\n\n" + sec},
		{"comment only", "# hello\n", "# hello\n\n" + sec},
		{"crlf", "[default]\r\nregion = x\r\n", "[default]\r\nregion = x\r\n\r\n" + crlf(sec)},
		{"bom", "\ufeff[default]\nregion = x\n", "\ufeff[default]\nregion = x\n\n" + sec},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.in, 0o600)
			f := mustLoad(t, p, Config)
			mustSet(t, f, "new", kv, nil)
			mustSave(t, f)
			if got := readFile(t, p); got != tc.want {
				t.Errorf("got %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestNewDefaultProfile(t *testing.T) {
	f, err := load("config", nil, false, Config)
	if err != nil {
		t.Fatal(err)
	}
	mustSet(t, f, "default", []KV{{"region", "us-east-1"}}, nil)
	if got := string(f.Bytes()); got != "[default]\nregion = us-east-1\n" {
		t.Errorf("got %q", got)
	}
}

func TestDefaultAndProfileDefault(t *testing.T) {
	text := "[default]\nregion = a\n\n[profile default]\nregion = b\noutput = json\n"
	p := writeFile(t, "config", text, 0o600)
	f := mustLoad(t, p, Config)
	if d, _ := f.Profile("default"); d.Get("region") != "b" {
		t.Errorf("the later section should win, got %q", d.Keys)
	}
	if got := f.ProfileNames(); !reflect.DeepEqual(got, []string{"default"}) {
		t.Errorf("ProfileNames = %q", got)
	}
	mustSet(t, f, "default", []KV{{"region", "c"}}, nil)
	want := "[default]\nregion = c\n\n[profile default]\nregion = c\noutput = json\n"
	if got := string(f.Bytes()); got != want {
		t.Errorf("got %q", got)
	}
}

func TestRejectInjection(t *testing.T) {
	p := writeFile(t, "config", messyConfig, 0o600)
	f := mustLoad(t, p, Config)
	badNames := []string{"", "a]b", "a[b", "a=b", "a\nb", " a", "a ", "a b", "a\tb", "a'b", `a"b`, `a\b`, "a#b", "a;b", "a\rb", "\x00"}
	for _, n := range badNames {
		if err := f.SetProfile(n, []KV{{"region", "x"}}, nil); err == nil {
			t.Errorf("name %q accepted", n)
		}
	}
	badKeys := []string{"", "a b", "a=b", "a:b", "[x]", "a\nb", "#a", " a", "a]"}
	for _, k := range badKeys {
		if err := f.SetProfile("dev", []KV{{k, "x"}}, nil); err == nil {
			t.Errorf("key %q accepted", k)
		}
	}
	badValues := []string{"a\nb", "a\r\n[profile evil]", "x\n[profile evil]\nregion = y", " lead", "trail ", "a\rb", "a\x00b",
		`"""x`, "`x", `"quoted"`, "'quoted'", "cmd # comment", "cmd ; x", "cmd\t#x", "\xff"}
	for _, v := range badValues {
		if err := f.SetProfile("dev", []KV{{"region", "ok"}, {"credential_process", v}}, nil); err == nil {
			t.Errorf("value %q accepted", v)
		}
	}
	if err := f.SetProfile("dev", []KV{{"region", "a"}, {"Region", "b"}}, nil); err == nil {
		t.Error("duplicate key accepted")
	}
	if err := f.SetProfile("dev", []KV{{"region", "a"}}, []string{"REGION"}); err == nil {
		t.Error("set and remove of the same key accepted")
	}
	if f.Changed() || string(f.Bytes()) != messyConfig {
		t.Fatal("a rejected SetProfile changed the text")
	}
	// Values that look odd but are safe are accepted.
	for _, v := range []string{"a#b", "a;b", "[profile x]", "x = y", `"half`, "it's", "ünïcödé", "", "a\tb"} {
		if err := f.SetProfile("dev", []KV{{"note", v}}, nil); err != nil {
			t.Errorf("value %q rejected: %v", v, err)
		}
	}
	mustSave(t, f)
	if got, _ := mustLoad(t, p, Config).Profile("dev"); got.Get("note") != "a\tb" {
		t.Errorf("note = %q", got.Get("note"))
	}
}

func TestCorruptFile(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		msg        string
	}{
		{"key before section", "# c\nregion = x\n[default]\n", 2, "before any [section]"},
		{"no delimiter", "[default]\nregion x\n", 2, "not a \"key = value\""},
		{"unclosed header", "[default]\nregion = x\n[profile a\n", 3, "not a \"key = value\""},
		{"empty key", "[default]\n= x\n", 2, "no key name"},
		{"duplicate section", "[default]\na = 1\n[profile x]\n[default]\n", 4, "duplicate section [default] (first at line 1)"},
		{"duplicate key", "[default]\nregion = x\nREGION = y\n", 3, "duplicate key \"region\""},
		{"bad nested", "[default]\ns3 =\n  max_concurrent_requests = 1\n  oops\n", 4, "nested setting"},
		{"stray CR", "[default]\nregion = x\ry\n", 2, "carriage return"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.text, 0o600)
			_, err := Load(p, Config)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line != tc.line {
				t.Fatalf("err = %v, want line %d", err, tc.line)
			}
			prefix := fmt.Sprintf("parse %s: line %d: ", p, tc.line)
			if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want prefix %q and %q", err, prefix, tc.msg)
			}
			if got := readFile(t, p); got != tc.text {
				t.Error("file changed")
			}
			compareWithBotocoreError(t, p, tc.name)
		})
	}
}

// TestOtherReadersDisagree: files the AWS CLI reads but other INI readers
// read differently load as the AWS CLI reads them; credproc refuses to edit
// them, naming the line and never quoting it.
func TestOtherReadersDisagree(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		line       int
		msg        string
	}{
		{"ini unterminated triple quote", "[default]\nregion = x\nnote = \"\"\"abc\n[profile a]\nk = v\n", 3, "unclosed"},
		{"unclosed backtick", "[default]\nnote = `abc\n[profile a]\nk = v\n", 2, "unclosed"},
		{"empty header", "[default]\n[]=x\n", 2, ""},
		{"continuation without =", "[default]\nregion = x\n  continued\n", 3, "other INI readers"},
		{"indented header after key", "[default]\nregion = x\n  [profile a]\nk = v\n", 3, "indented [profile a]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := writeFile(t, "config", tc.text, 0o600)
			f, err := Load(p, Config)
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			compareWithBotocore(t, p, f)
			mustSet(t, f, "new", []KV{{"region", "eu-west-1"}}, nil)
			err = f.Save()
			if err == nil {
				t.Fatal("Save succeeded")
			}
			want := fmt.Sprintf("line %d: ", tc.line)
			if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("err = %q, want %q and %q", err, want, tc.msg)
			}
			for _, l := range strings.Split(tc.text, "\n") {
				if len(l) > 6 && strings.Contains(err.Error(), l) {
					t.Errorf("err quotes the line %q: %v", l, err)
				}
			}
			if got := readFile(t, p); got != tc.text {
				t.Error("file changed")
			}
		})
	}
}

func TestConcurrentChange(t *testing.T) {
	p := writeFile(t, "config", messyConfig, 0o600)
	f := mustLoad(t, p, Config)
	mustSet(t, f, "x", []KV{{"region", "r"}}, nil)
	other := messyConfig + "\n[profile other]\nregion = o\n"
	if err := os.WriteFile(p, []byte(other), 0o600); err != nil {
		t.Fatal(err)
	}
	err := f.Save()
	if err == nil || err.Error() != p+" changed while credproc was editing it; run again" {
		t.Fatalf("Save err = %v", err)
	}
	if got := readFile(t, p); got != other {
		t.Fatal("the other writer's content was lost")
	}
	// Same when the file did not exist at Load but does now.
	p2 := filepath.Join(t.TempDir(), "config")
	f2 := mustLoad(t, p2, Config)
	mustSet(t, f2, "x", []KV{{"region", "r"}}, nil)
	os.WriteFile(p2, []byte("[default]\n"), 0o600)
	if err := f2.Save(); err == nil || !strings.Contains(err.Error(), "changed while credproc was editing it") {
		t.Fatalf("Save err = %v", err)
	}
	// And when it was removed.
	p3 := writeFile(t, "config", messyConfig, 0o600)
	f3 := mustLoad(t, p3, Config)
	mustSet(t, f3, "x", []KV{{"region", "r"}}, nil)
	os.Remove(p3)
	if err := f3.Save(); err == nil || !strings.Contains(err.Error(), "changed while credproc was editing it") {
		t.Fatalf("Save err = %v", err)
	}
	if entries := otherFiles(t, p); len(entries) != 0 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestSaveTwiceAndLeftovers(t *testing.T) {
	p := writeFile(t, "config", messyConfig, 0o600)
	f := mustLoad(t, p, Config)
	mustSet(t, f, "a", []KV{{"region", "1"}}, nil)
	mustSave(t, f)
	mustSet(t, f, "a", []KV{{"region", "2"}}, nil)
	mustSet(t, f, "b", []KV{{"region", "3"}}, nil)
	mustSave(t, f)
	g := mustLoad(t, p, Config)
	if a, _ := g.Profile("a"); a.Get("region") != "2" {
		t.Errorf("a = %q", a.Keys)
	}
	if entries := otherFiles(t, p); len(entries) != 0 {
		t.Errorf("files left next to the config: %v", entries)
	}
}

func TestPermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("unix permission bits")
	}
	p := writeFile(t, "config", messyConfig, 0o640)
	f := mustLoad(t, p, Config)
	mustSet(t, f, "x", []KV{{"region", "r"}}, nil)
	mustSave(t, f)
	if fi, _ := os.Stat(p); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	// A new file in a new directory: 0600 in a 0700 directory.
	p2 := filepath.Join(t.TempDir(), ".aws", "config")
	f2 := mustLoad(t, p2, Config)
	mustSet(t, f2, "x", []KV{{"region", "r"}}, nil)
	mustSave(t, f2)
	if fi, _ := os.Stat(p2); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode = %v, want 0600", fi.Mode().Perm())
	}
	if fi, _ := os.Stat(filepath.Dir(p2)); fi.Mode().Perm() != 0o700 {
		t.Errorf("new dir mode = %v, want 0700", fi.Mode().Perm())
	}
}

func TestSymlinkKept(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("symlinks")
	}
	dir := t.TempDir()
	target := filepath.Join(dir, "dotfiles-config")
	os.WriteFile(target, []byte(messyConfig), 0o600)
	link := filepath.Join(dir, "config")
	if err := os.Symlink(target, link); err != nil {
		t.Skip(err)
	}
	f := mustLoad(t, link, Config)
	mustSet(t, f, "x", []KV{{"region", "r"}}, nil)
	mustSave(t, f)
	if fi, _ := os.Lstat(link); fi.Mode()&os.ModeSymlink == 0 {
		t.Fatal("symlink replaced by a file")
	}
	if got := readFile(t, target); !strings.HasSuffix(got, "[profile x]\nregion = r\n") {
		t.Errorf("target = %q", got)
	}
}

func TestIndentedSections(t *testing.T) {
	// Indented keys and headers are legal for botocore as long as no line is
	// indented deeper than the key before it; new keys must not break that.
	text := "  [profile a]\n  region = x\n  [profile b]\n  [profile c]\n"
	p := writeFile(t, "config", text, 0o600)
	f := mustLoad(t, p, Config)
	mustSet(t, f, "a", []KV{{"output", "json"}}, nil)
	mustSet(t, f, "b", []KV{{"output", "json"}}, nil)
	mustSet(t, f, "c", []KV{{"output", "json"}}, nil)
	mustSave(t, f)
	want := "  [profile a]\n  region = x\n  output = json\n  [profile b]\n  output = json\n  [profile c]\noutput = json\n"
	if got := readFile(t, p); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	compareWithBotocore(t, p, mustLoad(t, p, Config))
}

func TestManyProfiles(t *testing.T) {
	p := writeFile(t, "config", messyConfig, 0o600)
	f := mustLoad(t, p, Config)
	const n = 1000
	start := time.Now()
	for i := 0; i < n; i++ {
		mustSet(t, f, fmt.Sprintf("acct-%04d", i), []KV{
			{"credential_process", JoinCommand([]string{"/usr/local/bin/credproc", "process", "--account", fmt.Sprint(100000000000 + i), "--role", "Admin Role"})},
			{"region", "us-east-1"},
		}, nil)
	}
	old := f.Bytes()
	mustSave(t, f)
	t.Logf("set %d new profiles and saved %d bytes in %v", n, len(old), time.Since(start))

	start = time.Now()
	g := mustLoad(t, p, Config)
	for i := 0; i < n; i++ {
		mustSet(t, g, fmt.Sprintf("acct-%04d", i), []KV{{"region", "eu-west-1"}, {"output", "json"}}, nil)
	}
	newText := g.Bytes()
	mustSave(t, g)
	t.Logf("loaded, updated %d existing profiles and saved in %v", n, time.Since(start))

	start = time.Now()
	d := string(diff.Diff("old", old, "new", newText))
	t.Logf("diff of %d-line files with %d changed lines took %v", bytes.Count(old, []byte("\n")), strings.Count(d, "\n-")+strings.Count(d, "\n+"), time.Since(start))
	if got := len(mustLoad(t, p, Config).ProfileNames()); got != n+3 {
		t.Errorf("%d profiles", got)
	}
}

// ---- cross-checks with Python's configparser (what botocore uses) ----

// botocorePy reads file paths on stdin and prints, for each, how Python's
// configparser (as botocore's raw_config_parse uses it) reads the file.
const botocorePy = `
import configparser, json, sys
for path in sys.stdin:
    path = path.rstrip("\n")
    out = {}
    try:
        cp = configparser.RawConfigParser()
        cp.read([path], encoding="utf-8")
        for name, sec in cp._sections.items():
            d = {}
            for k, v in sec.items():
                if v.startswith("\n"):
                    for line in v.splitlines():
                        line = line.strip()
                        if line:
                            line.split("=", 1)[1]  # botocore's _parse_nested raises ValueError
                d[k] = v
            out[name] = d
        res = {"sections": out, "order": list(cp._sections)}
    except (configparser.Error, ValueError, IndexError, UnicodeDecodeError) as e:
        res = {"error": str(e)}
    print(json.dumps(res), flush=True)
`

type pyResult struct {
	Sections map[string]map[string]string `json:"sections"`
	Order    []string                     `json:"order"`
	Error    string                       `json:"error"`
}

// pyHelper is a long-running python3 process (started on first use) so the
// cross-checks do not pay python's start-up time for every file.
type pyHelper struct {
	once sync.Once
	mu   sync.Mutex
	in   io.WriteCloser
	out  *bufio.Reader
	err  error
}

var botocore pyHelper

func (h *pyHelper) query(t *testing.T, script, line string, v any) bool {
	t.Helper()
	h.once.Do(func() {
		py, err := exec.LookPath("python3")
		if err != nil {
			h.err = err
			return
		}
		cmd := exec.Command(py, "-c", script)
		cmd.Stderr = os.Stderr
		if h.in, err = cmd.StdinPipe(); err != nil {
			h.err = err
			return
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			h.err = err
			return
		}
		h.out = bufio.NewReader(stdout)
		h.err = cmd.Start()
	})
	if h.err != nil {
		return false
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, err := io.WriteString(h.in, line+"\n"); err != nil {
		t.Fatalf("python3: %v", err)
	}
	resp, err := h.out.ReadBytes('\n')
	if err != nil {
		t.Fatalf("python3: %v", err)
	}
	if err := json.Unmarshal(resp, v); err != nil {
		t.Fatalf("python3 output %q: %v", resp, err)
	}
	return true
}

func runBotocore(t *testing.T, path string) (pyResult, bool) {
	t.Helper()
	var r pyResult
	ok := botocore.query(t, botocorePy, path, &r)
	return r, ok
}

// compareWithBotocore checks that f reads every section exactly as Python's
// configparser does.
func compareWithBotocore(t *testing.T, path string, f *File) {
	t.Helper()
	r, ok := runBotocore(t, path)
	if !ok {
		t.Log("python3 not found; skipping the configparser cross-check")
		return
	}
	if r.Error != "" {
		t.Fatalf("configparser rejects the file: %s", r.Error)
	}
	var order []string
	got := map[string]map[string]string{}
	for _, s := range f.Sections() {
		order = append(order, s.Header)
		got[s.Header] = s.Keys
	}
	if !reflect.DeepEqual(order, r.Order) {
		t.Errorf("sections %q, configparser %q", order, r.Order)
	}
	if !reflect.DeepEqual(got, r.Sections) {
		t.Errorf("sections\n%q\nconfigparser\n%q", got, r.Sections)
	}
}

// compareWithBotocoreError checks that configparser also rejects a file we
// reject, except for the cases where we are deliberately stricter.
func compareWithBotocoreError(t *testing.T, path, name string) {
	t.Helper()
	r, ok := runBotocore(t, path)
	if !ok {
		return
	}
	stricter := map[string]bool{
		"stray CR": true, // Python reads a lone CR as a line break
	}
	if r.Error == "" && !stricter[name] {
		t.Errorf("configparser accepts a file we reject")
	}
	if r.Error != "" && stricter[name] {
		t.Logf("configparser also rejects it: %s", r.Error)
	}
}

func TestBotocoreEdgeCases(t *testing.T) {
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("python3 not found")
	}
	for i, text := range []string{
		"[default]\nregion = x\n  cont = 1\n\n  after = blank\n# c\n  after2 = comment\nnext = 1\n",
		"[a]\nk: v = w\nk2 = a:b\nK3=x\n",
		"[profile a] trailing junk\nk = v\n",
		"[a]]\nk = v\n",
		"  # indented comment\n[a]\n\tk = v\n\t\tk2 = cont\n",
		"\ufeff[default]\nk = v\n",
		"[a]\nk =\n\n\n",
		"[a]\r\nk = v\r\nnested =\r\n  x = 1\r\n",
		"[a]\nk = v # not a comment ; nor this\n",
		"[DEFAULTS]\nk = v\n",
		"[profile \"quoted name\"]\nk = v\n",
	} {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			p := writeFile(t, "config", text, 0o600)
			f, err := Load(p, Config)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(text, "\ufeff") { // Python keeps a BOM as text
				compareWithBotocore(t, p, f)
			}
		})
	}
}

func TestQuotedProfileName(t *testing.T) {
	f, err := load("config", []byte("[profile \"my name\"]\nk = v\n[profile a b]\nk = w\n[profilex c]\nk = u\n"), true, Config)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.ProfileNames(); !reflect.DeepEqual(got, []string{"my name"}) {
		t.Errorf("ProfileNames = %q", got)
	}
}

// otherFiles lists the files next to path other than path itself and its
// edit lock file, which stays (removing it could let two writers lock
// different files).
func otherFiles(t *testing.T, path string) []string {
	t.Helper()
	entries, err := os.ReadDir(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); n != filepath.Base(path) && n != "."+filepath.Base(path)+".credproc.lock" {
			names = append(names, n)
		}
	}
	return names
}
