package sanitize

import (
	"html"
	"strings"
)

// Content is HTML followed by Text, done faster: content with no markup at
// all skips both HTML parsers (it is only escaped), and the text of the
// sanitized HTML is read by a scanner that relies on bluemonday's
// normalized output (every '<' in text escaped, attribute values quoted and
// escaped), falling back to Text for anything else.
func (p *Policy) Content(raw, base string) (clean, text string, links []Link) {
	if isPlain(raw) {
		return strings.TrimSpace(html.EscapeString(raw)), collapse(raw), nil
	}
	clean, links = p.HTML(raw, base)
	text, ok := cleanText(clean)
	if !ok {
		text = Text(clean)
	}
	return clean, text, links
}

// isPlain reports whether s has nothing an HTML parser would change but
// the escaping of quotes and '>': no tags, entities, NULs or carriage returns.
func isPlain(s string) bool {
	return !strings.ContainsAny(s, "<&\x00\r")
}

// rawTextTags hold text that an HTML tokenizer does not parse for tags;
// sanitized content never has them, and cleanText leaves them to Text.
var rawTextTags = map[string]bool{
	"script": true, "style": true, "textarea": true, "title": true, "xmp": true, "iframe": true,
	"noembed": true, "noframes": true, "noscript": true, "plaintext": true,
}

// cleanText is Text for bluemonday output. It reports false when s has
// something that output never has (comments, doctypes, a bare '<', NUL or
// CR, raw-text elements), for the caller to use Text instead.
func cleanText(s string) (string, bool) {
	if strings.ContainsAny(s, "\x00\r") {
		return "", false
	}
	var b strings.Builder
	b.Grow(len(s))
	for s != "" {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			writeText(&b, s)
			break
		}
		writeText(&b, s[:i])
		name, rest, ok := tag(s[i:])
		if !ok || rawTextTags[name] {
			return "", false
		}
		if blockTags[name] {
			b.WriteByte('\n')
		}
		s = rest
	}
	return collapse(b.String()), true
}

func writeText(b *strings.Builder, s string) {
	if strings.IndexByte(s, '&') >= 0 {
		s = html.UnescapeString(s)
	}
	b.WriteString(s)
}

// tag reads the start or end tag at the start of s: its lowercased name
// and what follows it. Quoted attribute values may hold '>'.
func tag(s string) (name, rest string, ok bool) {
	i := 1
	if i < len(s) && s[i] == '/' {
		i++
	}
	start := i
	for i < len(s) && isNameByte(s[i]) {
		i++
	}
	if i == start || !isLetter(s[start]) {
		return "", "", false
	}
	name = strings.ToLower(s[start:i])
	var quote byte
	for ; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '"' || c == '\'':
			quote = c
		case c == '>':
			return name, s[i+1:], true
		}
	}
	return "", "", false
}

func isLetter(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isNameByte(c byte) bool {
	return isLetter(c) || c >= '0' && c <= '9' || c == '-'
}
