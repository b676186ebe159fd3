package keyimport

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/credproc/credproc/cache"
	"github.com/credproc/credproc/credproc"
	"github.com/credproc/credproc/internal/awsconfig"
)

const (
	secretA = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	secretB = "je7MtGbClwBF/2Zp9Utk/h3yCo8nvbEXAMPLEKEY"
	tokenT  = "IQoJb3JpZ2luX2VjEXAMPLETOKEN"
)

const credsText = "# mine\n[a]\naws_access_key_id = AKIAAAAAAAAAAAAAAAAA\naws_secret_access_key = " + secretA + "\nregion = eu-west-1\n\n" +
	"[t]\naws_access_key_id=ASIATTTTTTTTTTTTTTTT\naws_secret_access_key=" + secretB + "\naws_session_token=" + tokenT + "\n"

const configText = "[default]\nregion = us-east-1\n\n[profile b]\naws_access_key_id = AKIABBBBBBBBBBBBBBBB\naws_secret_access_key = " + secretB + "\noutput = json\n"

func load(t testing.TB, dir, creds, config string) (*awsconfig.File, *awsconfig.File) {
	t.Helper()
	cp, kp := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	os.WriteFile(cp, []byte(config), 0o600)
	os.WriteFile(kp, []byte(creds), 0o600)
	cfg, err := awsconfig.Load(cp, awsconfig.Config)
	if err != nil {
		t.Fatal(err)
	}
	cr, err := awsconfig.Load(kp, awsconfig.Credentials)
	if err != nil {
		t.Fatal(err)
	}
	return cfg, cr
}

func newImporter(cfg, cr *awsconfig.File, st Store, verify func(cache.Credentials) error) *Importer {
	return &Importer{
		Config: cfg, Credentials: cr, Store: st, RemoveTemporary: true,
		Verify: func(_ context.Context, c cache.Credentials, _ map[string]string) (string, error) {
			if err := verify(c); err != nil {
				return "", err
			}
			return "arn:aws:iam::111111111111:user/" + c.AccessKeyID[4:5], nil
		},
		ProcessLine: func(s *credproc.Settings) (string, error) {
			return "/bin/credproc " + strings.Join(s.Args(), " "), nil
		},
		Now: func() time.Time { return time.Unix(1e9, 0) },
	}
}

func TestScan(t *testing.T) {
	cfg, cr := load(t, t.TempDir(), credsText, configText)
	got := Scan(cfg, cr)
	if len(got) != 3 || got[0].Profile != "a" || got[0].Temporary || got[1].Profile != "t" || !got[1].Temporary || got[2].Profile != "b" {
		t.Fatalf("Scan = %+v", got)
	}
}

// TestImport: both files are rewritten, every other line kept, the
// secrets gone and the keys in the store; the diff masks every secret.
func TestImport(t *testing.T) {
	dir := t.TempDir()
	cfg, cr := load(t, dir, credsText, configText)
	st := memStore(t)
	im := newImporter(cfg, cr, st, func(cache.Credentials) error { return nil })
	long, temp, err := im.Select(true, nil)
	if err != nil || len(long) != 2 || len(temp) != 1 {
		t.Fatalf("Select: %v %v %v", long, temp, err)
	}
	if err := im.Edit(long, temp); err != nil {
		t.Fatal(err)
	}
	d := im.Diff(append(long, temp...))
	for _, s := range []string{secretA, secretB, tokenT} {
		if strings.Contains(d, s) {
			t.Fatalf("diff shows a secret:\n%s", d)
		}
	}
	if !strings.Contains(d, "+credential_process = /bin/credproc --source keyring:a --no-session") {
		t.Fatalf("diff:\n%s", d)
	}
	if _, err := im.Import(context.Background(), long); err != nil {
		t.Fatal(err)
	}
	cb, _ := os.ReadFile(filepath.Join(dir, "credentials"))
	if string(cb) != "# mine\n[a]\nregion = eu-west-1\n\n[t]\n" {
		t.Fatalf("credentials:\n%s", cb)
	}
	kb, _ := os.ReadFile(filepath.Join(dir, "config"))
	want := "[default]\nregion = us-east-1\n\n[profile b]\noutput = json\ncredential_process = /bin/credproc --source keyring:b --no-session\n\n[profile a]\ncredential_process = /bin/credproc --source keyring:a --no-session\n"
	if string(kb) != want {
		t.Fatalf("config:\n%s\nwant:\n%s", kb, want)
	}
	c, err := st.Source("a")
	if err != nil || c.SecretAccessKey != secretA || !c.Created.Equal(time.Unix(1e9, 0)) {
		t.Fatalf("source a: %+v %v", c, err)
	}
}

