package awsconfig

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// CheckValue is the one rule for what credproc writes as a value into the
// AWS config file: a value it accepts reads back unchanged in botocore
// (Python's configparser), aws-sdk-go-v2's INI reader, the JavaScript SDK's
// shared-ini-file-loader and gopkg.in/ini.v1, and cannot change the file's
// structure. What each reader does that the rule guards against:
//   - every reader strips surrounding whitespace, each with its own idea of
//     whitespace (Python adds U+001C..U+001F, JavaScript U+FEFF);
//   - the Go SDK strips one surrounding pair of ' or " and, for a value that
//     is a lone ' or ", panics (and with it every Go SDK program reading the
//     file);
//   - the Go SDK cuts a line at " #", " ;", "\t#", "\t;", and the JavaScript
//     SDK at any whitespace followed by # or ; (so a value cannot start with
//     either: a blank precedes it on the line);
//   - gopkg.in/ini.v1 reads a value starting with """ or ` as a multi-line
//     quote.
func CheckValue(v string) error {
	if !utf8.ValidString(v) {
		return errors.New("not valid UTF-8")
	}
	var prev rune
	for i, r := range v {
		switch {
		case r == '\n' || r == '\r':
			return errors.New("must be a single line")
		case unicode.IsControl(r) && r != '\t':
			return fmt.Errorf("contains control character %U", r)
		case r == '\ufeff':
			return errors.New("contains U+FEFF, which some readers strip as whitespace")
		case (r == '#' || r == ';') && i > 0 && unicode.IsSpace(prev):
			return fmt.Errorf("contains a blank before %q, which the Go and JavaScript SDKs read as the start of a comment", r)
		}
		prev = r
	}
	if strings.TrimFunc(v, unicode.IsSpace) != v {
		return errors.New("has leading or trailing whitespace, which readers strip")
	}
	if strings.HasPrefix(v, "#") || strings.HasPrefix(v, ";") {
		// The line is written "key = value": a blank comes before it.
		return errors.New("starts with # or ;, which the Go and JavaScript SDKs read as the start of a comment")
	}
	if strings.HasPrefix(v, `"""`) || strings.HasPrefix(v, "`") {
		return errors.New("starts with \"\"\" or `, which some INI readers treat as a multi-line quote")
	}
	if v != "" && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return errors.New("starts and ends with the same quote, which the Go SDK strips")
	}
	return nil
}

// SafeText turns free text (an account name from AWS Organizations, say)
// into a value CheckValue accepts, for keys that only record it: control
// characters, comment and quote characters that some reader treats
// specially become blanks, blanks collapse to one space, and quotes and
// blanks at either end go. Text with nothing left is "-".
func SafeText(s string) string {
	s = strings.ToValidUTF8(s, " ")
	s = strings.Map(func(r rune) rune {
		if strings.ContainsRune("#;\"`\ufeff", r) || unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	s = strings.TrimFunc(s, func(r rune) bool { return r == '\'' || unicode.IsSpace(r) })
	if s == "" {
		return "-"
	}
	return s
}
