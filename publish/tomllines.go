package publish

import (
	"strconv"
	"strings"
)

// A light scan of a TOML document, line by line, for error messages: on
// which line a setting is, and which [table] a line is in. The decoder
// (go-toml) reads the values; this only finds them again. It knows
// comments, [table] headers, quoted and dotted keys, and values that
// continue on the next lines (arrays and multi-line strings), which is
// what feedpub.toml and front matter hold.

// tomlLine is one line of a setting: its first (`key = value`) or a
// continuation of its value.
type tomlLine struct {
	name string // dotted: table, then key ("reply_to.href", "following.bob", "hubs")
	text string // the line's text, trimmed
	line int    // 1-based
	cont bool   // a continuation line of the setting's value
}

// tomlDoc is a scanned TOML document.
type tomlDoc struct {
	lines   []tomlLine
	headers map[string]int // table name → line of its [header]
}

func scanTOML(data []byte) *tomlDoc {
	d := &tomlDoc{headers: map[string]int{}}
	table, current := "", ""
	var open span
	for i, raw := range strings.Split(string(data), "\n") {
		n, text := i+1, strings.TrimSpace(raw)
		switch {
		case open.open(): // inside a value that spans lines
			d.lines = append(d.lines, tomlLine{name: current, text: text, line: n, cont: true})
			open.add(text)
		case text == "" || text[0] == '#':
		case text[0] == '[':
			table = unquoteKey(strings.TrimSpace(strings.Trim(strings.SplitN(text, "#", 2)[0], " []")))
			if _, ok := d.headers[table]; !ok {
				d.headers[table] = n
			}
		default:
			key, value, ok := strings.Cut(text, "=")
			if !ok {
				continue
			}
			current = unquoteKey(strings.TrimSpace(key))
			if table != "" {
				current = table + "." + current
			}
			d.lines = append(d.lines, tomlLine{name: current, text: text, line: n})
			open = startSpan(strings.TrimSpace(value))
		}
	}
	return d
}

// span follows a value that may continue on the next lines: an array
// (by its bracket depth) or a multi-line string (by its delimiter).
type span struct {
	depth int
	delim string // the delimiter of the multi-line string it is inside
}

func startSpan(v string) span {
	for _, q := range []string{`"""`, `'''`} {
		if strings.HasPrefix(v, q) {
			if strings.Count(v, q) >= 2 {
				return span{}
			}
			return span{delim: q}
		}
	}
	var s span
	if strings.HasPrefix(v, "[") {
		s.add(v)
	}
	return s
}

func (s span) open() bool { return s.depth > 0 || s.delim != "" }

// add takes in the next line of the value.
func (s *span) add(line string) {
	if s.delim != "" {
		if strings.Contains(line, s.delim) {
			s.delim = ""
		}
		return
	}
	code := line
	if i := strings.Index(line, " #"); i >= 0 {
		code = line[:i]
	}
	s.depth = max(0, s.depth+strings.Count(code, "[")-strings.Count(code, "]"))
}

// unquoteKey turns a key as written (bare, "quoted" or 'literal', dotted)
// into its dotted name.
func unquoteKey(k string) string {
	var parts []string
	for _, p := range strings.Split(k, ".") {
		p = strings.TrimSpace(p)
		if u, err := strconv.Unquote(p); err == nil && strings.HasPrefix(p, `"`) {
			p = u
		} else if len(p) >= 2 && p[0] == '\'' && p[len(p)-1] == '\'' {
			p = p[1 : len(p)-1]
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ".")
}

// lineOf finds the line of setting name whose text holds value (for an
// array element on a line of its own), else its first line, else the line
// of the setting or inline table that holds it (reply_to = {…}), else its
// table's header; 0 when none.
func (d *tomlDoc) lineOf(name, value string) int {
	first := 0
	for _, l := range d.lines {
		if l.name != name {
			continue
		}
		if first == 0 {
			first = l.line
		}
		if value != "" && strings.Contains(l.text, value) {
			return l.line
		}
	}
	if first > 0 {
		return first
	}
	for parent := name; strings.Contains(parent, "."); {
		parent = parent[:strings.LastIndex(parent, ".")]
		for _, l := range d.lines {
			if l.name == parent && !l.cont {
				return l.line
			}
		}
		if n, ok := d.headers[parent]; ok {
			return n
		}
	}
	return 0
}
