package sanitize

import (
	"html"
	"slices"
	"strings"
)

// resolveSimple is resolve without an HTML tokenizer, for the markup feeds
// usually carry: start and end tags with quoted attribute values and no
// character references in them, text without NULs or carriage returns, no
// comments, doctypes or raw-text elements (script, style, textarea…). It
// gives exactly what resolve gives — tags with a URL attribute rebuilt as
// html.Token.String does, everything else copied — and reports false, for
// the caller to use resolve, on anything else. Its output still goes
// through bluemonday: it only saves the tokenizer's allocations.
func resolveSimple(raw string, r resolver) (string, []Link, bool) {
	if strings.ContainsAny(raw, "\x00\r") {
		return "", nil, false
	}
	var b strings.Builder
	b.Grow(len(raw) + len(raw)/8)
	var links []Link
	for s := raw; s != ""; {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		if len(s) < 2 {
			return "", nil, false
		}
		switch c := s[1]; {
		case isLetter(c):
			t, n, ok := scanStartTag(s)
			if !ok {
				return "", nil, false
			}
			if !hasURLAttr([]byte(s[:n])) {
				b.WriteString(s[:n])
			} else {
				l, isLink := t.rewrite(&b, r)
				if isLink {
					links = append(links, l)
				}
			}
			s = s[n:]
		case c == '/':
			n, ok := scanEndTag(s)
			if !ok {
				return "", nil, false
			}
			b.WriteString(s[:n])
			s = s[n:]
		case c == '!' || c == '?':
			return "", nil, false
		default: // a '<' the tokenizer reads as text
			b.WriteByte('<')
			s = s[1:]
		}
	}
	return b.String(), links, true
}

// simpleTag is a start tag read by scanStartTag: lowercased name and
// attribute keys (each once), values as written (they hold no character
// references).
type simpleTag struct {
	name        string
	keys, vals  []string
	selfClosing bool
}

// rewrite writes the tag as html.Token.String would after resolver.rewrite,
// and returns its link when it is an <a>.
func (t *simpleTag) rewrite(b *strings.Builder, r resolver) (Link, bool) {
	var l Link
	b.WriteByte('<')
	b.WriteString(t.name)
	for i, k := range t.keys {
		v := t.vals[i]
		if urlAttrs[k] {
			v = r.resolve(v)
		}
		switch k {
		case "href":
			l.Href = v
		case "class":
			l.Class = v
		}
		b.WriteByte(' ')
		b.WriteString(k)
		b.WriteString(`="`)
		b.WriteString(html.EscapeString(v))
		b.WriteByte('"')
	}
	if t.selfClosing {
		b.WriteByte('/')
	}
	b.WriteByte('>')
	return l, t.name == "a"
}

// scanStartTag reads the start tag at the start of s (s[1] is a letter)
// and returns it with its length in s.
func scanStartTag(s string) (simpleTag, int, bool) {
	var t simpleTag
	i := 1
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	t.name = strings.ToLower(s[1:i])
	if rawTextTags[t.name] {
		return t, 0, false
	}
	for {
		sp := i
		for i < len(s) && isSpace(s[i]) {
			i++
		}
		if i >= len(s) {
			return t, 0, false
		}
		switch s[i] {
		case '>':
			return t, i + 1, true
		case '/':
			if i+1 < len(s) && s[i+1] == '>' {
				t.selfClosing = true
				return t, i + 2, true
			}
			return t, 0, false
		}
		if i == sp {
			return t, 0, false // no blank space before an attribute
		}
		k := i
		for i < len(s) && isAttrByte(s[i]) {
			i++
		}
		if i == k || i >= len(s) {
			return t, 0, false
		}
		key, val := strings.ToLower(s[k:i]), ""
		if s[i] == '=' {
			v, n, ok := quoted(s[i+1:])
			if !ok {
				return t, 0, false
			}
			val, i = v, i+1+n
		}
		if !slices.Contains(t.keys, key) { // the tokenizer keeps the first
			t.keys, t.vals = append(t.keys, key), append(t.vals, val)
		}
	}
}

// quoted reads the quoted attribute value at the start of s, with no
// character reference, and returns it and its length with the quotes.
func quoted(s string) (string, int, bool) {
	if s == "" || s[0] != '"' && s[0] != '\'' {
		return "", 0, false
	}
	end := strings.IndexByte(s[1:], s[0])
	if end < 0 {
		return "", 0, false
	}
	v := s[1 : 1+end]
	if strings.IndexByte(v, '&') >= 0 {
		return "", 0, false
	}
	return v, end + 2, true
}

// scanEndTag returns the length of the end tag "</name>" (blank space
// allowed before '>') at the start of s.
func scanEndTag(s string) (int, bool) {
	i := 2
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == 2 || !isLetter(s[2]) {
		return 0, false
	}
	for i < len(s) && isSpace(s[i]) {
		i++
	}
	if i >= len(s) || s[i] != '>' {
		return 0, false
	}
	return i + 1, true
}

// isSpace is the HTML tokenizer's blank space (less '\r', never present).
func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\f'
}

func isAttrByte(c byte) bool {
	return isNameByte(c) || c == '_' || c == ':' || c == '.'
}
