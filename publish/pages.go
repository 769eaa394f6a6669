package publish

import (
	"fmt"
	"time"
)

// Page is one feed document's share of the entries: the main feed (Number
// 0) or one RFC 5005 archive (Number 1 is the oldest).
type Page struct {
	Number   int
	Entries  []*Entry // newest first
	Complete bool     // main feed holding every entry: fh:complete
	Last     int      // number of the newest archive; 0 when there is none
	Updated  time.Time
}

// Pages splits the entries into the main feed (the newest FeedSize) and
// archives of ArchiveSize entries, numbered from the oldest. Archives
// 1..Last-1 are full and final: they always link to their successor, so
// their bytes never change unless one of their posts is edited. Archive
// Last is the open one; it fills up as posts leave the main feed and may be
// empty (when the others are exactly full), so that every full archive's
// next-archive link resolves.
func (s *Site) Pages() (main Page, archives []Page) {
	n, size := s.Config.FeedSize, s.Config.ArchiveSize
	all := s.Entries
	if len(all) <= n {
		return Page{Entries: all, Complete: true, Updated: updated(all)}, nil
	}
	main = Page{Entries: all[:n], Updated: updated(all[:n])}
	older := all[n:]    // newest first
	count := len(older) // archived entries, oldest at older[count-1]
	last := count/size + 1
	prev := updated(nil)
	for k := 1; k <= last; k++ {
		lo, hi := min((k-1)*size, count), min(k*size, count) // chronological indexes
		p := Page{Number: k, Entries: older[count-hi : count-lo], Last: last, Updated: prev}
		if len(p.Entries) > 0 {
			p.Updated = updated(p.Entries)
		}
		prev = p.Updated
		archives = append(archives, p)
	}
	main.Last = last
	return main, archives
}

// ArchivePath is the output path of archive k's Atom document.
func ArchivePath(k int) string { return fmt.Sprintf("archive/%04d.atom", k) }

// ArchiveHTMLPath is the output path of archive k's HTML page.
func ArchiveHTMLPath(k int) string { return fmt.Sprintf("archive/%04d.html", k) }
