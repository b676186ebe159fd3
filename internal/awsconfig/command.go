package awsconfig

import (
	"errors"
	"runtime"
	"strings"
)

// JoinCommand renders args as one credential_process line for the platform
// credproc runs on (JoinCommandFor with runtime.GOOS).
func JoinCommand(args []string) string { return JoinCommandFor(runtime.GOOS, args) }

// SplitCommand splits a credential_process (or --mfa-process) line into
// argv as the AWS CLI does on the platform credproc runs on
// (SplitCommandFor with runtime.GOOS).
func SplitCommand(line string) ([]string, error) { return SplitCommandFor(runtime.GOOS, line) }

// JoinCommandFor renders args as one credential_process line that the AWS
// CLI and SDKs on platform goos read back as the same argv: on Windows as
// joinWindows writes it, elsewhere as joinPOSIX does.
func JoinCommandFor(goos string, args []string) string {
	if goos == "windows" {
		return joinWindows(args)
	}
	return joinPOSIX(args)
}

// SplitCommandFor splits line as botocore's compat_shell_split does on
// platform goos: the win32 rules on Windows, shlex.split elsewhere.
func SplitCommandFor(goos, line string) ([]string, error) {
	if goos == "windows" {
		return splitWindows(line)
	}
	return splitPOSIX(line)
}

// joinPOSIX renders args as one credential_process line that every AWS
// SDK on Unix reads back as the same argv: botocore runs shlex.split(line)
// (POSIX mode, no shell) and the Go, Java and JavaScript SDKs run sh -c line.
//
// Words made only of [A-Za-z0-9_@%+=:,./-] are written bare; anything else
// is wrapped in single quotes, an embedded single quote becoming \'. A few
// extra rules keep the line unambiguous for every reader:
//   - the first word is quoted if sh would read it as a variable assignment
//     (NAME=...) or a reserved word (if, then, ...);
//   - a space or tab is never directly followed by # or ; because the Go SDK's
//     INI reader cuts a value at " #" and " ;";
//   - a line that would begin and end with a single quote gets a trailing ""
//     because the Go SDK strips one pair of surrounding quotes from a value.
//
// An argument containing a newline cannot be written on one line: the result
// is still returned, but SetProfile rejects it as a value.
func joinPOSIX(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case a == "":
			b.WriteString("''")
		case isBareWord(a) && !(i == 0 && shellSpecialFirstWord(a)):
			b.WriteString(a)
		default:
			quoteArg(&b, a)
		}
	}
	s := b.String()
	if len(s) >= 2 && s[0] == '\'' && s[len(s)-1] == '\'' {
		s += `""`
	}
	return s
}

// isBareWord reports whether s consists only of characters that neither
// shlex nor sh treat specially anywhere in a word.
func isBareWord(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("_@%+=:,./-", c) >= 0:
		default:
			return false
		}
	}
	return true
}

// shReservedWords are the words that sh (and bash in POSIX mode) treat as
// syntax when they appear as the command word.
var shReservedWords = map[string]bool{
	"case": true, "coproc": true, "do": true, "done": true, "elif": true,
	"else": true, "esac": true, "fi": true, "for": true, "function": true,
	"if": true, "in": true, "select": true, "then": true, "time": true,
	"until": true, "while": true,
}

// shellSpecialFirstWord reports whether a bare word would not be read as a
// plain command name by sh when it comes first: an assignment NAME=value or a
// reserved word.
func shellSpecialFirstWord(s string) bool {
	if shReservedWords[s] {
		return true
	}
	eq := strings.IndexByte(s, '=')
	if eq <= 0 {
		return false
	}
	for i := 0; i < eq; i++ {
		c := s[i]
		isAlpha := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_'
		if !isAlpha && !(i > 0 && '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// quoteArg writes s in single quotes, writing each embedded single quote as
// \' outside the quotes, and closing and reopening the quotes between a blank
// and a following # or ; so the line never contains " #" or " ;".
func quoteArg(b *strings.Builder, s string) {
	open := false
	var prev byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\'' {
			if open {
				b.WriteByte('\'')
				open = false
			}
			b.WriteString(`\'`)
			prev = c
			continue
		}
		if open && (c == '#' || c == ';') && (prev == ' ' || prev == '\t') {
			b.WriteByte('\'')
			open = false
		}
		if !open {
			b.WriteByte('\'')
			open = true
		}
		b.WriteByte(c)
		prev = c
	}
	if open {
		b.WriteByte('\'')
	}
}

// splitPOSIX splits a credential_process line into argv exactly as
// botocore does on Unix with Python's shlex.split(line): POSIX mode, no comments,
// words separated by space, tab, CR or LF. Single quotes preserve everything
// up to the next single quote; inside double quotes a backslash escapes only
// a backslash or a double quote (elsewhere it is kept, as Python's shlex does,
// unlike sh which also escapes $, ` and newline); outside quotes a backslash
// makes the next character literal. An unterminated quote or a trailing
// backslash is an error.
func splitPOSIX(line string) ([]string, error) {
	var args []string
	var tok strings.Builder
	inTok := false
	for i := 0; i < len(line); {
		c := line[i]
		switch c {
		case ' ', '\t', '\r', '\n':
			if inTok {
				args = append(args, tok.String())
				tok.Reset()
				inTok = false
			}
			i++
		case '\\':
			if i+1 >= len(line) {
				return nil, errors.New("backslash at end of command line")
			}
			tok.WriteByte(line[i+1])
			inTok = true
			i += 2
		case '\'':
			j := strings.IndexByte(line[i+1:], '\'')
			if j < 0 {
				return nil, errors.New("unterminated single quote in command line")
			}
			tok.WriteString(line[i+1 : i+1+j])
			inTok = true
			i += j + 2
		case '"':
			inTok = true
			i++
			for {
				if i >= len(line) {
					return nil, errors.New("unterminated double quote in command line")
				}
				d := line[i]
				if d == '"' {
					i++
					break
				}
				if d == '\\' {
					if i+1 >= len(line) {
						return nil, errors.New("unterminated double quote in command line")
					}
					n := line[i+1]
					if n != '\\' && n != '"' {
						tok.WriteByte('\\')
					}
					tok.WriteByte(n)
					i += 2
					continue
				}
				tok.WriteByte(d)
				i++
			}
		default:
			tok.WriteByte(c)
			inTok = true
			i++
		}
	}
	if inTok {
		args = append(args, tok.String())
	}
	return args, nil
}

// QuoteWord writes s as one word of a command line for the platform
// credproc runs on, for messages that show a command to paste.
func QuoteWord(s string) string {
	var b strings.Builder
	switch {
	case runtime.GOOS == "windows":
		quoteWindows(&b, s, true)
	case s == "":
		b.WriteString("''")
	case isBareWord(s):
		b.WriteString(s)
	default:
		quoteArg(&b, s)
	}
	return b.String()
}