// TestImportFailsCleanly: a key STS rejects, or a source holding another
// key, changes neither file and stores nothing.
func TestImportFailsCleanly(t *testing.T) {
	for name, tc := range map[string]struct {
		verify func(cache.Credentials) error
		prep   func(*cache.Store)
		want   string
	}{
		"rejected": {
			verify: func(c cache.Credentials) error {
				if c.AccessKeyID == "AKIABBBBBBBBBBBBBBBB" {
					return errors.New("InvalidClientTokenId")
				}
				return nil
			},
			want: "profile b: STS does not accept its key AKIABBBBBBBBBBBBBBBB",
		},
		"other key": {
			verify: func(cache.Credentials) error { return nil },
			prep: func(st *cache.Store) {
				st.SetSource("b", cache.Credentials{AccessKeyID: "AKIAOTHEROTHEROTHER0", SecretAccessKey: "x"})
			},
			want: `source "b" is already in the keyring with another key`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			cfg, cr := load(t, dir, credsText, configText)
			st := memStore(t)
			if tc.prep != nil {
				tc.prep(st)
			}
			im := newImporter(cfg, cr, st, tc.verify)
			long, temp, _ := im.Select(true, nil)
			im.Edit(long, temp)
			_, err := im.Import(context.Background(), long)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Import: %v, want %q", err, tc.want)
			}
			for _, s := range []string{secretA, secretB, tokenT} {
				if strings.Contains(err.Error(), s) {
					t.Fatal("the error shows a secret")
				}
			}
			if _, err := st.Source("a"); !errors.Is(err, cache.ErrNotFound) {
				t.Fatalf("source a stored: %v", err)
			}
			cb, _ := os.ReadFile(filepath.Join(dir, "credentials"))
			kb, _ := os.ReadFile(filepath.Join(dir, "config"))
			if string(cb) != credsText || string(kb) != configText {
				t.Fatal("a file changed")
			}
		})
	}
}

// TestSelectRefuses: named profiles that hold no long-lived key, or whose
// profile the AWS CLI would read another way, are refused by name.
func TestSelectRefuses(t *testing.T) {
	cfg, cr := load(t, t.TempDir(), credsText+"[r]\naws_access_key_id = AKIARRRRRRRRRRRRRRRR\naws_secret_access_key = "+secretA+"\nrole_arn = arn:aws:iam::1:role/x\n", configText)
	im := newImporter(cfg, cr, nil, nil)
	for name, want := range map[string]string{
		"t":     "profile t holds temporary keys",
		"ghost": "profile ghost holds no access key",
		"r":     "profile r has both an access key and role_arn",
	} {
		if _, _, err := im.Select(false, []string{name}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Select(%s): %v, want %q", name, err, want)
		}
	}
}

// FuzzImportEdit: whatever the credentials file holds, the edit leaves no
// line of a found key behind and changes no other line.
func FuzzImportEdit(f *testing.F) {
	f.Add(credsText)
	f.Add("[a]\r\naws_access_key_id = AKIAX\r\naws_secret_access_key = s\r\n")
	f.Add("[a]\naws_access_key_id = AKIAX\naws_secret_access_key =\n  continued = x\n[b]\n")
	f.Fuzz(func(t *testing.T, text string) {
		dir := t.TempDir()
		kp := filepath.Join(dir, "credentials")
		os.WriteFile(kp, []byte(text), 0o600)
		cr, err := awsconfig.Load(kp, awsconfig.Credentials)
		if err != nil {
			return
		}
		cfg, _ := awsconfig.Load(filepath.Join(dir, "config"), awsconfig.Config)
		im := newImporter(cfg, cr, nil, nil)
		found := Scan(cfg, cr)
		var long, temp []Found
		for _, fd := range found {
			if fd.Temporary {
				temp = append(temp, fd)
			} else if fd.AccessKeyID != "" && fd.secret != "" {
				long = append(long, fd)
			}
		}
		if err := im.Edit(long, temp); err != nil {
			return // refused names are fine; an edit that happens must be right
		}
		after := string(cr.Bytes())
		kept := map[string]bool{}
		for _, l := range strings.SplitAfter(after, "\n") {
			kept[l] = true
		}
		for _, fd := range append(long, temp...) {
			p, ok := cr.Profile(fd.Profile)
			if ok && (p.Get(keyID) != "" || p.Get(keySecret) != "") {
				t.Fatalf("profile %s still has key lines:\n%s", fd.Profile, after)
			}
		}
		// Every line of the result was a line before (only removals here).
		before := map[string]bool{}
		for _, l := range strings.SplitAfter(text, "\n") {
			before[l] = true
		}
		for l := range kept {
			if l != "" && !before[l] && !before[strings.TrimSuffix(l, "\n")] {
				t.Fatalf("line %q is new:\n%s\n->\n%s", l, text, after)
			}
		}
	})
}

// memStore is a cache over one in-memory keyring.
func memStore(t *testing.T) *cache.Store {
	m := cache.NewMemory()
	return cache.OpenTiered(m, []cache.Backend{m}, t.TempDir())
}
