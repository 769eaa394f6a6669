package feedparse

import (
	"bytes"
	"encoding/xml"
	"strings"
	"time"
)

// TombstoneNS is the namespace of RFC 6721's at:deleted-entry.
const TombstoneNS = "http://purl.org/atompub/tombstones/1.0"

const atomNS = "http://www.w3.org/2005/Atom"

// Tombstone is an RFC 6721 at:deleted-entry of an Atom feed: the entry
// whose atom:id is Ref was deleted at When.
type Tombstone struct {
	// Ref is the deleted entry's atom:id. "The ref attribute MUST be
	// provided" (RFC 6721 §3).
	Ref string
	// When is when the entry was deleted; zero when the document gives
	// no valid date (RFC 6721 §3 requires one).
	When time.Time
}

// maxTombstones bounds the tombstones kept from one document.
const maxTombstones = 10000

// tombstones reads the at:deleted-entry children of an Atom document's
// atom:feed (RFC 6721 §3 puts them there). gofeed files feed-level
// extension elements under the prefix the document happens to declare,
// losing their namespace, so the document is read again here with
// encoding/xml, which matches the namespace itself whatever the prefix.
// The second read is skipped for every document that never names the
// namespace. A document that is not Atom, or breaks off, yields the
// tombstones read so far.
func tombstones(doc []byte) []Tombstone {
	if !bytes.Contains(doc, []byte(TombstoneNS)) {
		return nil
	}
	d := xml.NewDecoder(bytes.NewReader(doc))
	d.Strict = false
	d.Entity = xml.HTMLEntity
	if !atomRoot(d) {
		return nil
	}
	var out []Tombstone
	for len(out) < maxTombstones {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		if se.Name.Space == TombstoneNS && se.Name.Local == "deleted-entry" {
			if t, ok := tombstoneOf(se); ok {
				out = append(out, t)
			}
		}
		if d.Skip() != nil {
			return out
		}
	}
	return out
}

// atomRoot advances d past the document's root element and reports
// whether it is atom:feed.
func atomRoot(d *xml.Decoder) bool {
	for {
		tok, err := d.Token()
		if err != nil {
			return false
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name.Space == atomNS && se.Name.Local == "feed"
		}
	}
}

func tombstoneOf(se xml.StartElement) (Tombstone, bool) {
	var t Tombstone
	for _, a := range se.Attr {
		if a.Name.Space != "" {
			continue
		}
		switch a.Name.Local {
		case "ref":
			t.Ref = strings.TrimSpace(a.Value)
		case "when":
			t.When = parseWhen(a.Value)
		}
	}
	return t, t.Ref != ""
}

// parseWhen reads an RFC 3339 date-time (RFC 4287 §3.3), else zero.
func parseWhen(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}
	}
	return t.UTC()
}
