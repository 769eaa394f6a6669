// Package publish is the author's side of Rookery: it reads the site
// configuration (feedpub.toml) and post files (Markdown with TOML front
// matter), gives every post its stable tag: ID, resolves replies and
// @mentions, builds the feed documents (Atom with RFC 5005 archives, RSS 2.0,
// JSON Feed 1.1), pings WebSub hubs and sends Webmentions, and drives
// `feedpub publish` (git commit and push, then wait for the live feed).
//
// It does not render HTML pages or write the output tree; package site does.
package publish
