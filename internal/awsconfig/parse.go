package awsconfig

import (
	"bytes"
	"fmt"
	"sort"
	"strings"
	"unicode"

	"gopkg.in/ini.v1"
)

// ParseError reports a file that cannot be read safely. Line is 1-based, or
// 0 when the problem has no single line.
type ParseError struct {
	Path string // the file
	Line int    // 1-based line number, or 0
	Msg  string // what is wrong
}

// Error returns "parse PATH: line N: MSG".
func (e *ParseError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("parse %s: line %d: %s", e.Path, e.Line, e.Msg)
	}
	return fmt.Sprintf("parse %s: %s", e.Path, e.Msg)
}

const utf8BOM = "\ufeff"

// iniOptions are the gopkg.in/ini.v1 options closest to botocore's
// configparser.RawConfigParser: no inline comments, no backslash
// continuation, quotes kept, nested (indented) values, keys folded to lower
// case, "=" or ":" between key and value.
var iniOptions = ini.LoadOptions{
	IgnoreInlineComment:     true,
	IgnoreContinuation:      true,
	AllowNestedValues:       true,
	PreserveSurroundedQuote: true,
	InsensitiveKeys:         true,
	KeyValueDelimiters:      "=:",
}

type lineKind uint8

const (
	lineBlank lineKind = iota
	lineComment
	lineHeader
	lineKey
	lineCont // continuation of the previous key's value (an indented line)
)

// isSpace is whitespace as both Python's str.isspace and Go's
// unicode.IsSpace define it; the characters on which they disagree,
// U+001C..U+001F, are rejected by parse.
func isSpace(r rune) bool { return unicode.IsSpace(r) }

func trimSpace(s string) string { return strings.TrimFunc(s, isSpace) }

// leadingSpace returns the whitespace prefix of s and its length in runes.
func leadingSpace(s string) (string, int) {
	n := 0
	for i, r := range s {
		if !isSpace(r) {
			return s[:i], n
		}
		n++
	}
	return s, n
}

// splitEOL splits a raw line into its content and its terminator ("\n",
// "\r\n", "\r" at end of file, or "").
func splitEOL(raw string) (content, eol string) {
	switch {
	case strings.HasSuffix(raw, "\r\n"):
		return raw[:len(raw)-2], "\r\n"
	case strings.HasSuffix(raw, "\n"):
		return raw[:len(raw)-1], "\n"
	case strings.HasSuffix(raw, "\r"):
		return raw[:len(raw)-1], "\r"
	}
	return raw, ""
}

// lineInfo is what the scanner learned about one line.
type lineInfo struct {
	kind     lineKind
	indent   int    // leading whitespace in runes
	stripped string // content without surrounding whitespace
	header   string // lineHeader: text between '[' and the last ']'
	key      string // lineKey: key folded to lower case
	value    string // lineKey: the value on the key line
}

// scanner classifies lines the way Python's configparser does (as used by
// botocore): comments and blank lines never change state; a line indented
// deeper than the current key's line continues that key's value; a line
// whose stripped text is "[...]" opens a section.
type scanner struct {
	inSection bool
	haveKey   bool
	keyIndent int
}

// next classifies one line's content (without terminator). The returned
// message is non-empty when the line is not valid.
func (s *scanner) next(content string) (lineInfo, string) {
	st := trimSpace(content)
	if st == "" {
		return lineInfo{kind: lineBlank}, ""
	}
	if st[0] == '#' || st[0] == ';' {
		return lineInfo{kind: lineComment, stripped: st}, ""
	}
	_, indent := leadingSpace(content)
	li := lineInfo{indent: indent, stripped: st}
	if s.inSection && s.haveKey && indent > s.keyIndent {
		li.kind = lineCont
		return li, ""
	}
	s.keyIndent = indent
	if st[0] == '[' {
		if j := strings.LastIndexByte(st, ']'); j >= 2 {
			li.kind = lineHeader
			li.header = st[1:j]
			s.inSection = true
			s.haveKey = false
			return li, ""
		}
	}
	if !s.inSection {
		return li, "a line comes before any [section] header"
	}
	i := strings.IndexAny(st, "=:")
	if i < 0 {
		return li, "the line is not a \"key = value\" line, a [section] header or a # comment"
	}
	key := strings.TrimRightFunc(st[:i], isSpace)
	if key == "" {
		return li, fmt.Sprintf("the line has no key name before %q", st[i:i+1])
	}
	li.kind = lineKey
	li.key = strings.ToLower(key)
	li.value = trimSpace(st[i+1:])
	s.haveKey = true
	return li, ""
}

