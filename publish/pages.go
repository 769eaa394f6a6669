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
//
// Every document also stays under MaxFeedDocument: the main feed ends
// before the entry that would take it over (counted as in RSS, the
// largest of the three formats), and an archive is full once the next
// entry would take it over. Archives fill from the oldest entry, so
// their bounds move only when one of their posts is edited.
func (s *Site) Pages() (main Page, archives []Page) {
	all, budget := s.Entries, s.budget()
	n := mainCount(all, s.Config.FeedSize, budget)
	if n == len(all) {
		return Page{Entries: all, Complete: true, Updated: updated(all)}, nil
	}
	main = Page{Entries: all[:n], Updated: updated(all[:n])}
	older := all[n:] // newest first
	bounds := archiveBounds(older, s.Config.ArchiveSize, budget)
	last := len(bounds) - 1
	prev := updated(nil)
	for k := 1; k <= last; k++ {
		lo, hi := bounds[k-1], bounds[k] // chronological indexes
		p := Page{Number: k, Entries: older[len(older)-hi : len(older)-lo], Last: last, Updated: prev}
		if len(p.Entries) > 0 {
			p.Updated = updated(p.Entries)
		}
		prev = p.Updated
		archives = append(archives, p)
	}
	main.Last = last
	return main, archives
}

// mainCount is how many of the newest entries the main feed holds: at
// most size, and as many as fit in budget (at least one).
func mainCount(all []*Entry, size, budget int) int {
	used := 0
	for k, e := range all {
		b := e.size.mainBytes()
		if k == size || (k > 0 && used+b > budget) {
			return k
		}
		used += b
	}
	return len(all)
}

// archiveBounds cuts older (newest first) into archives from its oldest
// entry: archive k holds the chronological indexes bounds[k-1] to
// bounds[k]. An archive is full at size entries, or when the next entry
// would take it over budget. When the last archive is full, an empty one
// follows.
func archiveBounds(older []*Entry, size, budget int) []int {
	bounds := []int{0}
	start, used := 0, 0
	for i := range older {
		b := older[len(older)-1-i].size.archiveBytes()
		if i-start == size || (i > start && used+b > budget) {
			bounds = append(bounds, i)
			start, used = i, 0
		}
		used += b
	}
	bounds = append(bounds, len(older))
	if len(older)-start == size {
		bounds = append(bounds, len(older))
	}
	return bounds
}

// ArchivePath is the output path of archive k's Atom document.
func ArchivePath(k int) string { return fmt.Sprintf("archive/%04d.atom", k) }

// ArchiveHTMLPath is the output path of archive k's HTML page.
func ArchiveHTMLPath(k int) string { return fmt.Sprintf("archive/%04d.html", k) }
