package publish

import "fmt"

// Page is one feed document's share of the entries: the main feed (Number
// 0) or one RFC 5005 archive (Number 1 is the oldest).
type Page struct {
	Number   int
	Entries  []*Entry // newest first
	Complete bool     // main feed holding every entry: fh:complete
	Last     int      // number of the newest archive; 0 when there is none
}

// Pages splits the entries into the main feed (the newest FeedSize) and
// archives of ArchiveSize entries, numbered from the oldest. Every archive
// but the newest is full and its content never changes unless one of its
// posts is edited; the newest archive fills up as posts leave the main feed.
func (s *Site) Pages() (main Page, archives []Page) {
	n, size := s.Config.FeedSize, s.Config.ArchiveSize
	all := s.Entries
	if len(all) <= n {
		return Page{Entries: all, Complete: true}, nil
	}
	main = Page{Entries: all[:n]}
	older := all[n:]    // newest first
	count := len(older) // archived entries, oldest at older[count-1]
	last := (count + size - 1) / size
	for k := 1; k <= last; k++ {
		lo, hi := (k-1)*size, min(k*size, count) // chronological indexes
		archives = append(archives, Page{Number: k, Entries: older[count-hi : count-lo], Last: last})
	}
	main.Last = last
	return main, archives
}

// ArchivePath is the output path of archive k's Atom document.
func ArchivePath(k int) string { return fmt.Sprintf("archive/%04d.atom", k) }

// ArchiveHTMLPath is the output path of archive k's HTML page.
func ArchiveHTMLPath(k int) string { return fmt.Sprintf("archive/%04d.html", k) }
