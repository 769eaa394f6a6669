package sanitize

import (
	"strings"
	"unicode/utf8"
)

// Terminal returns s with everything a terminal would interpret removed:
// ESC-introduced sequences (CSI, OSC, DCS and two-byte escapes, terminated
// as a terminal would), other C0 controls except tab and newline, C1
// controls (including 8-bit CSI), bidirectional overrides and invalid UTF-8.
func Terminal(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == 0x1b:
			i += escapeLen(s[i:])
			continue
		case r == 0x9b || r == 0x9d || r == 0x90:
			// 8-bit CSI, OSC, DCS: skip like their ESC forms.
			i += n + bodyLen(s[i+n:], r)
			continue
		case r == utf8.RuneError && n <= 1:
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		case isBidi(r):
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// Line is Terminal for one-line fields: newlines and tabs become spaces.
func Line(s string) string {
	s = Terminal(s)
	return strings.Join(strings.Fields(s), " ")
}

func isBidi(r rune) bool {
	return (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

// escapeLen is the length of the escape sequence at the start of s (s[0] is ESC).
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + bodyLen(s[2:], 0x9b)
	case ']', 'P', '_', '^', 'X':
		return 2 + bodyLen(s[2:], 0x9d)
	default:
		return 2
	}
}

// bodyLen is the length of a CSI body (up to a final byte 0x40-0x7e) or of a
// string sequence (up to BEL or ST), bounded by the end of s.
func bodyLen(s string, kind rune) int {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if kind == 0x9b {
			if c >= 0x40 && c <= 0x7e {
				return i + 1
			}
			if c < 0x20 || c > 0x3f && c < 0x40 {
				return i
			}
			continue
		}
		if c == 0x07 {
			return i + 1
		}
		if c == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
			return i + 2
		}
	}
	return len(s)
}