// iniReason says why gopkg.in/ini.v1 refused a file, without its error
// text: ini.v1 quotes lines of the file there ("missing closing key quote
// from … to …"), and a line may hold a secret key.
func iniReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "closing key quote from"):
		return "an unclosed ` or \"\"\" quote, which some INI readers read as a multi-line value (the AWS CLI does not)"
	case strings.Contains(msg, "delimiter not found"), strings.Contains(msg, "closing key quote:"):
		return "a line other INI readers do not read as \"key = value\" (the AWS CLI reads it as part of the previous value)"
	case strings.Contains(msg, "unclosed section"):
		return "a [ line other INI readers read as an unclosed section header"
	}
	return "a line other INI readers (gopkg.in/ini.v1) cannot read"
}

// keyInfo describes one key of a section: lines[start:end] hold the key line
// and its continuation lines (and any comments or blank lines between them).
type keyInfo struct {
	key        string
	start, end int
	value      string // the value as botocore reads it
}

// analyzeSection lists the keys of a section whose lines[0] is the header.
// The lines are assumed valid (they were checked when the file was parsed).
func analyzeSection(lines []string) []keyInfo {
	var keys []keyInfo
	var parts []string
	sc := scanner{inSection: true}
	flush := func() {
		if len(keys) > 0 && parts != nil {
			k := &keys[len(keys)-1]
			k.value = strings.TrimRightFunc(strings.Join(parts, "\n"), isSpace)
		}
		parts = nil
	}
	for i := 1; i < len(lines); i++ {
		content, _ := splitEOL(lines[i])
		li, _ := sc.next(content)
		switch li.kind {
		case lineKey:
			flush()
			keys = append(keys, keyInfo{key: li.key, start: i, end: i + 1})
			parts = []string{li.value}
		case lineCont:
			if parts != nil {
				parts = append(parts, li.stripped)
				keys[len(keys)-1].end = i + 1
			}
		case lineBlank:
			if parts != nil {
				parts = append(parts, "")
			}
		case lineHeader:
			// Cannot happen for a section's own lines; stop to be safe.
			flush()
			return keys
		}
	}
	flush()
	return keys
}

// block is a run of lines: the preamble before the first header, or one
// section (lines[0] is its header line). A dead block is a deleted section
// whose remaining lines (trailing comments) are kept as they are.
type block struct {
	header string
	typ    string
	name   string
	lines  []string
	dead   bool
	line   int // 1-based line number of lines[0] when parsed
	pos    int // index in File.blocks
}

// parsed is the result of reading a whole file.
type parsed struct {
	bom    string
	eol    string
	blocks []*block
	ini    *ini.File // nil when iniErr is set
	// iniErr says why other INI readers would read the file differently
	// from the AWS CLI; such a file is read but never written.
	iniErr error
}

// parse splits data into blocks and checks it the way botocore would (a file
// the AWS CLI cannot read is an error) and with gopkg.in/ini.v1; the two must
// agree on the list of sections.
func parse(path string, data []byte) (*parsed, error) {
	p := &parsed{eol: "\n"}
	text := string(data)
	if strings.HasPrefix(text, utf8BOM) {
		p.bom = utf8BOM
		text = text[len(utf8BOM):]
	}
	perr := func(line int, format string, args ...any) error {
		return &ParseError{Path: path, Line: line, Msg: fmt.Sprintf(format, args...)}
	}

	cur := &block{line: 1}
	p.blocks = append(p.blocks, cur)
	var sc scanner
	seen := map[string]int{}       // header -> line
	var keysSeen map[string]int    // key -> line, in the current section
	nestedKey, nestedLine := "", 0 // current key when its value is nested
	var crlf, lf int
	var contHeaders []lineInfoAt // continuation lines that look like headers
	for n := 1; len(text) > 0; n++ {
		raw := text
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			raw = text[:i+1]
		}
		text = text[len(raw):]
		content, eol := splitEOL(raw)
		switch eol {
		case "\r\n":
			crlf++
		case "\n":
			lf++
		case "\r":
			if text != "" {
				return nil, perr(n, "carriage return in the middle of a line")
			}
		}
		if strings.IndexByte(content, '\r') >= 0 {
			return nil, perr(n, "carriage return in the middle of a line")
		}
		if i := strings.IndexAny(content, "\x1c\x1d\x1e\x1f"); i >= 0 {
			return nil, perr(n, "control character %U (Python reads it as whitespace, other readers do not)", content[i])
		}
		li, msg := sc.next(content)
		if msg != "" {
			return nil, perr(n, "%s", msg)
		}
		switch li.kind {
		case lineHeader:
			if first, dup := seen[li.header]; dup {
				return nil, perr(n, "duplicate section [%s] (first at line %d)", li.header, first)
			}
			seen[li.header] = n
			keysSeen = map[string]int{}
			nestedKey = ""
			cur = &block{header: li.header, line: n, pos: len(p.blocks)}
			p.blocks = append(p.blocks, cur)
		case lineKey:
			if first, dup := keysSeen[li.key]; dup {
				return nil, perr(n, "duplicate key %q in [%s] (first at line %d)", li.key, cur.header, first)
			}
			keysSeen[li.key] = n
			nestedKey = ""
			if li.value == "" {
				nestedKey, nestedLine = li.key, n
			}
		case lineCont:
			if nestedKey != "" && !strings.Contains(li.stripped, "=") {
				return nil, perr(n, "nested setting under %q (line %d) must look like \"name = value\"", nestedKey, nestedLine)
			}
			if li.stripped[0] == '[' {
				contHeaders = append(contHeaders, lineInfoAt{n, li.stripped})
			}
		}
		cur.lines = append(cur.lines, raw)
	}
	if crlf > lf {
		p.eol = "\r\n"
	}

	// The AWS CLI reads the file as scanned above, so credproc reads it the
	// same way. Other INI readers may not: their disagreement is kept and
	// refuses a write (Save), never a read.
	f, err := ini.LoadSources(iniOptions, data)
	if err != nil {
		p.iniErr = perr(iniErrorLine(data), "%s", iniReason(err))
		return p, nil
	}
	p.ini = f
	if err := p.checkSections(path, contHeaders); err != nil {
		p.iniErr = err
	}
	return p, nil
}

