package awsconfig

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// KV is one key and its value.
type KV struct {
	Key, Value string
}

// model is what the file should read as once the pending edits are written;
// Save re-parses the new text and compares it with the model.
type model struct {
	secs     []*modelSec
	byHeader map[string]*modelSec
	touched  map[string]map[string]bool // header -> keys set or removed
}

type modelSec struct {
	header string
	keys   map[string]string
	dead   bool
}

func (f *File) ensureModel() *model {
	if f.model != nil {
		return f.model
	}
	m := &model{byHeader: map[string]*modelSec{}, touched: map[string]map[string]bool{}}
	for _, b := range f.blocks[1:] {
		if b.dead {
			continue
		}
		m.add(b.header, f.section(b).Keys)
	}
	f.model = m
	return m
}

func (m *model) add(header string, keys map[string]string) *modelSec {
	s := &modelSec{header: header, keys: keys}
	m.secs = append(m.secs, s)
	m.byHeader[header] = s
	return s
}

func (m *model) touch(header, key string) {
	if m.touched[header] == nil {
		m.touched[header] = map[string]bool{}
	}
	m.touched[header][key] = true
}

// headerFor returns the header text for a new profile section.
func (f *File) headerFor(name string) string {
	if f.kind == Config && name != "default" {
		return "profile " + name
	}
	return name
}

// MaxProfileName is the longest profile name credproc writes.
const MaxProfileName = 128

// CheckProfileName is the one rule for profile names credproc writes (and
// takes on its command line): names every AWS SDK writes and reads back the
// same way, in both files, and that a shell hint can quote.
func CheckProfileName(name string) error {
	if name == "" {
		return fmt.Errorf("empty profile name")
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("profile name %q is not valid UTF-8", name)
	}
	if len(name) > MaxProfileName {
		return fmt.Errorf("profile name %q: at most %d bytes", name, MaxProfileName)
	}
	for _, r := range name {
		if isSpace(r) || unicode.IsControl(r) || r == '\ufeff' || strings.ContainsRune(`[]='"\#;`+"`", r) {
			return fmt.Errorf("profile name %q: must not contain whitespace, control characters or any of [ ] = ' \" ` \\ # ;", name)
		}
	}
	if name == "DEFAULT" {
		return fmt.Errorf("profile name %q is reserved (Python's configparser treats [DEFAULT] as defaults for every section)", name)
	}
	return nil
}

// checkName rejects profile names that could not be written and read back
// the same way by every AWS SDK.
func (f *File) checkName(name string) error { return CheckProfileName(name) }

func checkKey(key string) error {
	if key == "" {
		return fmt.Errorf("empty key name")
	}
	for i := 0; i < len(key); i++ {
		c := key[i]
		ok := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-' || c == '.'
		if !ok {
			return fmt.Errorf("key %q: only letters, digits, '_', '-' and '.' are allowed", key)
		}
	}
	return nil
}

