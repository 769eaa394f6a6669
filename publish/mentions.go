package publish

// A mention is "@" and a nick: letters, digits, "_", "." and "-", starting
// and ending with a letter, digit or "_". The "@" starts a mention at the
// start of the text or after any character but a letter, digit, "_", "@",
// "/" or "." (so "bob@example.org" and "example.org/@bob" are not
// mentions). A hand-written scanner instead of a regular expression, which
// cost a full build more (bench/profiles.md).

// nickSpans returns the [start, end) byte offsets of each mention's nick
// (after its "@") in text, in order.
func nickSpans(text []byte) [][2]int {
	var spans [][2]int
	for i := 0; i < len(text); i++ {
		if text[i] != '@' || (i > 0 && blocksMention(text[i-1])) {
			continue
		}
		end := i + 1
		for end < len(text) && nickByte(text[end]) {
			end++
		}
		for end > i+1 && (text[end-1] == '.' || text[end-1] == '-') {
			end--
		}
		if end == i+1 || !wordByte(text[i+1]) {
			continue
		}
		spans = append(spans, [2]int{i + 1, end})
		i = end - 1
	}
	return spans
}

func wordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func nickByte(c byte) bool { return wordByte(c) || c == '.' || c == '-' }

// blocksMention reports whether c, just before an "@", keeps it from
// starting a mention.
func blocksMention(c byte) bool { return wordByte(c) || c == '@' || c == '/' || c == '.' }
