// Package site renders a feedpub site's HTML pages (index, one page per post,
// archive pages) with an embedded html/template theme, and writes the whole
// output tree — pages and the feed documents package publish builds —
// incrementally: a manifest of content hashes means only changed files are
// rewritten, and nothing is written unless every file rendered. It also
// serves a local preview that rebuilds on change.
package site