// SetProfile creates or updates the named profile. Keys in kv that exist are
// updated in place (the line keeps its position, indentation, key spelling
// and spacing; only the value changes, and any continuation lines of an old
// multi-line value are dropped); missing keys are added after the section's
// last key; keys named in remove are deleted with their continuation lines.
// All other lines are left as they are. A profile that does not exist is
// appended as a new section, separated from the previous text by one blank
// line. In the config file a name maps to [profile NAME], or [default] for
// "default"; if the profile appears in several sections (e.g. [default] and
// [profile default]) every one is edited so all SDKs agree.
//
// SetProfile validates everything first and changes nothing on error: keys,
// values and (for a new profile) names that could alter the file's
// structure or be read back differently by some SDK are rejected.
func (f *File) SetProfile(name string, kv []KV, remove []string) error {
	bs := f.index[secID{TypeProfile, name}]
	if len(bs) == 0 {
		if err := f.checkName(name); err != nil {
			return err
		}
	}
	set := map[string]string{}
	for _, e := range kv {
		if err := checkKey(e.Key); err != nil {
			return fmt.Errorf("profile %s: %w", name, err)
		}
		if err := CheckValue(e.Value); err != nil {
			return fmt.Errorf("profile %s: value for %q: %w", name, e.Key, err)
		}
		k := strings.ToLower(e.Key)
		if _, dup := set[k]; dup {
			return fmt.Errorf("profile %s: key %q given twice", name, e.Key)
		}
		set[k] = e.Value
	}
	rm := map[string]bool{}
	for _, k := range remove {
		if err := checkKey(k); err != nil {
			return fmt.Errorf("profile %s: %w", name, err)
		}
		lk := strings.ToLower(k)
		if _, both := set[lk]; both {
			return fmt.Errorf("profile %s: key %q is both set and removed", name, k)
		}
		rm[lk] = true
	}

	m := f.ensureModel()
	if len(bs) == 0 {
		f.appendSection(name, kv)
		return nil
	}
	for _, b := range bs {
		if f.editBlock(b, kv, set, rm) {
			f.dirty = true
		}
		ms := m.byHeader[b.header]
		for k, v := range set {
			ms.keys[k] = v
			m.touch(b.header, k)
		}
		for k := range rm {
			delete(ms.keys, k)
			m.touch(b.header, k)
		}
	}
	return nil
}

// terminate makes sure raw ends with a line terminator.
func (f *File) terminate(raw string) string {
	switch {
	case strings.HasSuffix(raw, "\n"):
		return raw
	case strings.HasSuffix(raw, "\r"):
		return raw + "\n"
	}
	return raw + f.eol
}

// editBlock applies one SetProfile to a section and reports whether its text
// changed.
func (f *File) editBlock(b *block, kv []KV, set map[string]string, rm map[string]bool) bool {
	keys := analyzeSection(b.lines)
	have := map[string]bool{}
	for _, k := range keys {
		have[k.key] = true
	}
	var add []KV
	for _, e := range kv {
		if !have[strings.ToLower(e.Key)] {
			add = append(add, e)
		}
	}
	// New keys are not indented: an unindented line is never a continuation
	// line, nor an ini.v1 nested value. Only if the next header is indented
	// (so an unindented key would make botocore read that header as part of
	// the key's value) do they take the last key's indentation, or the next
	// header's in a section without keys.
	indent := f.nextHeaderIndent(b)
	if indent != "" && len(keys) > 0 {
		content, _ := splitEOL(b.lines[keys[len(keys)-1].start])
		indent, _ = leadingSpace(content)
	}

	changed := false
	out := make([]string, 0, len(b.lines)+len(add))
	emitAdd := func() {
		if len(add) == 0 {
			return
		}
		if n := len(out); n > 0 {
			out[n-1] = f.terminate(out[n-1])
		}
		for _, e := range add {
			out = append(out, newKeyLine(indent, e)+f.eol)
		}
		changed = true
	}
	pos := 0
	if len(keys) == 0 {
		out = append(out, b.lines[0])
		pos = 1
		emitAdd()
	}
	for i, k := range keys {
		out = append(out, b.lines[pos:k.start]...)
		v, isSet := set[k.key]
		switch {
		case rm[k.key]:
			changed = true
		case isSet && (k.end-k.start != 1 || k.value != v):
			out = append(out, rewriteKeyLine(b.lines[k.start], v))
			changed = true
		default:
			out = append(out, b.lines[k.start:k.end]...)
		}
		pos = k.end
		if i == len(keys)-1 {
			emitAdd()
		}
	}
	out = append(out, b.lines[pos:]...)
	if changed {
		b.lines = out
	}
	return changed
}

func newKeyLine(indent string, e KV) string {
	if e.Value == "" {
		return indent + e.Key + " ="
	}
	return indent + e.Key + " = " + e.Value
}

// rewriteKeyLine replaces the value on a key line, keeping everything up to
// the delimiter and the spacing after it, and the line terminator.
func rewriteKeyLine(raw, v string) string {
	content, eol := splitEOL(raw)
	i := strings.IndexAny(content, "=:")
	prefix, rest := content[:i+1], content[i+1:]
	ws, _ := leadingSpace(rest)
	if ws == rest { // the old value was empty
		ws = ""
		if r, _ := utf8.DecodeLastRuneInString(content[:i]); isSpace(r) {
			ws = " "
		}
	}
	if v == "" {
		ws = ""
	}
	return prefix + ws + v + eol
}

