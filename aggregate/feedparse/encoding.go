package feedparse

import (
	"bytes"
	"errors"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// ErrEmpty is returned for a document with no content at all.
var ErrEmpty = errors.New("feedparse: empty document (the server sent no feed)")

var xmlDecl = regexp.MustCompile(`^<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._:-]+)["'][^>]*\?>`)

// toUTF8 returns body as UTF-8 without a BOM or leading blank space, so that
// gofeed (which rejects bytes that are not the declared encoding) can read
// it. The declared encoding (XML declaration, else the Content-Type charset)
// is obeyed, except that a Latin-1 declaration over valid multi-byte UTF-8 is
// taken to be UTF-8. Undeclared bytes that are not UTF-8 are read as
// windows-1252, the encoding such feeds are written in in practice.
func toUTF8(body []byte, contentType string) ([]byte, error) {
	body, utf16 := stripBOM(body)
	if utf16 != "" {
		return decodeWith(body, utf16)
	}
	body = bytes.TrimLeft(body, " \t\r\n")
	if len(body) == 0 {
		return nil, ErrEmpty
	}
	label := declared(body, contentType)
	if isUTF8Label(label) || (isLatin1Label(label) && utf8.Valid(body)) {
		if utf8.Valid(body) {
			return rewriteDecl(body), nil
		}
		label = "windows-1252"
	}
	return decodeWith(body, label)
}

func stripBOM(b []byte) ([]byte, string) {
	switch {
	case bytes.HasPrefix(b, []byte("\xef\xbb\xbf")):
		return b[3:], ""
	case bytes.HasPrefix(b, []byte("\xfe\xff")):
		return b[2:], "utf-16be"
	case bytes.HasPrefix(b, []byte("\xff\xfe")):
		return b[2:], "utf-16le"
	}
	return b, ""
}

func declared(body []byte, contentType string) string {
	if m := xmlDecl.FindSubmatch(body[:min(len(body), 256)]); m != nil {
		return strings.ToLower(string(m[1]))
	}
	if _, params, err := mime.ParseMediaType(contentType); err == nil && params["charset"] != "" {
		return strings.ToLower(params["charset"])
	}
	return ""
}

func isUTF8Label(l string) bool {
	return l == "" || l == "utf-8" || l == "utf8" || l == "us-ascii" || l == "ascii"
}

func isLatin1Label(l string) bool {
	switch l {
	case "iso-8859-1", "iso8859-1", "latin1", "latin-1", "windows-1252", "cp1252", "iso-8859-15":
		return true
	}
	return false
}

func decodeWith(body []byte, label string) ([]byte, error) {
	enc, _ := charset.Lookup(label)
	if label == "windows-1252" || enc == nil && !utf8.Valid(body) {
		enc = charmap.Windows1252
	}
	if enc == nil {
		return nil, fmt.Errorf("feedparse: unknown character encoding %q declared by the feed", label)
	}
	out, _, err := transform.Bytes(enc.NewDecoder(), body)
	if err != nil {
		return nil, fmt.Errorf("feedparse: decoding %s: %w", label, err)
	}
	return rewriteDecl(bytes.TrimLeft(out, " \t\r\n\ufeff")), nil
}

// rewriteDecl makes the XML declaration, if any, say UTF-8.
func rewriteDecl(b []byte) []byte {
	m := xmlDecl.FindSubmatchIndex(b[:min(len(b), 256)])
	if m == nil {
		return b
	}
	out := make([]byte, 0, len(b))
	out = append(out, b[:m[2]]...)
	out = append(out, "utf-8"...)
	return append(out, b[m[3]:]...)
}