// lineInfoAt is a line's number and stripped text.
type lineInfoAt struct {
	n        int
	stripped string
}

// checkSections makes sure gopkg.in/ini.v1 sees the same sections as the
// botocore-style scan, so no reader can be confused about where a section
// starts.
func (p *parsed) checkSections(path string, contHeaders []lineInfoAt) error {
	var mine []*block
	for _, b := range p.blocks[1:] {
		if b.header != ini.DefaultSection {
			mine = append(mine, b)
		}
	}
	var theirs []string
	for _, s := range p.ini.SectionStrings() {
		if s != ini.DefaultSection {
			theirs = append(theirs, s)
		}
	}
	for i := 0; i < len(mine) || i < len(theirs); i++ {
		if i < len(mine) && i < len(theirs) && mine[i].header == theirs[i] {
			continue
		}
		if i < len(theirs) {
			for _, c := range contHeaders {
				if j := strings.LastIndexByte(c.stripped, ']'); j >= 1 && c.stripped[1:j] == theirs[i] {
					return &ParseError{Path: path, Line: c.n, Msg: fmt.Sprintf(
						"indented [%s] is a section header to some INI readers but part of the previous key's value to the AWS CLI; remove the indentation", theirs[i])}
				}
			}
		}
		if i < len(mine) {
			return &ParseError{Path: path, Line: mine[i].line, Msg: fmt.Sprintf(
				"section [%s] is not read as a section by other INI readers (is it inside a quoted multi-line value?)", mine[i].header)}
		}
		return &ParseError{Path: path, Msg: fmt.Sprintf("INI readers disagree about section [%s]", theirs[i])}
	}
	return nil
}

// iniErrorLine finds the first line at which gopkg.in/ini.v1 fails, by
// binary search over line prefixes (only used when the whole file fails).
func iniErrorLine(data []byte) int {
	var ends []int // ends[k] = offset just past line k+1
	for i, c := range data {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) == 0 || ends[len(ends)-1] != len(data) {
		ends = append(ends, len(data))
	}
	k := sort.Search(len(ends), func(k int) bool {
		_, err := ini.LoadSources(iniOptions, data[:ends[k]])
		return err != nil
	})
	if k == len(ends) {
		return 0
	}
	return k + 1
}

// classify fills in a section block's type and name from its header, the
// way botocore's build_profile_map does for the config file (with the
// stricter rule that the first word must be exactly the section type).
func classify(kind Kind, b *block) {
	h := b.header
	if kind == Credentials {
		if h == ini.DefaultSection {
			b.typ, b.name = "", h
		} else {
			b.typ, b.name = TypeProfile, h
		}
		return
	}
	if h == "default" {
		b.typ, b.name = TypeProfile, "default"
		return
	}
	for _, t := range []string{TypeProfile, TypeSSOSession, TypeServices} {
		if strings.HasPrefix(h, t) {
			parts, err := splitPOSIX(h) // botocore splits headers with shlex everywhere
			if err == nil && len(parts) == 2 && parts[0] == t {
				b.typ, b.name = t, parts[1]
				return
			}
			break
		}
	}
	b.typ, b.name = "", h
}

// joinLines concatenates lines.
func joinLines(buf *bytes.Buffer, lines []string) {
	for _, l := range lines {
		buf.WriteString(l)
	}
}