// nextHeaderIndent returns the indentation of the next section header after
// b, or "".
func (f *File) nextHeaderIndent(b *block) string {
	for i := b.pos + 1; i < len(f.blocks); i++ {
		if nb := f.blocks[i]; !nb.dead {
			content, _ := splitEOL(nb.lines[0])
			ws, _ := leadingSpace(content)
			return ws
		}
	}
	return ""
}

// lastLine returns the block and index holding the file's last line, or
// nil if the file is empty.
func (f *File) lastLine() (*block, int) {
	for i := len(f.blocks) - 1; i >= 0; i-- {
		if b := f.blocks[i]; len(b.lines) > 0 {
			return b, len(b.lines) - 1
		}
	}
	return nil, 0
}

func isBlankLine(raw string) bool {
	content, _ := splitEOL(raw)
	return trimSpace(content) == ""
}

// appendSection adds a new profile section at the end of the file.
func (f *File) appendSection(name string, kv []KV) {
	if lb, li := f.lastLine(); lb != nil {
		lb.lines[li] = f.terminate(lb.lines[li])
		if !isBlankLine(lb.lines[li]) {
			lb.lines = append(lb.lines, f.eol)
		}
	}
	header := f.headerFor(name)
	b := &block{header: header, typ: TypeProfile, name: name, pos: len(f.blocks)}
	b.lines = append(b.lines, "["+header+"]"+f.eol)
	keys := map[string]string{}
	for _, e := range kv {
		b.lines = append(b.lines, newKeyLine("", e)+f.eol)
		keys[strings.ToLower(e.Key)] = e.Value
	}
	f.blocks = append(f.blocks, b)
	id := secID{TypeProfile, name}
	f.index[id] = append(f.index[id], b)
	f.dirty = true

	m := f.ensureModel()
	if old := m.byHeader[header]; old != nil && !old.dead {
		panic("awsconfig: appending a section that already exists")
	}
	m.add(header, keys)
	for k := range keys {
		m.touch(header, k)
	}
}

// DeleteProfile removes the named profile's section(s) and reports whether
// there was one. The header, the keys and the blank lines right after them
// go; comments after the section's last key stay where they are.
func (f *File) DeleteProfile(name string) bool {
	id := secID{TypeProfile, name}
	bs := f.index[id]
	if len(bs) == 0 {
		return false
	}
	m := f.ensureModel()
	for _, b := range bs {
		keys := analyzeSection(b.lines)
		end := 1
		if len(keys) > 0 {
			end = keys[len(keys)-1].end
		}
		for end < len(b.lines) && isBlankLine(b.lines[end]) {
			end++
		}
		b.lines = append([]string(nil), b.lines[end:]...)
		b.dead = true
		if ms := m.byHeader[b.header]; ms != nil {
			ms.dead = true
			delete(m.byHeader, b.header)
		}
		if len(b.lines) == 0 {
			f.trimTrailingBlanksBefore(b)
		}
	}
	delete(f.index, id)
	f.dirty = true
	return true
}

// trimTrailingBlanksBefore drops the blank lines at the end of the file that
// separated a just-deleted last section from the text before it.
func (f *File) trimTrailingBlanksBefore(b *block) {
	for i := b.pos + 1; i < len(f.blocks); i++ {
		if len(f.blocks[i].lines) > 0 {
			return // b was not at the end of the file
		}
	}
	for i := b.pos - 1; i >= 0; i-- {
		pb := f.blocks[i]
		for len(pb.lines) > 0 && isBlankLine(pb.lines[len(pb.lines)-1]) {
			pb.lines = pb.lines[:len(pb.lines)-1]
		}
		if len(pb.lines) > 0 || (i > 0 && !pb.dead) {
			return
		}
	}
}
