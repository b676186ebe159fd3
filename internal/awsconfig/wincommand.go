package awsconfig

import (
	"errors"
	"strings"
)

// This file is the Windows half of the command-line codec. It builds on
// every platform: tests cross-check both halves against botocore anywhere.

// splitWindows splits line as botocore's _windows_shell_split does (what
// the AWS CLI on Windows runs credential_process through): only space and
// tab separate words; double quotes toggle quoting and are the only quotes;
// a backslash is literal unless a run of backslashes leads up to a double
// quote, where each pair is one backslash and an odd one out makes the
// quote literal. Single quotes are ordinary characters.
func splitWindows(line string) ([]string, error) {
	var args []string
	var buf strings.Builder
	inWord, quoted, slashes := false, false, 0
	flushSlashes := func() {
		buf.WriteString(strings.Repeat(`\`, slashes))
		slashes = 0
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\':
			slashes++
			inWord = true
		case c == '"':
			buf.WriteString(strings.Repeat(`\`, slashes/2))
			odd := slashes%2 == 1
			slashes = 0
			inWord = true
			if odd {
				buf.WriteByte('"')
				continue
			}
			quoted = !quoted
		case (c == ' ' || c == '\t') && !quoted:
			flushSlashes()
			if inWord {
				args = append(args, buf.String())
				buf.Reset()
				inWord = false
			}
		default:
			flushSlashes()
			buf.WriteByte(c)
			inWord = true
		}
	}
	if quoted {
		return nil, errors.New("unterminated double quote in command line")
	}
	flushSlashes()
	if inWord {
		args = append(args, buf.String())
	}
	return args, nil
}

// joinWindows renders args so that botocore's win32 split and Windows'
// CommandLineToArgvW both read back the same argv: a word without blanks or
// double quotes is written as it is (backslashes are literal), any other
// word in double quotes, a double quote inside as \" and the backslashes
// before a double quote doubled. The program name, when quoted, is quoted
// from its first character, because CommandLineToArgvW reads the first word
// by simpler rules. As in joinPOSIX, the line never has a blank before # or
// ; (the quote closes before the # or ;), and a line that would start and
// end with a double quote, which the Go SDK strips, quotes only the part of
// the last word up to its last blank; a last word ending in a blank or a
// double quote leaves such a line, which CheckValue refuses.
func joinWindows(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		last := i == len(args)-1 && i > 0
		if last && strings.HasPrefix(b.String(), `"`) {
			quoteWindows(&b, a, false)
			continue
		}
		quoteWindows(&b, a, true)
	}
	return b.String()
}

// quoteWindows writes one word. eager opens the quote at the word's start
// when the word needs one; otherwise the quoted part starts at the first
// blank and ends after the last.
func quoteWindows(b *strings.Builder, a string, eager bool) {
	if a == "" {
		b.WriteString(`""`)
		return
	}
	if !strings.ContainsAny(a, " \t\"") && a[0] != '#' && a[0] != ';' {
		b.WriteString(a)
		return
	}
	lastBlank := strings.LastIndexAny(a, " \t")
	open := false
	if eager && lastBlank >= 0 {
		b.WriteByte('"')
		open = true
	}
	slashes := 0
	var prev byte
	for i := 0; i < len(a); i++ {
		c := a[i]
		if c == '\\' {
			slashes++
			continue
		}
		if c == '"' {
			b.WriteString(strings.Repeat(`\`, 2*slashes+1))
			b.WriteByte('"')
			slashes, prev = 0, c
			continue
		}
		want := open
		switch {
		case c == ' ' || c == '\t':
			want = true
		case (c == '#' || c == ';') && i == 0:
			// A blank separates the word from the one before.
			want = true
		case (c == '#' || c == ';') && (prev == ' ' || prev == '\t'):
			want = false
		case eager && i <= lastBlank:
			want = true
		case !eager && i > lastBlank:
			want = false
		}
		if want != open {
			// Backslashes before a quote that toggles are doubled.
			b.WriteString(strings.Repeat(`\`, 2*slashes))
			b.WriteByte('"')
			open = want
		} else {
			b.WriteString(strings.Repeat(`\`, slashes))
		}
		b.WriteByte(c)
		slashes, prev = 0, c
		if !eager && i == lastBlank && open {
			// The rest needs no quotes: the line then ends outside them.
			b.WriteByte('"')
			open = false
		}
	}
	if open {
		b.WriteString(strings.Repeat(`\`, 2*slashes))
		b.WriteByte('"')
	} else {
		b.WriteString(strings.Repeat(`\`, slashes))
	}
}
