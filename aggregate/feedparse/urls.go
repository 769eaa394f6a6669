package feedparse

import "github.com/rookery-social/rookery/aggregate/sanitize"

// KeepHTTPURLs returns e with every URL that is not an absolute http(s)
// URL (see sanitize.HTTPURL) dropped: the permalink, the reply's href and
// source, mentions, mention links and enclosures. The parser keeps only
// such URLs already; the store calls it again at its boundary, so that no
// path stores a javascript: or relative link.
func KeepHTTPURLs(e Entry) Entry {
	e.URL = sanitize.HTTPURL(e.URL)
	e.InReplyTo.Href = sanitize.HTTPURL(e.InReplyTo.Href)
	e.InReplyTo.Source = sanitize.HTTPURL(e.InReplyTo.Source)
	e.Mentions = httpOnly(e.Mentions)
	e.Links = httpOnly(e.Links)
	var encs []Enclosure
	for _, en := range e.Enclosures {
		if en.URL = sanitize.HTTPURL(en.URL); en.URL != "" {
			encs = append(encs, en)
		}
	}
	e.Enclosures = encs
	return e
}

// KeepFeedHTTPURLs is KeepHTTPURLs for a feed's own links: its home page,
// rel=self, hubs and prev-archive.
func KeepFeedHTTPURLs(f Feed) Feed {
	f.SiteURL = sanitize.HTTPURL(f.SiteURL)
	f.Self = sanitize.HTTPURL(f.Self)
	f.PrevArchive = sanitize.HTTPURL(f.PrevArchive)
	f.Hubs = httpOnly(f.Hubs)
	return f
}

// httpOnly returns the http(s) URLs of list, in a new slice (nil when
// none).
func httpOnly(list []string) []string {
	var out []string
	for _, u := range list {
		if u = sanitize.HTTPURL(u); u != "" {
			out = append(out, u)
		}
	}
	return out
}
