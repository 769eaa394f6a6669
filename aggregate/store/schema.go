package store

// migrations are the reader's schema steps: append-only, never edit one.
var migrations = []string{`
CREATE TABLE feeds (
	id            INTEGER PRIMARY KEY,
	url           TEXT NOT NULL UNIQUE,
	nick          TEXT UNIQUE,
	title         TEXT NOT NULL DEFAULT '',
	site_url      TEXT NOT NULL DEFAULT '',
	followed      INTEGER NOT NULL DEFAULT 0,
	mode          TEXT NOT NULL DEFAULT 'poll',
	hubs          TEXT NOT NULL DEFAULT '',
	self          TEXT NOT NULL DEFAULT '',
	etag          TEXT NOT NULL DEFAULT '',
	last_modified TEXT NOT NULL DEFAULT '',
	last_fetch    INTEGER NOT NULL DEFAULT 0,
	last_error    TEXT NOT NULL DEFAULT '',
	failures      INTEGER NOT NULL DEFAULT 0,
	next_fetch    INTEGER NOT NULL DEFAULT 0,
	gone          INTEGER NOT NULL DEFAULT 0,
	created       INTEGER NOT NULL
);
CREATE INDEX feeds_due ON feeds(followed, next_fetch);

CREATE TABLE posts (
	id        INTEGER PRIMARY KEY,
	feed_id   INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	guid      TEXT NOT NULL,
	entry_id  TEXT NOT NULL,
	url       TEXT NOT NULL,
	title     TEXT NOT NULL,
	author    TEXT NOT NULL,
	published INTEGER NOT NULL,
	updated   INTEGER NOT NULL,
	html      TEXT NOT NULL,
	text      TEXT NOT NULL,
	digest    TEXT NOT NULL,
	enclosures TEXT NOT NULL DEFAULT '',
	UNIQUE(feed_id, guid)
);
CREATE INDEX posts_published ON posts(published);
CREATE INDEX posts_feed_published ON posts(feed_id, published);
CREATE INDEX posts_entry_id ON posts(entry_id);
CREATE INDEX posts_url ON posts(url);

CREATE VIRTUAL TABLE posts_fts USING fts5(
	title, text, author,
	content='posts', content_rowid='id',
	tokenize='unicode61 remove_diacritics 2'
);
-- New and edited posts are indexed in one statement per batch (SaveFeed):
-- a trigger per row would make FTS5 flush its pending terms at every
-- statement. Edits remove their old terms first (saver.updatePost).
CREATE TRIGGER posts_fts_delete AFTER DELETE ON posts BEGIN
	INSERT INTO posts_fts(posts_fts, rowid, title, text, author) VALUES ('delete', old.id, old.title, old.text, old.author);
END;

CREATE TABLE post_tags (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	tag     TEXT NOT NULL,
	PRIMARY KEY (post_id, tag)
) WITHOUT ROWID;
CREATE INDEX post_tags_tag ON post_tags(tag, post_id);

-- kind 0: rel="mentioned" (or JSON Feed _rookery mentions); kind 1: an
-- HTML u-mention / h-card link in the content.
CREATE TABLE post_mentions (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	url     TEXT NOT NULL,
	origin  TEXT NOT NULL,
	kind    INTEGER NOT NULL,
	PRIMARY KEY (post_id, kind, url)
) WITHOUT ROWID;
CREATE INDEX post_mentions_url ON post_mentions(url);
CREATE INDEX post_mentions_origin ON post_mentions(origin);

CREATE TABLE replies (
	post_id       INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
	ref           TEXT NOT NULL,
	href          TEXT NOT NULL,
	source        TEXT NOT NULL,
	href_origin   TEXT NOT NULL,
	source_origin TEXT NOT NULL
);
CREATE INDEX replies_ref ON replies(ref);
CREATE INDEX replies_href ON replies(href);
CREATE INDEX replies_href_origin ON replies(href_origin);
CREATE INDEX replies_source_origin ON replies(source_origin);

CREATE TABLE webmentions (
	post_id INTEGER NOT NULL REFERENCES posts(id) ON DELETE CASCADE,
	source  TEXT NOT NULL,
	created INTEGER NOT NULL,
	PRIMARY KEY (post_id, source)
) WITHOUT ROWID;

CREATE TABLE blocks (
	value   TEXT PRIMARY KEY,
	kind    TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE mutes (
	value   TEXT PRIMARY KEY,
	kind    TEXT NOT NULL,
	created INTEGER NOT NULL
);
CREATE TABLE meta (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
`,
	// 2: FeedByURL falls back to a feed's self link on every ingest.
	// FTS5 merges index segments when 8 of a level exist rather than 4:
	// storing a document costs less, a search reads a few more segments
	// (figures in bench/profiles.md).
	`CREATE INDEX feeds_self ON feeds(self);
INSERT INTO posts_fts(posts_fts, rank) VALUES('automerge', 8);`,
	// 3: Mentions finds replies to my feed by their source without a scan.
	`CREATE INDEX replies_source ON replies(source);`,
	// 4: an entry without a date takes the time it was first seen
	// (placed after the dated posts of the same fetch), and says so.
	`ALTER TABLE posts ADD COLUMN undated INTEGER NOT NULL DEFAULT 0;`,
	// 5: reposts, quotes and likes (the post each cites), the target of
	// each verified Webmention, and what a feed says of its author.
	`CREATE TABLE post_cites (
	post_id     INTEGER PRIMARY KEY REFERENCES posts(id) ON DELETE CASCADE,
	kind        TEXT NOT NULL,
	ref         TEXT NOT NULL,
	href        TEXT NOT NULL,
	href_origin TEXT NOT NULL
);
CREATE INDEX post_cites_ref ON post_cites(ref);
CREATE INDEX post_cites_href ON post_cites(href);
CREATE INDEX post_cites_href_origin ON post_cites(href_origin);
ALTER TABLE webmentions ADD COLUMN target TEXT NOT NULL DEFAULT '';
CREATE INDEX webmentions_source ON webmentions(source);
ALTER TABLE feeds ADD COLUMN author TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN bio TEXT NOT NULL DEFAULT '';
ALTER TABLE feeds ADD COLUMN avatar TEXT NOT NULL DEFAULT '';`,
	// 6: read state. Posts stored before it count as read (ADD COLUMN's
	// default, no rewrite); SaveFeed inserts new ones unread. The partial
	// indexes hold only unread posts: the unread timeline walks the first,
	// unread counts per feed read the second.
	`ALTER TABLE posts ADD COLUMN unread INTEGER NOT NULL DEFAULT 0;
CREATE INDEX posts_unread ON posts(published) WHERE unread = 1;
CREATE INDEX posts_unread_feed ON posts(feed_id) WHERE unread = 1;`,
	// 7: RFC 6721 tombstones of each feed: the entries its author
	// deleted, and when (Unix seconds). A save leaves out an entry of the
	// feed that is not newer than its tombstone (SaveDocument).
	`CREATE TABLE tombstones (
	feed_id INTEGER NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
	ref     TEXT NOT NULL,
	deleted INTEGER NOT NULL,
	PRIMARY KEY (feed_id, ref)
) WITHOUT ROWID;
CREATE INDEX tombstones_ref ON tombstones(ref);`,
}
