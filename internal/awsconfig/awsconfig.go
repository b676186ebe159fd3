// Package awsconfig reads and edits the AWS shared config and credentials
// files without disturbing what it does not own.
//
// Files are read the way botocore (the AWS CLI) reads them — Python's
// configparser: no inline comments, "#" or ";" comment lines, indented lines
// continuing the previous value (nested settings such as "s3 ="), key names
// folded to lower case — and are cross-checked with gopkg.in/ini.v1. A file
// that either reader rejects, or on whose sections they disagree, fails to
// load, so it can never be overwritten.
//
// Edits splice text: lines that are not edited keep their exact bytes
// (comments, blank lines, order, spacing, CRLF line endings), and Save
// replaces the file atomically after checking that nobody else changed it.
package awsconfig

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Kind says which of the two shared files a File is.
type Kind int

const (
	// Config is the shared config file: profiles are [default] and
	// [profile NAME]; [sso-session NAME], [services NAME] and other sections
	// may also appear.
	Config Kind = iota
	// Credentials is the shared credentials file: every [NAME] is a profile.
	Credentials
)

// Section types, as reported in Section.Type.
const (
	TypeProfile    = "profile"
	TypeSSOSession = "sso-session"
	TypeServices   = "services"
)

// ConfigPath returns $AWS_CONFIG_FILE, or ~/.aws/config.
func ConfigPath() string {
	return envOrHome("AWS_CONFIG_FILE", "config")
}

// CredentialsPath returns $AWS_SHARED_CREDENTIALS_FILE, or ~/.aws/credentials.
func CredentialsPath() string {
	return envOrHome("AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

func envOrHome(env, name string) string {
	if p := os.Getenv(env); p != "" {
		return expandTilde(p)
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(".aws", name)
	}
	return filepath.Join(home, ".aws", name)
}

// expandTilde expands a leading "~/" as botocore does for these variables.
func expandTilde(p string) string {
	if p == "~" || strings.HasPrefix(p, "~/") || strings.HasPrefix(p, `~\`) {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, p[1:])
		}
	}
	return p
}

// File is a loaded config or credentials file and any pending edits.
// A File is not safe for concurrent use.
type File struct {
	path    string
	kind    Kind
	orig    []byte // contents when loaded (or last saved)
	existed bool

	bom    string
	eol    string
	blocks []*block
	index  map[secID][]*block // live sections by (type, name)

	dirty  bool
	locked bool   // Edit holds the edit lock for this File
	model  *model // expected reading after the edits; nil until the first edit
	// otherErr says why other INI readers read the file differently from
	// the AWS CLI; Save refuses to edit such a file.
	otherErr error
}

type secID struct{ typ, name string }

// Profile is one profile as the AWS CLI reads it. Keys are lower case; a
// nested setting (e.g. "s3 =" followed by indented lines) has a value that
// starts with a newline, see Nested.
type Profile struct {
	Name string
	Keys map[string]string
}

// Get returns the value of key (case-insensitive), or "".
func (p Profile) Get(key string) string { return p.Keys[strings.ToLower(key)] }

// Section is one section of the file as the AWS CLI reads it.
type Section struct {
	// Type is TypeProfile, TypeSSOSession or TypeServices, or "" for any
	// other section ([preview], [plugins], ...). [default] has Type
	// TypeProfile and Name "default".
	Type string
	// Name is the profile, sso-session or services name, or the whole
	// header when Type is "".
	Name string
	// Header is the text between the brackets, as written.
	Header string
	// Keys maps lower-case key names to values.
	Keys map[string]string
}

// Load reads the file at path. A missing file gives an empty File and no
// error; a file that cannot be read safely gives a *ParseError.
func Load(path string, kind Kind) (*File, error) {
	data, err := os.ReadFile(path)
	existed := true
	if errors.Is(err, fs.ErrNotExist) {
		data, existed, err = nil, false, nil
	}
	if err != nil {
		return nil, err
	}
	return load(path, data, existed, kind)
}

// load builds a File from the bytes read from path.
func load(path string, data []byte, existed bool, kind Kind) (*File, error) {
	p, err := parse(path, data)
	if err != nil {
		return nil, err
	}
	f := &File{path: path, kind: kind, orig: data, existed: existed}
	f.adopt(p)
	return f, nil
}

// adopt replaces the File's text structure with a fresh parse.
func (f *File) adopt(p *parsed) {
	f.bom, f.eol, f.blocks = p.bom, p.eol, p.blocks
	f.otherErr = p.iniErr
	f.index = map[secID][]*block{}
	for _, b := range f.blocks[1:] {
		classify(f.kind, b)
		id := secID{b.typ, b.name}
		f.index[id] = append(f.index[id], b)
	}
	f.dirty = false
	f.model = nil
}

// Path returns the file's path.
func (f *File) Path() string { return f.path }

func (f *File) section(b *block) Section {
	keys := map[string]string{}
	for _, k := range analyzeSection(b.lines) {
		keys[k.key] = k.value
	}
	return Section{Type: b.typ, Name: b.name, Header: b.header, Keys: keys}
}

// Section returns the section of the given type and name, e.g.
// Section(TypeSSOSession, "corp"), or Section("", "preview") for a section
// that is none of the known types. When several sections have the same type
// and name (e.g. [default] and [profile default]) the last one wins, as in
// botocore.
func (f *File) Section(typ, name string) (Section, bool) {
	bs := f.index[secID{typ, name}]
	if len(bs) == 0 {
		return Section{}, false
	}
	return f.section(bs[len(bs)-1]), true
}

// Profile returns the named profile. In the config file both [default] and
// [profile default] are the profile "default"; if both exist the later one
// is returned, as botocore does.
func (f *File) Profile(name string) (Profile, bool) {
	s, ok := f.Section(TypeProfile, name)
	if !ok {
		return Profile{}, false
	}
	return Profile{Name: s.Name, Keys: s.Keys}, true
}

// ProfileNames returns the profile names in file order, each once.
func (f *File) ProfileNames() []string {
	var names []string
	seen := map[string]bool{}
	for _, b := range f.blocks[1:] {
		if !b.dead && b.typ == TypeProfile && !seen[b.name] {
			seen[b.name] = true
			names = append(names, b.name)
		}
	}
	return names
}

// Bytes returns the file's current text, including pending edits.
func (f *File) Bytes() []byte {
	n := len(f.bom)
	for _, b := range f.blocks {
		for _, l := range b.lines {
			n += len(l)
		}
	}
	var buf bytes.Buffer
	buf.Grow(n)
	buf.WriteString(f.bom)
	for _, b := range f.blocks {
		joinLines(&buf, b.lines)
	}
	return buf.Bytes()
}

// Changed reports whether the current text differs from the file as loaded
// (or last saved).
func (f *File) Changed() bool {
	return f.dirty && !bytes.Equal(f.Bytes(), f.orig)
}
