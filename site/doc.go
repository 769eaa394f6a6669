// Package site renders a feedpub site's HTML pages (index, one page per post,
// archive pages) with an embedded html/template theme, and writes the whole
// output tree — pages and the feed documents package publish builds —
// incrementally. A build state kept in DIR/.feedpub (one per output
// directory) records, for every output file, a key of its inputs and what
// was written: a build reads and renders only the posts that changed
// (publish.EntryCache), renders only the documents whose inputs changed,
// writes only files whose bytes changed, and writes nothing unless every
// document rendered. It also serves a local preview that rebuilds on change.
//
// It does not parse posts or produce feed documents; package publish does.
package site
